import type { Clock } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { ClusterStore, NodeRegistration } from './cluster-store.js';
import { judgeOwners, nodeState, type OwnerLiveness } from './liveness.js';

export interface NodePresenceDeps {
  readonly store: ClusterStore;
  readonly node: NodeRegistration;
  /** `cluster.heartbeat`. */
  readonly heartbeatMs: number;
  /** `cluster.deadAfter`. */
  readonly deadAfterMs: number;
  /** This process's clock: only intervals since our own last good beat are measured with it. */
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * This node in the registry (docs/cluster.md): registers at start,
 * beats every `cluster.heartbeat` (the row's time is the database's now()),
 * marks itself stopped at a graceful stop. It is also the engine's liveness
 * judge (OwnerLiveness) and knows how many delivery nodes are alive (the
 * throttle divides connection limits by it).
 */
export class NodePresence implements OwnerLiveness {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  /** Local time at which the last successful beat was SENT: the row's time is no earlier than that. */
  private lastGoodBeat: number;
  private fenced = false;
  /** A beat failed and none has succeeded since. */
  private failing = false;
  /** Local time of the first good beat after failed ones: no owner is judged dead until deadAfter has passed since. */
  private backSince: number | undefined;
  private liveDelivery = 1;

  constructor(private readonly deps: NodePresenceDeps) {
    this.lastGoodBeat = deps.clock.now();
  }

  get nodeId(): string {
    return this.deps.node.nodeId;
  }

  async start(): Promise<void> {
    await this.deps.store.register(this.deps.node);
    this.lastGoodBeat = this.deps.clock.now();
    await this.countDeliveryNodes().catch(() => {});
    this.deps.logger.info({ node: this.deps.node.name, nodeId: this.deps.node.nodeId, roles: this.deps.node.roles }, 'cluster: node registered');
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = undefined));
    }, this.deps.heartbeatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.deps.store.markStopped(this.deps.node.nodeId).catch((err: unknown) => this.deps.logger.warn({ err }, 'cluster: marking this node stopped failed; others will see its heartbeat end'));
  }

  /** One heartbeat (also what tests call instead of waiting for the timer). */
  async beat(): Promise<void> {
    const sent = this.deps.clock.now();
    try {
      if (!(await this.deps.store.heartbeat(this.deps.node.nodeId))) {
        // Our row was pruned or marked stopped by an operator: come back as a fresh registration.
        await this.deps.store.register(this.deps.node);
        this.deps.logger.warn({ node: this.deps.node.name }, 'cluster: this node had no live row; registered again');
      }
      this.lastGoodBeat = sent;
      if (this.failing) {
        this.failing = false;
        this.backSince = sent;
      }
      if (this.fenced) {
        this.fenced = false;
        this.deps.logger.info({ node: this.deps.node.name }, 'cluster: heartbeat restored, claiming work again');
      }
      await this.countDeliveryNodes();
    } catch (err) {
      this.failing = true;
      this.deps.logger.error({ err, silentMs: this.deps.clock.now() - this.lastGoodBeat }, 'cluster: heartbeat failed');
      this.mayClaim();
    }
  }

  mayClaim(): boolean {
    // One beat of margin: the others judge by the row's time, written no earlier
    // than `lastGoodBeat`, and we notice only when asked; stop before they can.
    const silent = this.deps.clock.now() - this.lastGoodBeat;
    const ok = silent < Math.max(this.deps.deadAfterMs - this.deps.heartbeatMs, this.deps.heartbeatMs);
    if (!ok && !this.fenced) {
      this.fenced = true;
      this.deps.logger.warn({ node: this.deps.node.name, silentMs: silent }, 'cluster: heartbeat failing for cluster.deadAfter, not claiming new work');
    }
    return ok;
  }

  async deadOwners(owners: readonly string[]): Promise<string[]> {
    if (owners.length === 0 || !this.mayJudge()) return [];
    const { now, nodes } = await this.deps.store.nodes();
    // The lease summary (a scan of the leased rows) only matters for owners without a node row: rare.
    const known = new Set(nodes.map((n) => n.owner));
    const leases = owners.every((o) => known.has(o)) ? [] : await this.deps.store.queueLeases();
    return judgeOwners({ owners, self: this.deps.node.owner, now, nodes, leases, deadAfterMs: this.deps.deadAfterMs });
  }

  /**
   * Whether our view of the others' heartbeats can be trusted. Not while our
   * own beats fail, nor until deadAfter after they succeed again: what failed
   * ours (the shared database away) most likely failed theirs too, and a node
   * that takes over the others' leases the moment it is back would take the
   * whole cluster's backlog (and send what they are still holding).
   */
  private mayJudge(): boolean {
    if (this.failing) return false;
    return this.backSince === undefined || this.deps.clock.now() - this.backSince >= this.deps.deadAfterMs;
  }

  /** Live nodes with the delivery role, this one included (at least 1): connection limits are shared among them. */
  deliveryNodes(): number {
    return this.liveDelivery;
  }

  private async countDeliveryNodes(): Promise<void> {
    const { now, nodes } = await this.deps.store.nodes();
    const live = nodes.filter((n) => n.roles.includes('delivery') && nodeState(n, now, this.deps.deadAfterMs) === 'alive').length;
    this.liveDelivery = Math.max(1, live);
  }
}
