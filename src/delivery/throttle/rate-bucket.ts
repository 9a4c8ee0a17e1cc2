/**
 * A token bucket: `rate` starts per second on average, at most `burst` at
 * once. Time comes from the caller, so tests drive it with a fake clock.
 */
export class RateBucket {
  private tokens: number;
  private at: number;

  constructor(
    private rate: number,
    now: number,
    private readonly burstSeconds = 1,
  ) {
    this.tokens = this.burst;
    this.at = now;
  }

  get perSecond(): number {
    return this.rate;
  }

  private get burst(): number {
    return Math.max(1, this.rate * this.burstSeconds);
  }

  /** Change the rate (adaptive back-off); tokens above the new burst are dropped. */
  setRate(rate: number, now: number): void {
    this.refill(now);
    this.rate = rate;
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** When a start is allowed: `now` if a token is there (not taken yet), else the time one will be. */
  nextAt(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? now : now + ((1 - this.tokens) / this.rate) * 1000;
  }

  /** Back at its full burst: forgetting it would change nothing. */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }

  private refill(now: number): void {
    if (now > this.at) this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = Math.max(this.at, now);
  }
}
