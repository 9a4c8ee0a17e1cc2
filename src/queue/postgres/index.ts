// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { Clock } from '../../core/index.js';
import type { EventBus, EventStore } from '../../events/index.js';
import type { PgStoreOptions } from '../../postgres/index.js';
import type { QueueStore } from '../store.js';

export interface PgQueueStoreOptions extends PgStoreOptions {
  readonly clock?: Clock;
  /** Where committed events are published in this process. */
  readonly bus?: EventBus;
}

/** The queue and its events outbox in one database: events commit with the changes they report. */
export type PgQueueStore = QueueStore & EventStore;

export async function openPgQueueStore(_opts: PgQueueStoreOptions): Promise<PgQueueStore> {
  throw new Error('openPgQueueStore: the PostgreSQL backend is not built yet');
}
