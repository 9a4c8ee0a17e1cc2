import type { Clock } from '../core/index.js';
import { OutboxProjector, type EventBus, type EventStore } from '../events/index.js';
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
 * loser of a race finds the cursor moved, reads it again and goes on
 * (events/outbox-projector.ts, shared with the traffic rollup).
 */
export class MessageIndexProjector {
  private readonly projector: OutboxProjector;

  constructor(o: ProjectorOptions) {
    const { index } = o;
    this.projector = new OutboxProjector({
      name: 'the message index',
      events: o.events,
      logger: o.logger,
      ...(o.bus ? { bus: o.bus } : {}),
      ...(o.batch !== undefined ? { batch: o.batch } : {}),
      ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
      ...(o.gatherMs !== undefined ? { gatherMs: o.gatherMs } : {}),
      target: {
        cursor: () => index.cursor(),
        apply: (from, to, events) => index.apply(from, to, projectEvents(events)),
        movedTo: (err) => (err instanceof IndexCursorMoved ? err.found : undefined),
      },
      maintenance: {
        everyMs: o.pruneEveryMs ?? 3_600_000,
        run: async () => {
          const gone = await index.prune(o.clock.now() - o.retentionMs);
          if (gone > 0) o.logger.info({ messages: gone }, 'pruned old messages from the message index');
        },
      },
    });
  }

  start(): void {
    this.projector.start();
  }

  /** Project whatever is there now (also what tests await). Resolves when the index has caught up. */
  catchUp(): Promise<void> {
    return this.projector.catchUp();
  }

  stop(): Promise<void> {
    return this.projector.stop();
  }
}
