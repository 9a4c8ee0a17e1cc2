import { systemClock, type Clock, type QueueId } from '../../core/index.js';
import type { BatonEvent, EventBus, EventStore, StoredEvent } from '../../events/index.js';
import { PG_EVENTS_SCHEMA } from '../../events/postgres/migrations.js';
import { PgEventReader } from '../../events/postgres/pg-event-rows.js';
import { migratePg, type PgStoreOptions } from '../../postgres/index.js';
import { QueueStoreError } from '../sqlite/sqlite-store.js';
import { claimedFromRequest } from '../row-mapping.js';
import type { EnqueueRequest, QueueStore } from '../store.js';
import { EnqueueBatcher, type EnqueueItem } from './pg-enqueue.js';
import { PG_QUEUE_SCHEMA } from './migrations.js';
import { PgQueueReader } from './pg-rows.js';
import { PgQueueSelection } from './pg-selection.js';
import { RecordBatcher } from './pg-record.js';
import { PgQueueWrites } from './pg-writes.js';

export { PG_QUEUE_SCHEMA } from './migrations.js';
export { PG_EVENTS_SCHEMA } from '../../events/postgres/migrations.js';
export { DUPLICATE_ID } from './pg-enqueue.js';

export interface PgQueueStoreOptions extends PgStoreOptions {
  readonly clock?: Clock;
  /** Where committed events are published in this process. */
  readonly bus?: EventBus;
  /** Most enqueues written in one group commit (default 100); 1 turns group commit off for enqueues and outcomes (benchmarks). */
  readonly maxBatch?: number;
}

/** The queue and its events outbox in one database: events commit with the changes they report. */
export type PgQueueStore = QueueStore & EventStore;

/**
 * The cluster queue (DESIGN §5, docs/cluster.md): every node of a cluster
 * opens this store on the same database and shares the work. Every method is
 * one statement on the process's pool, run in its own implicit transaction:
 * the change, its events (the outbox) and its commit go in one round trip.
 * A method resolves only after that COMMIT, which is durable
 * (synchronous_commit = on, src/postgres/database.ts). When the database is
 * unreachable, methods reject with the driver's error (isPgUnavailable says
 * so) after the pool's connect timeout; nothing here throws outside a promise.
 */
export async function openPgQueueStore(opts: PgQueueStoreOptions): Promise<PgQueueStore> {
  const { db, bus } = opts;
  const clock = opts.clock ?? systemClock;
  await migratePg(db, PG_QUEUE_SCHEMA);
  await migratePg(db, PG_EVENTS_SCHEMA);
  const reader = new PgQueueReader(db.pool);
  const selection = new PgQueueSelection(db.pool);
  const writes = new PgQueueWrites(db.pool, reader);
  const events = new PgEventReader(db.pool);
  const batcher = new EnqueueBatcher(db.pool, opts.maxBatch);
  const recorder = new RecordBatcher(db.pool, opts.maxBatch === 1 ? 1 : undefined);
  let closed = false;

  const open = (): void => {
    if (closed) throw new QueueStoreError('The queue store is closed', 'CLOSED');
  };
  /** Run `fn` unless the store is closed; its errors (and the closed one) come back as a rejection. */
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    open();
    return fn();
  };
  /** After the commit: only then may anyone in this process act on the events. */
  const published = <T>(result: T, evs: readonly BatonEvent[] | undefined): T => {
    if (bus && evs && evs.length > 0) bus.publish(evs);
    return result;
  };
  const enqueued = (req: EnqueueRequest, lease?: EnqueueItem['lease']): Promise<number[]> =>
    new Promise((resolve, reject) => batcher.submit({ req, ...(lease ? { lease } : {}), resolve, reject }));
  const act = async (kind: 'delete' | 'hold' | 'release', id: QueueId, evs: BatonEvent[]): Promise<boolean> =>
    (await call(() => writes.act(kind, id, evs))) ? published(true, evs) : false;

  return {
    async enqueue(req) {
      open();
      await enqueued(req);
      return published(req.id, req.events);
    },
    async enqueueClaimed(req, lease) {
      open();
      // A held message is not to be sent, so it cannot be handed to a sender.
      if (req.held) throw new QueueStoreError('A held message is enqueued with enqueue(), not enqueueClaimed()', 'HELD');
      const until = req.receivedAt + lease.leaseMs;
      const rowIds = await enqueued(req, { owner: lease.owner, until });
      return published(claimedFromRequest(req, rowIds, until), req.events);
    },
    claimDue: (o) => call(() => writes.claim(o)),
    renewLease: (rowIds, o) => call(() => writes.renew(rowIds, o.owner, o.now + o.leaseMs)),
    async recordOutcomes(updates, o) {
      const result = await call(() => recorder.record(updates, o.owner, o.now));
      if (bus) {
        const lost = new Set(result.lost);
        for (const u of updates) if (!lost.has(u.rowId)) published(undefined, u.events);
      }
      return result;
    },
    releaseLeases: (rowIds, owner) => call(() => writes.releaseLeases(rowIds, owner)),
    leaseOwners: () => call(() => reader.leaseOwners()),
    releaseOwners: (owners) => call(() => writes.releaseOwners(owners)),
    readBody: (id) => call(() => reader.readBody(id)),
    getMessage: (id) => call(() => reader.getMessage(id)),
    list: (filter) => call(() => reader.list(filter)),
    stats: () => call(() => reader.stats()),
    listIds: (selector, page) => call(() => selection.listIds(selector, page)),
    countIds: (selector) => call(() => selection.countIds(selector)),
    destinations: (limit) => call(() => selection.destinations(limit)),
    listFinished: (limit) => call(() => reader.listFinished(limit)),
    nextDueAt: () => call(() => reader.nextDueAt()),
    delete: (id, reason = 'operator') => act('delete', id, [{ type: 'deleted', queueId: id, at: clock.now(), reason }]),
    hold: (id) => act('hold', id, [{ type: 'held', queueId: id, at: clock.now() }]),
    release: (id) => act('release', id, [{ type: 'released', queueId: id, at: clock.now() }]),
    retryNow: (target, now) => call(() => writes.retry(target, now)),
    readEvents: (afterId, limit) => call(() => events.readEvents(afterId, limit)),
    eventsFor: (queueId): Promise<StoredEvent[]> => call(() => events.eventsFor(queueId)),
    newestEventId: () => call(() => events.newestEventId()),
    firstEventIdFrom: (at) => call(() => events.firstEventIdFrom(at)),
    recent: (type, since, limit) => call(() => events.recent(type, since, limit)),
    async append(evs) {
      if (evs.length === 0) return;
      await call(() => writes.append(evs));
      published(undefined, evs);
    },
    prune: (before) => call(() => events.prune(before)),
    async close() {
      if (closed) return;
      closed = true;
      // Enqueues already accepted finish (and resolve) first; the pool is the caller's to close.
      await Promise.all([batcher.idle(), recorder.idle()]);
    },
  };
}
