import type { Clock } from '../../core/index.js';

const UNITS: Record<string, number> = { s: 1000, sec: 1000, second: 1000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000 };

/** "1000/min" → ms between two messages; undefined when the text is not a rate. */
export function rateInterval(text: string): number | undefined {
  const m = /^\s*(\d{1,9})\s*\/\s*([a-z]+)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = UNITS[m[2] as string];
  if (unit === undefined || n <= 0) return undefined;
  return unit / n;
}

/**
 * Paces messages evenly on the Clock (a token bucket of depth one, as the
 * generic cell rate algorithm: each message is due one interval after the
 * one before). Even spacing rather than bursts: a campaign of "1000/min"
 * should look to a mailbox provider like a steady stream, not a minute's
 * worth at once every minute.
 */
export class Pacer {
  private next = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock,
  ) {}

  /** How long to wait before sending the next message (0: now); reserves its slot. */
  delay(): number {
    if (this.intervalMs <= 0) return 0;
    const now = this.clock.now();
    const at = Math.max(this.next, now);
    this.next = at + this.intervalMs;
    return at - now;
  }
}
