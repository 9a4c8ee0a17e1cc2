import type { Clock } from '../core/index.js';
import type { SharedRates } from '../delivery/throttle/shared-rates.js';
import type { Logger } from '../log/index.js';
import type { ClusterStore } from './cluster-store.js';

export interface ClusterRatesDeps {
  readonly store: ClusterStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Live delivery nodes (NodePresence): batches get smaller as more nodes share a window. */
  readonly nodes: () => number;
}

/** How soon a start waiting for a refill asks again (the refill is one round trip). */
const REFILL_WAIT_MS = 20;
/** After a failed refill (database away): do not start rated attempts for this long. */
const FAILED_WAIT_MS = 1000;

interface KeyState {
  tokens: number;
  /** Local time the window of `tokens` ends: unused tokens lapse with it. */
  windowEnds: number;
  /** No tokens left in the cluster's window until then. */
  exhaustedUntil: number;
  refilling: boolean;
}

/**
 * A shaping rate for the whole cluster: one counter per (scope, fixed window)
 * in the database (ClusterStore.takeTokens), from which each node takes small
 * batches of tokens ahead of need. The total granted in one window never
 * exceeds `rate x window`; tokens a node fetched but did not use lapse with
 * the window (under-use, never over-use). Windows are 1 s, or longer for
 * rates below one per second, so that a window holds at least one start:
 * over any span of T seconds at most rate x (T + window) starts begin.
 */
export class ClusterRates implements SharedRates {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly deps: ClusterRatesDeps) {}

  check(key: string, rate: number, now: number): true | number {
    const s = this.state(key);
    if (s.windowEnds <= now) s.tokens = 0;
    if (s.tokens >= 1) return true;
    if (s.exhaustedUntil > now) return s.exhaustedUntil;
    if (!s.refilling) this.refill(key, s, rate);
    return now + REFILL_WAIT_MS;
  }

  take(key: string): void {
    const s = this.keys.get(key);
    if (s && s.tokens >= 1) s.tokens--;
  }

  /** Forget keys with nothing pending (the shaper's sweep cadence is enough). */
  sweep(now: number): void {
    for (const [key, s] of this.keys) if (!s.refilling && s.windowEnds <= now && s.exhaustedUntil <= now) this.keys.delete(key);
  }

  private state(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { tokens: 0, windowEnds: 0, exhaustedUntil: 0, refilling: false };
      this.keys.set(key, s);
    }
    return s;
  }

  private refill(key: string, s: KeyState, rate: number): void {
    const { windowMs, limit } = rateWindow(rate);
    // A quarter of one node's even share: few round trips, little left to lapse unused.
    const want = Math.max(1, Math.ceil(limit / (4 * Math.max(1, this.deps.nodes()))));
    s.refilling = true;
    // The window's end counted from when we asked (no later than the database's now): tokens lapse early, never late.
    const asked = this.deps.clock.now();
    this.deps.store.takeTokens(`rate:${key}`, windowMs, limit, want).then(
      (grant) => {
        s.refilling = false;
        s.windowEnds = asked + grant.windowEndsInMs;
        s.tokens = grant.granted;
        if (grant.granted === 0) s.exhaustedUntil = s.windowEnds;
      },
      (err: unknown) => {
        s.refilling = false;
        s.exhaustedUntil = this.deps.clock.now() + FAILED_WAIT_MS;
        this.deps.logger.error({ err, scope: key }, 'cluster: taking rate tokens failed; rated starts wait');
      },
    );
  }
}

/** The fixed window and per-window limit for `rate` per second: at least one start per window, never more than the rate. */
export function rateWindow(rate: number): { windowMs: number; limit: number } {
  const windowMs = rate >= 1 ? 1000 : Math.ceil(1000 / rate);
  return { windowMs, limit: Math.max(1, Math.floor((rate * windowMs) / 1000)) };
}
