import { HOUR_MS, MINUTE_MS } from './rollup.js';
import { TRAFFIC_SERIES, type BucketCounts, type TrafficCounts, type TrafficStore } from './traffic-store.js';

/** The chart ranges: the last hour per minute, the last day and week per hour. */
export const TRAFFIC_RANGES = {
  hour: { bucketMs: MINUTE_MS, buckets: 60 },
  day: { bucketMs: HOUR_MS, buckets: 24 },
  week: { bucketMs: HOUR_MS, buckets: 168 },
} as const;
export type TrafficRange = keyof typeof TRAFFIC_RANGES;

export interface TrafficView {
  readonly bucket: 'minute' | 'hour';
  /** Start of the first bucket (ms). */
  readonly from: number;
  /** End of the last bucket (ms, exclusive): the end of the current, partial, bucket. */
  readonly to: number;
  /** Every bucket of the range, oldest first, zero-filled. */
  readonly series: readonly BucketCounts[];
  readonly totals: TrafficCounts;
}

const zero = (): { -readonly [K in keyof TrafficCounts]: number } => ({ accepted: 0, delivered: 0, deferred: 0, bounced: 0, suppressed: 0 });

/**
 * The buckets of a range ending with the one that holds `now` (so the newest
 * bucket is partial and fills as time goes on), every one present: a quiet
 * minute is a zero, not a gap the chart would draw across.
 */
export async function trafficView(store: Pick<TrafficStore, 'buckets'>, range: TrafficRange, now: number): Promise<TrafficView> {
  const { bucketMs, buckets } = TRAFFIC_RANGES[range];
  const to = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  const from = to - buckets * bucketMs;
  const stored = new Map((await store.buckets(from, to, bucketMs)).map((b) => [b.at, b]));
  const totals = zero();
  const series: BucketCounts[] = [];
  for (let at = from; at < to; at += bucketMs) {
    const b = stored.get(at);
    const row = { at, ...zero() };
    if (b) for (const s of TRAFFIC_SERIES) ((row[s] = b[s]), (totals[s] += b[s]));
    series.push(row);
  }
  return { bucket: bucketMs === MINUTE_MS ? 'minute' : 'hour', from, to, series, totals };
}
