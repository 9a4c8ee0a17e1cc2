import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { PinoPretty as PinoPrettyFn } from 'pino-pretty';

export type { Logger };

/** `log.format`: JSON lines for machines (the default), or pretty lines for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/**
 * Structured logs to stderr, level from config. JSON: one line per event, the
 * queue id a field of its own (`queueId`), for log shippers. Pretty: for a
 * terminal (pino-pretty, in this process: formatting costs CPU, so not for
 * production volume), the queue id leads the message so a grep still finds
 * every line of one message.
 */
export function createLogger(level: string, name = 'baton', format: LogFormat = 'json'): Logger {
  const options = { name, level, base: { pid: process.pid } };
  if (format === 'json') return pino(options, pino.destination({ fd: 2, sync: false }));
  return pino(options, prettyStream(process.stderr.isTTY === true));
}

/** The pretty stream: colours only on a terminal, local time, the queue id first. */
export function prettyStream(colorize: boolean, destination: number | NodeJS.WritableStream = 2) {
  // Loaded only when asked for: every CLI command imports this module, and pino-pretty costs ~70 ms to load.
  const { PinoPretty } = createRequire(import.meta.url)('pino-pretty') as { PinoPretty: typeof PinoPrettyFn };
  return PinoPretty({
    destination,
    colorize,
    sync: false,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,name,queueId',
    messageFormat: '{if queueId}[{queueId}] {end}{msg}',
    singleLine: true,
  });
}

/** A logger that drops everything (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
