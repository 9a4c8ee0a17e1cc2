import type { NodeRecord, QueueLeaseSummary } from './cluster-store.js';

/** What the delivery engine asks about the other lease owners and itself (delivery/take-over.ts). */
export type { OwnerLiveness } from '../delivery/take-over.js';

export type NodeState = 'alive' | 'dead' | 'stopped';

/** A node row's state at `now` (database clock): stopped gracefully, beating, or silent for longer than `deadAfterMs`. */
export function nodeState(node: NodeRecord, now: number, deadAfterMs: number): NodeState {
  if (node.stoppedAt !== undefined) return 'stopped';
  return now - node.heartbeatAt > deadAfterMs ? 'dead' : 'alive';
}

export interface OwnerJudgement {
  /** Lease owners to judge (the engine's own is never dead). */
  readonly owners: readonly string[];
  readonly self: string;
  /** Database clock, the clock of the heartbeats. */
  readonly now: number;
  readonly nodes: readonly NodeRecord[];
  readonly leases: readonly QueueLeaseSummary[];
  readonly deadAfterMs: number;
}

/**
 * The takeover rule (docs/cluster.md): an owner is dead when its node
 * stopped (a graceful stop released its leases first; any left are stale) or
 * its heartbeat is older than `deadAfterMs`; an owner with no node row at all
 * (a pruned row, a process of an older version) is dead once all its leases
 * have ended. A node row that is still beating is alive, however old its
 * leases: it renews them.
 */
export function judgeOwners(j: OwnerJudgement): string[] {
  const byOwner = new Map<string, NodeRecord>();
  // The newest row per owner wins (owners are unique per process start, so there is one).
  for (const n of j.nodes) {
    const seen = byOwner.get(n.owner);
    if (!seen || seen.startedAt < n.startedAt) byOwner.set(n.owner, n);
  }
  const leaseEnds = new Map(j.leases.map((l) => [l.owner, l.latestUntil]));
  return j.owners.filter((owner) => {
    if (owner === j.self) return false;
    const node = byOwner.get(owner);
    if (node) return nodeState(node, j.now, j.deadAfterMs) !== 'alive';
    const until = leaseEnds.get(owner);
    return until !== undefined && until <= j.now;
  });
}
