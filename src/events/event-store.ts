import type { BatonEvent, EventType, StoredEvent } from './types.js';

/**
 * The events outbox (DESIGN §9 Event and Store). Events of queue state changes
 * are written by the queue store inside the transaction of the change; this
 * interface reads them and records the events that change no queue state.
 */
export interface EventStore {
  /** Events with an id above `afterId`, oldest first: the cursor API for consumers. */
  readEvents(afterId: number, limit: number): Promise<StoredEvent[]>;
  /** The id of the newest stored event; 0 when there is none (webhook lag, where a new webhook starts). */
  newestEventId(): Promise<number>;
  /** The id of the first event at or after `at` (ms); one above the newest when none is (webhook replay from a time). */
  firstEventIdFrom(at: number): Promise<number>;
  /** Every stored event of one message, oldest first: its timeline. */
  eventsFor(queueId: string): Promise<StoredEvent[]>;
  /** The newest events of one type since a time, newest first (status views: `baton shaping status`). */
  recent(type: EventType, since: number, limit: number): Promise<StoredEvent[]>;
  /** Store events that go with no queue change (rejections), in one commit. */
  append(events: readonly BatonEvent[]): Promise<void>;
  /** Delete events older than `before` (ms); returns how many went (`events.retention`). */
  prune(before: number): Promise<number>;
}
