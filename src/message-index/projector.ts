import type { Clock } from '../core/index.js';
import { EVENT_TYPES, type EventBus, type EventStore } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { IndexCursorMoved, type MessageIndexStore } from './index-store.js';
import { projectEvents } from './projection.js';

export interface ProjectorOptions {
  readonly events: Pick<EventStore, 'readEvents'>;
  readonly index: MessageIndexStore;
  /** Wakes the projector when events commit in this process (low latency); absent: polling only. */
  readonly bus?: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `events.retention`: indexed messages older than this are pruned with the events. */
  readonly retentionMs: number;
  /** Events per transaction: small, so the index never holds the file's write lock for long. */
  readonly batch?: number;
  /** The fallback poll (events written by another process: the CLI, another node). */
  readonly pollMs?: number;
  /** How often old messages are pruned. */
  readonly pruneEveryMs?: number;
  /**
   * After the bus says events committed, wait this long before projecting, so
   * the events of many messages share one transaction: the index shares the
   * queue file's write lock with the queue's writer, and one commit per event
   * would cost the SMTP path (measured: bench/ab-builds.mjs). Search results
   * lag by at most this much.
   */
  readonly gatherMs?: number;
}

/**
 * Feeds the message index from the events outbox by cursor: read the events
 * after the index's cursor, project them, write rows and cursor in one
 * commit (MessageIndexStore.apply). On start it catches up from where the
 * last run stopped, so a kill -9 loses nothing and projects nothing twice.
 * `apply` checks the cursor under the write lock, so even two projectors on
 * one index (two processes on one file) never write an event twice: the
 * loser of a race finds the cursor moved, reads it again and goes on.
 */
export class MessageIndexProjector {
  private readonly batch: number;
  private running: Promise<void> | undefined;
  /** Another run is wanted after the current one (an event arrived meanwhile). */
  private again = false;
  private stopped = true;
  private poll: NodeJS.Timeout | undefined;
  private gather: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly o: ProjectorOptions) {
    this.batch = o.batch ?? 500;
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.o.bus?.subscribe(EVENT_TYPES, () => this.wakeSoon());
    this.poll = setInterval(() => this.wake(), this.o.pollMs ?? 2000);
    this.poll.unref();
    this.pruneTimer = setInterval(() => void this.prune(), this.o.pruneEveryMs ?? 3_600_000);
    this.pruneTimer.unref();
    void this.prune();
    this.wake();
  }

  /** Project whatever is there now (also what tests await). Resolves when the index has caught up. */
  async catchUp(): Promise<void> {
    this.wake();
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.poll);
    clearInterval(this.pruneTimer);
    clearTimeout(this.gather);
    this.gather = undefined;
    while (this.running) await this.running;
  }

  /** Project after `gatherMs`, once for all the events that commit meanwhile. */
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
    try {
      let cursor = await this.o.index.cursor();
      for (;;) {
        const events = await this.o.events.readEvents(cursor, this.batch);
        const last = events[events.length - 1];
        if (!last) return;
        try {
          await this.o.index.apply(cursor, last.id, projectEvents(events));
          cursor = last.id;
        } catch (err) {
          if (!(err instanceof IndexCursorMoved)) throw err;
          cursor = err.found;
          continue;
        }
        if (events.length < this.batch) return;
        // Yield between batches: a long catch-up must not starve SMTP sessions.
        await new Promise<void>((r) => setImmediate(r));
      }
    } catch (err) {
      this.o.logger.error({ err }, 'projecting events into the message index failed; retrying at the next poll');
    }
  }

  private async prune(): Promise<void> {
    try {
      const gone = await this.o.index.prune(this.o.clock.now() - this.o.retentionMs);
      if (gone > 0) this.o.logger.info({ messages: gone }, 'pruned old messages from the message index');
    } catch (err) {
      this.o.logger.error({ err }, 'pruning the message index failed');
    }
  }
}
