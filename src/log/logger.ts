import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs to stderr (one line per event); level from config. */
export function createLogger(level: string, name = 'baton'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that drops everything (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
