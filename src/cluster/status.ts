import type { Config } from '../config/index.js';
import type { ClusterStore, NodeRecord } from './cluster-store.js';
import { nodeState, type NodeState } from './liveness.js';

/** The JSON of `baton cluster status --json`. Ages and times left are on the database clock. */
export interface ClusterStatus {
  /** "postgresql" or "sqlite". */
  readonly backend: string;
  readonly now: string;
  readonly deadAfterMs: number;
  readonly nodes: readonly {
    readonly name: string;
    readonly nodeId: string;
    readonly host: string;
    readonly pid: number;
    readonly roles: readonly string[];
    readonly version: string;
    readonly state: NodeState;
    readonly startedAt: string;
    readonly heartbeatAgeMs: number;
    readonly stoppedAt: string | null;
  }[];
  readonly leaders: readonly { readonly name: string; readonly holder: string; readonly holderId: string; readonly expiresInMs: number }[];
  readonly queueLeases: readonly {
    readonly owner: string;
    /** The node this owner belongs to, if it has a row. */
    readonly node: string | null;
    readonly state: NodeState | 'unknown';
    readonly recipients: number;
    /** Time left on the lease ending first (negative: ended, not yet reclaimed). */
    readonly soonestEndsInMs: number;
  }[];
}

export async function clusterStatus(store: ClusterStore, config: Pick<Config, 'cluster' | 'queue'>): Promise<ClusterStatus> {
  const [{ now, nodes }, { leases }, queueLeases] = await Promise.all([store.nodes(), store.leaders(), store.queueLeases()]);
  const deadAfterMs = config.cluster.deadAfter;
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const byOwner = new Map<string, NodeRecord>(nodes.map((n) => [n.owner, n]));
  return {
    backend: config.queue.url ? 'postgresql' : 'sqlite',
    now: new Date(now).toISOString(),
    deadAfterMs,
    nodes: nodes.map((n) => ({
      name: n.name,
      nodeId: n.nodeId,
      host: n.host,
      pid: n.pid,
      roles: n.roles,
      version: n.version,
      state: nodeState(n, now, deadAfterMs),
      startedAt: new Date(n.startedAt).toISOString(),
      heartbeatAgeMs: Math.max(0, now - n.heartbeatAt),
      stoppedAt: n.stoppedAt !== undefined ? new Date(n.stoppedAt).toISOString() : null,
    })),
    leaders: leases.map((l) => ({ name: l.name, holder: byId.get(l.holder)?.name ?? l.holder, holderId: l.holder, expiresInMs: l.until - now })),
    queueLeases: queueLeases.map((q) => {
      const node = byOwner.get(q.owner);
      return {
        owner: q.owner,
        node: node?.name ?? null,
        state: node ? nodeState(node, now, deadAfterMs) : 'unknown',
        recipients: q.count,
        soonestEndsInMs: q.earliestUntil - now,
      };
    }),
  };
}
