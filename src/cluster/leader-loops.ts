import type { Clock } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { ClusterStore } from './cluster-store.js';

/** A loop of which exactly one must run in the cluster (a projector, the finisher...). */
export interface SingletonLoop {
  start(): void;
  stop(): Promise<void>;
}

/** Where a module hands over a singleton loop instead of starting it itself (main.ts gives it a LeaderLoops). */
export interface Singletons {
  /** Run a loop made by `make` while this node holds leader lease `name`; a new one each time the lease is won. */
  run(name: string, make: () => SingletonLoop): void;
}

export interface LeaderLoopsDeps {
  readonly store: ClusterStore;
  /** This node's id (its lease owner). */
  readonly holder: string;
  /** Lease length: `cluster.deadAfter` (another node takes a dead holder's lease after this). */
  readonly ttlMs: number;
  /** Renew (and try to win) every `cluster.heartbeat`. */
  readonly renewMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Entry {
  readonly name: string;
  readonly make: () => SingletonLoop;
  running: SingletonLoop | undefined;
  /** Local time the last successful renewal was sent (the lease runs from no earlier than that). */
  renewedAt: number;
}

/**
 * Leader leases (docs/cluster.md): each singleton loop runs on the node
 * holding its lease, which renews it every `cluster.heartbeat` for
 * `cluster.deadAfter`. A loop stops when its lease is lost (another holder
 * took it) or could not be renewed for about the lease length (the database
 * is away: another node may take it once the lease ends, so ours must have
 * stopped first). A graceful stop gives the leases up at once.
 */
export class LeaderLoops implements Singletons {
  private readonly entries: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: LeaderLoopsDeps) {}

  run(name: string, make: () => SingletonLoop): void {
    this.entries.push({ name, make, running: undefined, renewedAt: 0 });
    if (this.timer) void this.tick();
  }

  /** Try every lease now, then every `renewMs`. */
  start(): void {
    this.stopped = false;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.deps.renewMs);
    this.timer.unref();
  }

  /** Whether this node runs the loop of lease `name` now. */
  holds(name: string): boolean {
    return this.entries.some((e) => e.name === name && e.running !== undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await Promise.all(
      this.entries.map(async (e) => {
        if (!e.running) return;
        await this.lose(e, 'stopping');
        await this.deps.store.releaseLeader(e.name, this.deps.holder).catch(() => {});
      }),
    );
  }

  /** One round of renewals (what the timer runs; tests call it directly). */
  tick(): Promise<void> {
    this.ticking ??= Promise.all(this.entries.map((e) => this.renew(e))).then(
      () => void (this.ticking = undefined),
      () => void (this.ticking = undefined),
    );
    return this.ticking;
  }

  private async renew(e: Entry): Promise<void> {
    const sent = this.deps.clock.now();
    let held: boolean;
    try {
      held = await this.deps.store.acquireLeader(e.name, this.deps.holder, this.deps.ttlMs);
    } catch (err) {
      // Keep running while our lease may still stand; stop a beat before it can have ended.
      if (e.running && this.deps.clock.now() - e.renewedAt >= this.deps.ttlMs - this.deps.renewMs) {
        await this.lose(e, 'renewal failing');
      }
      this.deps.logger.error({ err, lease: e.name }, 'cluster: renewing a leader lease failed');
      return;
    }
    if (this.stopped) return;
    if (held) {
      e.renewedAt = sent;
      if (!e.running) {
        e.running = e.make();
        e.running.start();
        this.deps.logger.info({ lease: e.name, holder: this.deps.holder }, 'cluster: leadership gained');
      }
    } else if (e.running) {
      await this.lose(e, 'taken by another node');
    }
  }

  private async lose(e: Entry, reason: string): Promise<void> {
    const loop = e.running;
    if (!loop) return;
    e.running = undefined;
    this.deps.logger.info({ lease: e.name, holder: this.deps.holder, reason }, 'cluster: leadership lost');
    await loop.stop().catch((err: unknown) => this.deps.logger.error({ err, lease: e.name }, 'cluster: stopping a singleton loop failed'));
  }
}
