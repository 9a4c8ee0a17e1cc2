import type { Logger } from '../log/index.js';
import type { QueueStore } from '../queue/index.js';
import { isDeadLocalOwner } from './lease-owner.js';

/**
 * The engine's view of a cluster's liveness judge (cluster/liveness.ts
 * implements it from node heartbeats), so the engine never imports the
 * cluster or PostgreSQL.
 */
export interface OwnerLiveness {
  /** Of these lease owners (never the engine's own), the dead ones. */
  deadOwners(owners: readonly string[]): Promise<string[]>;
  /** False while this node's own heartbeat is failing: it may have been declared dead, so it claims nothing. */
  mayClaim(): boolean;
}

/**
 * Leases of processes on this host that are gone (a kill -9, a crash) are
 * released at once instead of waiting out `delivery.leaseTime`; so are those
 * of owners the liveness judge declares dead (their node's heartbeat stopped:
 * docs/cluster.md). Without a judge, owners on other hosts are left to
 * their lease expiry (lease-owner.ts). Whichever live node notices first
 * releases them; the released rows are due at once and the next claim takes
 * them. Returns the number of recipient rows released.
 */
export async function takeOverDeadOwners(deps: { readonly store: QueueStore; readonly owner: string; readonly logger: Logger; readonly liveness?: OwnerLiveness }): Promise<number> {
  const { store, owner: self, logger, liveness } = deps;
  try {
    const owners = (await store.leaseOwners()).filter((owner) => owner !== self);
    const local = owners.filter((owner) => isDeadLocalOwner(owner, self));
    const others = owners.filter((owner) => !local.includes(owner));
    const remote = liveness && others.length > 0 ? await liveness.deadOwners(others) : [];
    let released = 0;
    if (local.length > 0) {
      const rows = await store.releaseOwners(local);
      released += rows;
      logger.info({ owners: local, rows }, 'took over the leases of dead processes');
    }
    if (remote.length > 0) {
      const rows = await store.releaseOwners(remote);
      released += rows;
      logger.info({ owners: remote, rows }, 'cluster: took over the leases of dead nodes');
    }
    return released;
  } catch (err) {
    logger.error({ err }, 'taking over dead leases failed; they expire with their lease');
    return 0;
  }
}
