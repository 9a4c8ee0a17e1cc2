import type { Clock } from '../../core/index.js';

/**
 * Event counters over a sliding time window (DESIGN §9: the connection-stage
 * defences count here). Behind an interface so that a cluster can share them
 * later (a store-backed or Redis backend: INCR on two bucket keys with expiry
 * is the same algorithm); today one in-memory backend per process.
 */
export interface RateCounters {
  /** Count one event (or `amount`) for `key`; returns the events in the last `windowMs`, this one included. */
  hit(key: string, windowMs: number, amount?: number): number;
  /** The events for `key` in the last `windowMs`, without counting one. */
  peek(key: string, windowMs: number): number;
}

/** Two fixed buckets per key: the current window and the one before it. */
interface Buckets {
  /** Start of the current bucket (a multiple of the window). */
  start: number;
  current: number;
  previous: number;
}

/**
 * The sliding-window estimate used by rate limiters at scale (Cloudflare,
 * nginx-style): the current fixed bucket plus the previous one weighted by how
 * much of it still lies inside the window. O(1) memory per key, no per-event
 * timestamps, so a flood costs nothing per event.
 *
 * The key table is bounded: a Map in least-recently-used order; past
 * `maxKeys` the least recently hit key is dropped. A flood of distinct client
 * IPs thus cannot grow memory without bound; it can only forget the counts of
 * quiet clients (which is what a client that stopped sending deserves).
 */
export class MemoryRateCounters implements RateCounters {
  private readonly keys = new Map<string, Buckets>();

  constructor(
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  hit(key: string, windowMs: number, amount = 1): number {
    const now = this.clock.now();
    const b = this.roll(this.keys.get(key), now, windowMs);
    b.current += amount;
    // Re-insert: a Map iterates in insertion order, so the first key is the least recently hit.
    this.keys.delete(key);
    this.keys.set(key, b);
    if (this.keys.size > this.maxKeys) this.evictOldest();
    return estimate(b, now, windowMs);
  }

  peek(key: string, windowMs: number): number {
    const found = this.keys.get(key);
    if (!found) return 0;
    const now = this.clock.now();
    return estimate(this.roll({ ...found }, now, windowMs), now, windowMs);
  }

  /** How many keys are held (tests, and a metric later). */
  get size(): number {
    return this.keys.size;
  }

  private roll(b: Buckets | undefined, now: number, windowMs: number): Buckets {
    const start = now - (now % windowMs);
    if (!b) return { start, current: 0, previous: 0 };
    if (b.start === start) return b;
    // One window on: the current bucket becomes the previous one; further on, both are stale.
    b.previous = b.start + windowMs === start ? b.current : 0;
    b.current = 0;
    b.start = start;
    return b;
  }

  private evictOldest(): void {
    const oldest = this.keys.keys().next();
    if (!oldest.done) this.keys.delete(oldest.value);
  }
}

function estimate(b: Buckets, now: number, windowMs: number): number {
  const intoCurrent = (now - b.start) / windowMs;
  return b.current + b.previous * (1 - intoCurrent);
}
