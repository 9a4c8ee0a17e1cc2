import type { EgressConfig } from '../../config/egress-schema.js';
import { allowanceOn, rampLength, rampOf, utcDay, warmupDayNumber } from './warmup-day.js';
import type { WarmupUsage } from './warmup-store.js';

/**
 * Where a source stands with a provider today: `warm` (no warm-up, or past
 * its ramp: no daily limit), `not-started` (before the warm-up start: sends
 * nothing), `sending` (allowance left), `spent` (today's allowance is taken:
 * its mail goes from other sources of the pool, or waits for the next UTC day).
 */
export type ProviderState = 'warm' | 'not-started' | 'sending' | 'spent';

export interface ProviderStatus {
  readonly provider: string;
  /** Today's allowance in recipients; null: no limit. */
  readonly allowance: number | null;
  /** Taken of it today by every node (reserved in batches, so a little ahead of what was sent). */
  readonly reserved: number;
  readonly state: ProviderState;
  /** The provider's shaping state (adaptive back-off, shared by every source): "as configured", "slowed to 5/s", "paused until ..."; null: no such provider rule ("other"), or not known. */
  readonly shaping: string | null;
}

export interface SourceStatus {
  readonly name: string;
  readonly address: string;
  readonly ehlo: string;
  readonly warmup: null | {
    readonly start: string;
    /** A shipped schedule's name, or "explicit". */
    readonly schedule: string;
    /** Today's warm-up day (1 on the start day; 0 or less before it). */
    readonly day: number;
    /** Days the longest provider ramp lasts. */
    readonly days: number;
  };
  readonly providers: readonly ProviderStatus[];
  /** The pools that send from this source. */
  readonly pools: readonly string[];
}

export interface EgressStatus {
  /** The UTC day the counts are of. */
  readonly day: string;
  readonly sources: readonly SourceStatus[];
}

/** `baton egress status`: each source's warm-up day and, per provider, today's allowance, what was taken and the state. */
export function egressStatus(config: EgressConfig, usage: readonly WarmupUsage[], now: number, shaping: ReadonlyMap<string, string> = new Map()): EgressStatus {
  const shapingOf = (provider: string) => shaping.get(provider) ?? null;
  const day = utcDay(now);
  const sources = config.sources.map((s): SourceStatus => {
    const used = new Map(usage.filter((u) => u.source === s.name).map((u) => [u.provider, u.used]));
    const pools = config.pools.filter((p) => p.sources.includes(s.name)).map((p) => p.name);
    const base = { name: s.name, address: s.address, ehlo: s.ehlo, pools };
    if (!s.warmup) return { ...base, warmup: null, providers: [...used].map(([provider, reserved]) => ({ provider, allowance: null, reserved, state: 'warm', shaping: shapingOf(provider) })) };
    const ramp = rampOf(s.warmup.schedule);
    const n = warmupDayNumber(s.warmup.start, now);
    const names = [...new Set([...Object.keys(ramp), ...used.keys()])].sort((a, b) => (a === 'other' ? 1 : b === 'other' ? -1 : a.localeCompare(b)));
    const providers = names.map((provider): ProviderStatus => {
      const allowance = allowanceOn(ramp, provider, n);
      const reserved = used.get(provider) ?? 0;
      const state: ProviderState = allowance === undefined ? 'warm' : n < 1 ? 'not-started' : reserved >= allowance ? 'spent' : 'sending';
      return { provider, allowance: allowance ?? null, reserved, state, shaping: shapingOf(provider) };
    });
    const days = Math.max(...Object.keys(ramp).map((p) => rampLength(ramp, p)));
    const schedule = typeof s.warmup.schedule === 'string' ? s.warmup.schedule : 'explicit';
    return { ...base, warmup: { start: s.warmup.start, schedule, day: n, days }, providers };
  });
  return { day, sources };
}
