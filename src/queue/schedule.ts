import type { Random } from '../core/index.js';

/** Back-off between delivery attempts; the fields mirror `queue.retry` in the config (milliseconds). */
export interface RetryPolicy {
  /** Delay after the first failed attempt. */
  readonly first: number;
  /** Longest delay between two attempts. */
  readonly max: number;
  /** Each delay is this many times the one before. */
  readonly multiplier: number;
  /** Random spread as a fraction of the delay (0.2 = ±20%). */
  readonly jitter: number;
}

/**
 * Close to Postfix: minimal_backoff_time 300s, maximal_backoff_time 4000s (we cap at
 * an hour), doubling in between. Same values as the config defaults.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { first: 5 * 60_000, max: 60 * 60_000, multiplier: 2, jitter: 0.2 };

/**
 * How long to wait before the next attempt, given the number of attempts made so
 * far (1 after the first failure). Exponential back-off, capped, with jitter so
 * that messages deferred together (a site outage) do not all come back at once.
 * The result never exceeds `max` and is never negative.
 */
export function nextAttemptDelay(attempts: number, policy: RetryPolicy, random: Random): number {
  const n = Math.max(1, Math.floor(attempts));
  const base = Math.min(policy.max, policy.first * policy.multiplier ** (n - 1));
  const spread = 1 + policy.jitter * (2 * random.next() - 1);
  return Math.max(0, Math.round(Math.min(policy.max, base * spread)));
}
