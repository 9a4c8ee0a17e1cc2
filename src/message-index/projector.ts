import type { Clock } from '../core/index.js';
import { OutboxProjector, outboxFeed, type OutboxFeedOptions } from '../events/index.js';
import { IndexCursorMoved, type MessageIndexStore } from './index-store.js';
import { projectEvents } from './projection.js';

export interface ProjectorOptions extends OutboxFeedOptions {
  readonly index: MessageIndexStore;
  readonly clock: Clock;
  /** `events.retention`: indexed messages older than this are pruned with the events. */
  readonly retentionMs: number;
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
export class MessageIndexProjector extends OutboxProjector {
  constructor(o: ProjectorOptions) {
    const { index } = o;
    super({
      name: 'the message index',
      ...outboxFeed(o),
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
}
