/** One row of a day's counts: recipients reserved by (source, provider). */
export interface WarmupUsage {
  readonly source: string;
  readonly provider: string;
  readonly used: number;
}

/**
 * Recipients each egress source has taken of its warm-up allowance, per UTC
 * day and provider (delivery/egress/). Shared by every node of a cluster (on
 * PostgreSQL), so the allowance holds across nodes: nodes take small batches
 * ahead of need with `take` and spend them from memory. A batch a node took
 * but did not use is lost with it: the day sends less, never more.
 */
export interface WarmupCounters {
  /**
   * Atomically take up to `want` of the day's `allowance` for (source, provider):
   * the count grows by what is granted, never past `allowance`. Returns the
   * number granted (0 when the day's allowance is spent).
   */
  take(day: string, source: string, provider: string, want: number, allowance: number): Promise<number>;
  /** The counts of one day, ordered by source and provider. */
  usage(day: string): Promise<WarmupUsage[]>;
  /** Forget days before `day` (the status shows only today). Returns rows removed. */
  prune(beforeDay: string): Promise<number>;
  close(): Promise<void>;
}
