/**
 * What the nodes of a cluster share about each other (docs/cluster.md):
 * who is running (the node registry and its heartbeats), who runs each
 * singleton loop (leader leases), the cluster-wide rate counters, and a
 * summary of the queue's leases per owner. Times are ms since the epoch on
 * the DATABASE clock (PostgreSQL's now()): node clocks may differ, so every
 * comparison of a heartbeat or a lease with "now" is made in SQL. The SQLite
 * backend (one node, one file) uses the process clock.
 */
export interface NodeRegistration {
  /** Unique per process start: the lease owner string (delivery/lease-owner.ts). */
  readonly nodeId: string;
  /** `cluster.nodeName`, else "host:pid". */
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  /** The owner name this node's queue leases carry. */
  readonly owner: string;
  readonly roles: readonly string[];
  readonly version: string;
}

export interface NodeRecord extends NodeRegistration {
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly stoppedAt?: number;
}

export interface LeaderLease {
  readonly name: string;
  readonly holder: string;
  readonly until: number;
}

/** Queue leases held by one owner: how many recipients, and the earliest and latest lease ends. */
export interface QueueLeaseSummary {
  readonly owner: string;
  readonly count: number;
  readonly earliestUntil: number;
  readonly latestUntil: number;
}

/** Answer to a token request on a cluster-wide rate counter. */
export interface TokenGrant {
  /** Tokens given (0..want): never more than `limit` in one window across all callers. */
  readonly granted: number;
  /** Milliseconds (database clock) until the window ends and the counter starts afresh. */
  readonly windowEndsInMs: number;
  /** The window's start on the database clock (which window the tokens belong to). */
  readonly windowStart: number;
}

export interface ClusterStore {
  /** Insert or replace this node's row: started and beating now, not stopped. Prunes long-stopped rows of the same name. */
  register(node: NodeRegistration): Promise<void>;
  /** Beat now (database clock). False when the row is gone (pruned): the caller registers again. */
  heartbeat(nodeId: string): Promise<boolean>;
  /** Graceful stop: the node's row says so, and its leader leases are given up. */
  markStopped(nodeId: string): Promise<void>;
  /** Every node row, and "now" on the same clock as their heartbeats. */
  nodes(): Promise<{ readonly now: number; readonly nodes: readonly NodeRecord[] }>;
  /**
   * Take or renew leader lease `name` for `holder` for `ttlMs` (database
   * clock), in one atomic statement: granted when nobody holds it, `holder`
   * holds it already, or the holder's lease has ended. True when `holder`
   * holds it afterwards.
   */
  acquireLeader(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Give lease `name` up, if `holder` has it (graceful stop: the next node need not wait out the ttl). */
  releaseLeader(name: string, holder: string): Promise<void>;
  leaders(): Promise<{ readonly now: number; readonly leases: readonly LeaderLease[] }>;
  /**
   * Take up to `want` tokens from the counter of `key` in the current fixed
   * window of `windowMs` (database clock), at most `limit` per window for
   * every caller together (one atomic upsert per request).
   */
  takeTokens(key: string, windowMs: number, limit: number, want: number): Promise<TokenGrant>;
  /** The queue's leases grouped by owner (reads the queue's recipients table in the same database). */
  queueLeases(): Promise<readonly QueueLeaseSummary[]>;
  close(): Promise<void>;
}
