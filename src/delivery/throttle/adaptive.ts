import type { SmtpReply } from '../../core/index.js';

export interface AdaptiveSettings {
  readonly enabled: boolean;
  /** Per second. */
  readonly minRate: number;
  readonly pauseAfter: number;
  readonly pauseMs: number;
  readonly recoverAfter: number;
}

/** What changed, for the `shaped` event and the log. */
export type AdaptiveChange =
  | { readonly action: 'slowed'; readonly rate: number; readonly reply: SmtpReply }
  | { readonly action: 'paused'; readonly until: number; readonly reply: SmtpReply }
  | { readonly action: 'recovered'; readonly rate: number | undefined };

/** Starts in the last minute, enough to tell the rate a site is being sent at. */
const WINDOW_MS = 60_000;

/**
 * Multiplicative back-off and recovery for one shaping unit (a provider, or a site): a
 * throttling reply halves the rate (from the configured one, or from the rate
 * actually sent at over the last minute), never below `minRate`; replies in a
 * row with no delivery between pause the unit; deliveries grow a cut rate by a
 * quarter every `recoverAfter`, back to the configured rate (or uncapped).
 */
export class AdaptiveRate {
  /** The cut rate in force (per second); undefined: the configured one, or none. */
  private cut: number | undefined;
  /** The cap to climb back to: the configured rate, or (unconfigured) four times the first cut. */
  private ceiling: number | undefined;
  private strikes = 0;
  private successes = 0;
  private pausedUntil = 0;
  private readonly starts: number[] = [];

  constructor(
    private readonly settings: AdaptiveSettings,
    private readonly configured: number | undefined,
  ) {}

  /** The rate in force (per second), or undefined for none. */
  get rate(): number | undefined {
    return this.cut ?? this.configured;
  }

  pausedTill(now: number): number | undefined {
    return this.pausedUntil > now ? this.pausedUntil : undefined;
  }

  started(now: number): void {
    this.starts.push(now);
    while (this.starts.length > 0 && (this.starts[0] as number) < now - WINDOW_MS) this.starts.shift();
  }

  throttled(reply: SmtpReply, now: number): AdaptiveChange | undefined {
    if (!this.settings.enabled) return undefined;
    this.successes = 0;
    if (++this.strikes >= this.settings.pauseAfter) {
      this.strikes = 0;
      this.pausedUntil = now + this.settings.pauseMs;
      return { action: 'paused', until: this.pausedUntil, reply };
    }
    const from = this.rate ?? Math.max(this.settings.minRate, this.recentRate(now));
    this.cut = Math.max(this.settings.minRate, from / 2);
    this.ceiling ??= this.configured ?? from * 4;
    return { action: 'slowed', rate: this.cut, reply };
  }

  delivered(): AdaptiveChange | undefined {
    this.strikes = 0;
    if (this.cut === undefined || ++this.successes < this.settings.recoverAfter) return undefined;
    this.successes = 0;
    const grown = this.cut * 1.25;
    if (this.ceiling === undefined || grown < this.ceiling) {
      this.cut = grown;
      return undefined;
    }
    this.cut = undefined;
    this.ceiling = undefined;
    return { action: 'recovered', rate: this.configured };
  }

  private recentRate(now: number): number {
    const n = this.starts.filter((t) => t >= now - WINDOW_MS).length;
    return n / (WINDOW_MS / 1000);
  }
}
