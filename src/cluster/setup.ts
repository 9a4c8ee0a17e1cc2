import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Config } from '../config/index.js';
import type { Clock } from '../core/index.js';
import type { Logger } from '../log/index.js';
import { ClusterRates } from './cluster-rates.js';
import type { ClusterStore } from './cluster-store.js';
import { LeaderLoops } from './leader-loops.js';
import { NodePresence } from './node-presence.js';

/** The cluster side of a node (main.ts): its presence, its leader leases, and the shared limits for the throttle. */
export interface ClusterParts {
  readonly presence: NodePresence;
  readonly leaders: LeaderLoops;
  /** Cluster-wide start rates: only on PostgreSQL (one SQLite node has nobody to share with). */
  readonly sharedRates?: ClusterRates;
  /** A connection limit divided by the live delivery nodes, rounded up, at least 1 (docs/cluster.md). */
  readonly connectionShare: (limit: number) => number;
  /** Register and start beating (before the engine claims: other nodes must see this owner alive). `leaders.start()` is the caller's, once its loops are handed over. */
  start(): Promise<void>;
  /** Give up the leader leases (their loops stop), then mark this node stopped. */
  stop(): Promise<void>;
}

export function setUpCluster(
  config: Pick<Config, 'cluster' | 'roles' | 'queue'>,
  deps: { readonly store: ClusterStore; readonly owner: string; readonly clock: Clock; readonly logger: Logger },
): ClusterParts {
  const { store, owner, clock, logger } = deps;
  const host = hostname();
  const presence = new NodePresence({
    store,
    node: { nodeId: owner, name: config.cluster.nodeName ?? `${host}:${process.pid}`, host, pid: process.pid, owner, roles: config.roles, version: batonVersion() },
    heartbeatMs: config.cluster.heartbeat,
    deadAfterMs: config.cluster.deadAfter,
    clock,
    logger,
  });
  const leaders = new LeaderLoops({ store, holder: owner, ttlMs: config.cluster.deadAfter, renewMs: config.cluster.heartbeat, clock, logger });
  const sharedRates = config.queue.url ? new ClusterRates({ store, clock, logger, nodes: () => presence.deliveryNodes() }) : undefined;
  return {
    presence,
    leaders,
    ...(sharedRates ? { sharedRates } : {}),
    connectionShare: (limit) => Math.max(1, Math.ceil(limit / presence.deliveryNodes())),
    async start() {
      await presence.start();
    },
    async stop() {
      await leaders.stop();
      await presence.stop();
    },
  };
}

let version: string | undefined;

/** Baton's version from its package.json (shown per node by `baton cluster status`). */
export function batonVersion(): string {
  if (version !== undefined) return version;
  // src/cluster or dist/src/cluster: the package root is two or three levels up.
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.version && pkg.name?.includes('baton')) return (version = pkg.version);
    } catch {
      // not there: try the next level
    }
  }
  return (version = 'unknown');
}
