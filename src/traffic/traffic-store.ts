/**
 * Traffic per minute (DESIGN §9 Store): a rollup of the events outbox that the
 * dashboard's charts and `GET /api/v1/stats/traffic` read. Scanning a week of
 * events per request would read millions of rows at a busy relay; one row per
 * minute is at most 10,080 rows for a week.
 *
 * Like the message index it is fed only through `apply`, which adds a batch of
 * counts and moves the cursor (the id of the last event counted) in one
 * transaction, checking the cursor under the write lock: every event is
 * counted exactly once, across kill -9 and with two projectors on one file.
 */

/** The five series, each counted in recipients (rollup.ts says which events count). */
export const TRAFFIC_SERIES = ['accepted', 'delivered', 'deferred', 'bounced', 'suppressed'] as const;
export type TrafficSeries = (typeof TRAFFIC_SERIES)[number];

export type TrafficCounts = Readonly<Record<TrafficSeries, number>>;

/** The counts of one UTC minute. */
export interface MinuteCounts extends TrafficCounts {
  /** Start of the minute, ms since the epoch (a multiple of 60,000). */
  readonly minute: number;
}

/** The counts of one bucket (a minute or an hour) as the store sums them. */
export interface BucketCounts extends TrafficCounts {
  /** Start of the bucket, ms since the epoch. */
  readonly at: number;
}

/** `apply` found the cursor elsewhere than the caller thought: another projector writes this rollup. */
export class TrafficCursorMoved extends Error {
  override readonly name = 'TrafficCursorMoved';
  constructor(
    readonly expected: number,
    readonly found: number,
  ) {
    super(`The traffic rollup cursor is at ${found}, not ${expected}: another projector writes this rollup`);
  }
}

export interface TrafficStore {
  /** The id of the last event counted (0: none yet). */
  cursor(): Promise<number>;
  /**
   * Add `counts` to their minutes and move the cursor from `from` to `to`, in
   * one commit. Throws TrafficCursorMoved (writing nothing) if the cursor is
   * not at `from`.
   */
  apply(from: number, to: number, counts: readonly MinuteCounts[]): Promise<void>;
  /**
   * Sums per bucket of `bucketMs` (60,000 or 3,600,000) for minutes in
   * [from, to), oldest first; buckets with nothing counted are absent
   * (the caller zero-fills: series.ts).
   */
  buckets(from: number, to: number, bucketMs: number): Promise<BucketCounts[]>;
  /** Drop minutes before `before` (ms); returns how many rows went. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}
