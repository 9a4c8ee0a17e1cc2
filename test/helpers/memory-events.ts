import { makeReply } from '../../src/core/index.js';
import type { BatonEvent, EventStore, StoredEvent } from '../../src/events/index.js';

/**
 * The events outbox in memory, for unit tests of what reads it by cursor
 * (webhook deliverer and admin, stats routes): ids from `firstId` (as if the
 * ones before were pruned), in order; `add` and `append` put more at the end.
 */
export function memoryEventStore(events: readonly BatonEvent[] = [], firstId = 1): EventStore & { add(...e: BatonEvent[]): void } {
  const rows: StoredEvent[] = [];
  const push = (list: readonly BatonEvent[]) => {
    for (const event of list) rows.push({ id: firstId + rows.length, event });
  };
  push(events);
  return {
    add: (...e) => push(e),
    readEvents: async (afterId, limit) => rows.filter((r) => r.id > afterId).slice(0, limit),
    eventsFor: async (q) => rows.filter((r) => 'queueId' in r.event && r.event.queueId === q),
    newestEventId: async () => rows.at(-1)?.id ?? 0,
    firstEventIdFrom: async (at) => rows.find((r) => r.event.at >= at)?.id ?? (rows.at(-1)?.id ?? 0) + 1,
    recent: async () => [],
    append: async (e) => push(e),
    prune: async () => 0,
  };
}

/** A filler event at `at` (a refused MAIL) for tests that only need ids and times. */
export function rejectedAt(at: number): BatonEvent {
  return { type: 'rejected', at, stage: 'mail', reply: makeReply(550, '5.7.1', 'x'), clientIp: '192.0.2.1' } as BatonEvent;
}
