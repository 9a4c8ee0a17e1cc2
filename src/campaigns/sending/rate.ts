import { parseRate, type Clock } from '../../core/index.js';

/** "1000/min" (core parseRate: per s, min, h or d) → ms between two messages; undefined when the text is not a rate. */
export function rateInterval(text: string): number | undefined {
  try {
    // Rounded to the nanosecond: 1000 / (1000 / 60) is 59.999…, which would drift a schedule for nothing.
    return Math.round(1e9 / parseRate(text)) / 1e6;
  } catch {
    return undefined;
  }
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
