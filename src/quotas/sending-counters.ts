import type { CountsDelta, UserCounts } from './windows.js';

/**
 * Per-user sending counters (DESIGN §9 Store): messages and recipients per
 * hour and per day, bounces and complaints per day, and the hourly baseline
 * (windows.ts says how windows and the baseline work). Read on every MAIL and
 * RCPT of an authenticated user and added to on every accepted message, so
 * reads and adds are synchronous and in memory; `flush` makes the changes
 * durable in batches. A backend shared by a cluster keeps that shape: local
 * counts, flushed as increments, refreshed from the shared store.
 */
export interface SendingCounters {
  /** The user's counts in the windows containing `now` (zeros for a user never counted). */
  get(user: string, now: number): UserCounts;
  /** Count accepted mail, a bounce or a complaint; returns the counts after it. */
  add(user: string, delta: CountsDelta, now: number): UserCounts;
  /** Write every change since the last flush (one transaction). What was not flushed is lost on a crash. */
  flush(): Promise<void>;
  /** Flush, then close. */
  close(): Promise<void>;
}
