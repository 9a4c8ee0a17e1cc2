import type { Outcome } from '../outcome.js';
import { AdaptiveRate, type AdaptiveSettings } from './adaptive.js';
import { RateBucket } from './rate-bucket.js';

/** What a rule limits in one scope. */
export interface ScopeLimits {
  readonly connections?: number | undefined;
  /** Per second. */
  readonly rate?: number | undefined;
  readonly messagesPerConnection?: number | undefined;
  readonly recipientsPerMessage?: number | undefined;
}

/**
 * One budget: the whole node, a site, a provider, or a domain rule. It counts
 * attempts in flight against its connection limit, paces starts with a token
 * bucket, and (for the shaping unit of a job: its provider, else its site)
 * adapts that rate to what the remote side says.
 */
export class Scope {
  inFlight = 0;
  /** Site scopes: after a site-level failure, its mail is deferred without attempts until then. */
  backoffUntil = 0;
  lastFailure: Outcome | undefined;
  private bucket: RateBucket | undefined;
  private adaptiveRate: AdaptiveRate | undefined;

  constructor(
    readonly key: string,
    readonly limits: ScopeLimits,
    now: number,
  ) {
    if (limits.rate !== undefined) this.bucket = new RateBucket(limits.rate, now);
  }

  /** The adaptive state, made on first use (only shaping units have one). */
  adaptive(settings: AdaptiveSettings): AdaptiveRate {
    this.adaptiveRate ??= new AdaptiveRate(settings, this.limits.rate);
    return this.adaptiveRate;
  }

  get adapting(): AdaptiveRate | undefined {
    return this.adaptiveRate;
  }

  /** At its connection limit; `share` turns the configured limit into this node's part of it (a cluster divides it). */
  full(share: (limit: number) => number = (n) => n): boolean {
    return this.limits.connections !== undefined && this.inFlight >= share(this.limits.connections);
  }

  /** The start rate in force (per second), if any. */
  get rate(): number | undefined {
    return this.bucket?.perSecond;
  }

  /** When this scope's rate lets the next attempt start. */
  nextStart(now: number): number {
    return this.bucket ? this.bucket.nextAt(now) : now;
  }

  start(now: number): void {
    this.inFlight++;
    this.bucket?.take(now);
    this.adaptiveRate?.started(now);
  }

  /** Pace starts at `rate` per second from now on; undefined removes the limit. */
  setRate(rate: number | undefined, now: number): void {
    if (rate === undefined) this.bucket = undefined;
    else if (this.bucket) this.bucket.setRate(rate, now);
    else this.bucket = new RateBucket(rate, now);
  }

  /** Nothing in flight, no back-off, no pause or cut rate, a full bucket: forgetting the scope changes nothing. */
  idle(now: number): boolean {
    const a = this.adaptiveRate;
    return (
      this.inFlight === 0 &&
      this.backoffUntil <= now &&
      (this.bucket === undefined || this.bucket.full(now)) &&
      (!a || (a.rate === this.limits.rate && a.pausedTill(now) === undefined))
    );
  }
}
