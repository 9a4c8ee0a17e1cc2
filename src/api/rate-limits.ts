import type { Clock } from '../core/index.js';

/**
 * In-memory limits of the API, per node (DESIGN: nothing shared between nodes
 * here; N nodes allow N times the rate). Both are bounded in memory: idle
 * entries are dropped as they are met.
 */

interface Bucket {
  tokens: number;
  at: number;
}

/** A token bucket per key: `perSecond` sustained, `burst` at once. */
export class KeyRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {}

  /** 0 when the request may go; otherwise the whole seconds until a token is there (Retry-After, RFC 9110 §10.2.3). */
  take(key: string): number {
    const now = this.clock.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
  }

  size(): number {
    return this.buckets.size;
  }
}

/**
 * Failed authentications per client IP in a sliding window. After `max`
 * failures the IP is refused (429) before its key is even looked at, until the
 * oldest failure leaves the window: guessing keys costs a window per `max` tries.
 */
export class AuthFailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private sweepAt = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** 0 when the IP may try; otherwise whole seconds until its oldest counted failure ages out. */
  blockedFor(ip: string): number {
    const now = this.clock.now();
    const list = this.recent(ip, now);
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil(((list[0] as number) + this.windowMs - now) / 1000));
  }

  fail(ip: string): void {
    const now = this.clock.now();
    const list = this.recent(ip, now);
    list.push(now);
    this.failures.set(ip, list);
    this.sweep(now);
  }

  private recent(ip: string, now: number): number[] {
    const list = (this.failures.get(ip) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(ip);
    else this.failures.set(ip, list);
    return list;
  }

  /** Once a window, forget IPs with no recent failure (bounded memory under a spray of addresses). */
  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + this.windowMs;
    for (const ip of [...this.failures.keys()]) this.recent(ip, now);
  }

  size(): number {
    return this.failures.size;
  }
}
