import type { Logger } from '../log/index.js';
import type { EventBus } from './bus.js';
import type { EventStore } from './event-store.js';
import { EVENT_TYPES, type StoredEvent } from './types.js';

/** Where a projection keeps what it made of the events, and the id of the last one it took. */
export interface ProjectionTarget {
  /** The id of the last event projected (0: none yet). */
  cursor(): Promise<number>;
  /**
   * Project `events` and move the cursor from `from` to `to` in one commit;
   * if the stored cursor is not at `from` (another projector won a race),
   * write nothing and throw an error `movedTo` recognises.
   */
  apply(from: number, to: number, events: readonly StoredEvent[]): Promise<void>;
  /** The cursor another projector moved it to, if `err` says so; undefined for any other error. */
  movedTo(err: unknown): number | undefined;
}

/** The options a projection (message index, traffic rollup) takes from its caller and passes on as they are. */
export interface OutboxFeedOptions {
  readonly events: Pick<EventStore, 'readEvents'>;
  readonly logger: Logger;
  /** Wakes the projector when events commit in this process (low latency); absent: polling only. */
  readonly bus?: EventBus;
  /** Events per transaction: small, so the projection never holds the file's write lock for long. */
  readonly batch?: number;
  /** The fallback poll (events written by another process: the CLI, another node). */
  readonly pollMs?: number;
  /**
   * After the bus says events committed, wait this long before projecting, so
   * the events of many messages share one transaction (one commit per event
   * would cost the SMTP path its share of the file's write lock).
   */
  readonly gatherMs?: number;
}

export interface OutboxProjectorOptions extends OutboxFeedOptions {
  /** What is projected, for logs: "the traffic rollup". */
  readonly name: string;
  readonly target: ProjectionTarget;
  /** Housekeeping run at start and then every `everyMs` (pruning old rows); its failures are logged. */
  readonly maintenance?: { readonly everyMs: number; run(): Promise<void> };
}

/** Just the feed options of `o` (a projection's own options hold more), leaving absent ones absent. */
export function outboxFeed(o: OutboxFeedOptions): OutboxFeedOptions {
  return {
    events: o.events,
    logger: o.logger,
    ...(o.bus ? { bus: o.bus } : {}),
    ...(o.batch !== undefined ? { batch: o.batch } : {}),
    ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
    ...(o.gatherMs !== undefined ? { gatherMs: o.gatherMs } : {}),
  };
}

/**
 * Feeds a projection from the events outbox by cursor: read the events after
 * the target's cursor, apply them and move the cursor in one commit. On start
 * it catches up from where the last run stopped, so a kill -9 loses nothing
 * and projects nothing twice; two projectors on one target never write an
 * event twice (the loser of a race finds the cursor moved and goes on from
 * there).
 */
export class OutboxProjector {
  private readonly batch: number;
  private running: Promise<void> | undefined;
  /** Another run is wanted after the current one (an event arrived meanwhile). */
  private again = false;
  private stopped = true;
  private poll: NodeJS.Timeout | undefined;
  private gather: NodeJS.Timeout | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly o: OutboxProjectorOptions) {
    this.batch = o.batch ?? 500;
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.o.bus?.subscribe(EVENT_TYPES, () => this.wakeSoon());
    this.poll = setInterval(() => this.wake(), this.o.pollMs ?? 2000);
    this.poll.unref();
    const m = this.o.maintenance;
    if (m) {
      this.maintenanceTimer = setInterval(() => void this.maintain(), m.everyMs);
      this.maintenanceTimer.unref();
      void this.maintain();
    }
    this.wake();
  }

  /** Project whatever is there now (also what tests await). Resolves when the projection has caught up. */
  async catchUp(): Promise<void> {
    this.wake();
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.poll);
    clearInterval(this.maintenanceTimer);
    clearTimeout(this.gather);
    this.gather = undefined;
    while (this.running) await this.running;
  }

  private wakeSoon(): void {
    if (this.gather || this.stopped) return;
    this.gather = setTimeout(() => {
      this.gather = undefined;
      this.wake();
    }, this.o.gatherMs ?? 200);
    this.gather.unref();
  }

  private wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async run(): Promise<void> {
    const { target } = this.o;
    try {
      let cursor = await target.cursor();
      for (;;) {
        const events = await this.o.events.readEvents(cursor, this.batch);
        const last = events[events.length - 1];
        if (!last) return;
        try {
          await target.apply(cursor, last.id, events);
          cursor = last.id;
        } catch (err) {
          const moved = target.movedTo(err);
          if (moved === undefined) throw err;
          cursor = moved;
          continue;
        }
        if (events.length < this.batch) return;
        // Yield between batches: a long catch-up must not starve SMTP sessions.
        await new Promise<void>((r) => setImmediate(r));
      }
    } catch (err) {
      this.o.logger.error({ err }, `projecting events into ${this.o.name} failed; retrying at the next poll`);
    }
  }

  private async maintain(): Promise<void> {
    try {
      await this.o.maintenance?.run();
    } catch (err) {
      this.o.logger.error({ err }, `housekeeping of ${this.o.name} failed`);
    }
  }
}
