/**
 * The shipped warm-up ramps: recipients per UTC day that a new source may
 * send to each provider (the names of delivery/throttle/providers.ts), and to
 * `other` (every destination no provider matches). Day 1 is the first entry;
 * after the last day the source is warm and has no daily limit.
 *
 * Basis: the 30-day per-IP schedule SparkPost (now Bird) publishes in its
 * "IP Warm-up Overview" (200, 500, 1,000, 2,000, 5,000 ... 10,000,000 a day),
 * republished by many ESPs (e.g. kb.adcrux.io "IP Warm-up Strategy"). That
 * table is the volume of one IP in all; Baton applies it to each provider
 * separately, since each provider judges only what it receives. The same
 * guidance names Microsoft, AOL/Yahoo and Comcast as the receivers that defer
 * new IPs hardest, so they get half of it. `slow` doubles each step's length
 * (for a sender whose list is not recently engaged). No data file: this is
 * code, so a change is reviewed like one. Kept free of imports (the config
 * schema reads the names).
 */
const SPARKPOST_DAILY: readonly number[] = [
  200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 40_000, 50_000, 75_000, 100_000, 150_000, 200_000, 250_000, 325_000, 400_000, 500_000, 600_000, 750_000,
  1_000_000, 1_250_000, 1_750_000, 2_000_000, 3_000_000, 4_250_000, 5_000_000, 6_000_000, 7_500_000, 10_000_000,
];

const half = (days: readonly number[]) => days.map((n) => Math.floor(n / 2));
const twiceAsLong = (days: readonly number[]) => days.flatMap((n) => [n, n]);

/** Daily volumes per provider name; `other` is required. */
export type Ramp = Readonly<Record<string, readonly number[]>>;

function perProvider(days: readonly number[]): Ramp {
  return {
    google: days,
    microsoft: half(days),
    yahoo: half(days),
    apple: days,
    'gmx-webde': days,
    comcast: half(days),
    other: days,
  };
}

export const SHIPPED_SCHEDULES: Readonly<Record<string, Ramp>> = {
  standard: perProvider(SPARKPOST_DAILY),
  slow: perProvider(twiceAsLong(SPARKPOST_DAILY)),
};
