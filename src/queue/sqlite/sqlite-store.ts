import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { systemClock, type Clock, type QueueId } from '../../core/index.js';
import { EventReader, type BatonEvent, type EventBus, type EventStore } from '../../events/index.js';
import { claimedFromRequest } from '../row-mapping.js';
import type { ClaimedMessage, EnqueueRequest, QueueStore, RecordResult } from '../store.js';
import type { MainMessage, ReplyMessage, RequestMessage, WorkerMessage, WriteRequest } from './protocol.js';
import { QueueReader, senderToText } from './rows.js';
import { QueueSelection } from './selection.js';

export interface SqliteQueueStoreOptions {
  readonly path: string;
  readonly clock?: Clock;
  /** Fail instead of creating a new database (the CLI should not create an empty queue). */
  readonly mustExist?: boolean;
  /** Where committed events are published in this process. */
  readonly bus?: EventBus;
}

/** The queue and its events outbox share one file and one writer: events commit with the changes they report. */
export interface SqliteQueueStore extends QueueStore, EventStore {
  readonly path: string;
}

/** A queue store error with a stable code (e.g. SQLITE_CONSTRAINT_PRIMARYKEY for a duplicate id). */
export class QueueStoreError extends Error {
  override readonly name = 'QueueStoreError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface Waiter {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * The embedded queue (DESIGN §5): WAL, synchronous=FULL, one writer thread with
 * group commit; reads on a read-only connection of the calling thread.
 */
export async function openSqliteQueueStore(opts: SqliteQueueStoreOptions): Promise<SqliteQueueStore> {
  const clock = opts.clock ?? systemClock;
  if (opts.mustExist && !existsSync(opts.path)) {
    throw new QueueStoreError(`No queue database at ${opts.path} (check queue.path and dataDir in the config)`, 'ENOENT');
  }
  mkdirSync(dirname(opts.path), { recursive: true });
  const writer = await startWriter(opts.path);
  let readDb: Database.Database;
  try {
    readDb = new Database(opts.path, { readonly: true, fileMustExist: true });
    readDb.pragma('busy_timeout = 10000');
  } catch (err) {
    await writer.close();
    throw err;
  }
  const reader = new QueueReader(readDb);
  const eventReader = new EventReader(readDb);
  const selection = new QueueSelection(readDb);
  const bus = opts.bus;
  let closed = false;
  const read = <T>(fn: () => T): Promise<T> => {
    if (closed) return Promise.reject(new QueueStoreError('The queue store is closed', 'CLOSED'));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err as Error);
    }
  };

  /** After the commit: only then may anyone in this process act on the events. */
  const published = <T>(result: T, events: readonly BatonEvent[] | undefined): T => {
    if (bus && events && events.length > 0) bus.publish(events);
    return result;
  };
  /** A queue action on one message, with its event when it found the message. */
  const act = async (req: WriteRequest & { events: readonly BatonEvent[] }): Promise<boolean> => {
    const found = (await writer.send(req)) as boolean;
    return found ? published(true, req.events) : false;
  };

  return {
    path: opts.path,
    async enqueue(req: EnqueueRequest): Promise<QueueId> {
      if (closed) throw new QueueStoreError('The queue store is closed', 'CLOSED');
      const w = enqueueRequest(req);
      return published((await writer.send(w, transferList(w.body))) as QueueId, req.events);
    },
    async enqueueClaimed(req, lease): Promise<ClaimedMessage> {
      if (closed) throw new QueueStoreError('The queue store is closed', 'CLOSED');
      // A held message is not to be sent, so it cannot be handed to a sender.
      if (req.held) throw new QueueStoreError('A held message is enqueued with enqueue(), not enqueueClaimed()', 'HELD');
      const until = req.receivedAt + lease.leaseMs;
      const w = { ...enqueueRequest(req), lease: { owner: lease.owner, until } };
      const rowIds = (await writer.send(w, transferList(w.body))) as number[];
      return published(claimedFromRequest(req, rowIds, until), req.events);
    },
    claimDue: (o) => writer.send({ op: 'claim', now: o.now, limit: o.limit, leaseMs: o.leaseMs, owner: o.owner }) as never,
    renewLease: async (rowIds, o) => (await writer.send({ op: 'renew', rowIds: [...rowIds], owner: o.owner, now: o.now, leaseMs: o.leaseMs })) as number[],
    async recordOutcomes(updates, o) {
      const result = (await writer.send({ op: 'record', updates: [...updates], owner: o.owner, now: o.now })) as RecordResult;
      if (bus) {
        const lost = new Set(result.lost);
        for (const u of updates) if (!lost.has(u.rowId)) published(undefined, u.events);
      }
      return result;
    },
    releaseLeases: async (rowIds, owner) => {
      await writer.send({ op: 'release-leases', rowIds: [...rowIds], owner, now: clock.now() });
    },
    leaseOwners: () => read(() => reader.leaseOwners()),
    releaseOwners: (owners) => writer.send({ op: 'release-owners', owners: [...owners] }) as Promise<number>,
    readBody: (id) => read(() => reader.readBody(id)),
    getMessage: (id) => read(() => reader.getMessage(id)),
    list: (filter) => read(() => reader.list(filter)),
    stats: () => read(() => reader.stats()),
    listIds: (selector, page) => read(() => selection.listIds(selector, page)),
    countIds: (selector) => read(() => selection.countIds(selector)),
    destinations: (limit) => read(() => selection.destinations(limit)),
    listFinished: (limit) => read(() => reader.listFinished(limit)),
    nextDueAt: () => read(() => reader.nextDueAt()),
    delete: (id, reason = 'operator') => act({ op: 'delete', id, events: [{ type: 'deleted', queueId: id, at: clock.now(), reason }] }),
    hold: (id) => act({ op: 'hold', id, held: true, now: clock.now(), events: [{ type: 'held', queueId: id, at: clock.now() }] }),
    release: (id) => act({ op: 'hold', id, held: false, now: clock.now(), events: [{ type: 'released', queueId: id, at: clock.now() }] }),
    readEvents: (afterId, limit) => read(() => eventReader.readEvents(afterId, limit)),
    eventsFor: (queueId) => read(() => eventReader.eventsFor(queueId)),
    newestEventId: () => read(() => eventReader.newestEventId()),
    firstEventIdFrom: (at) => read(() => eventReader.firstEventIdFrom(at)),
    recent: (type, since, limit) => read(() => eventReader.recent(type, since, limit)),
    async append(events) {
      if (events.length === 0) return;
      await writer.send({ op: 'append-events', events: [...events] });
      published(undefined, events);
    },
    prune: (before) => writer.send({ op: 'prune-events', before }) as Promise<number>,
    retryNow: (target, now) => writer.send({ op: 'retry', target, now }) as Promise<number>,
    async close() {
      if (closed) return;
      closed = true;
      await writer.close();
      readDb.close();
    },
  };
}

interface WriterHandle {
  send(req: WriteRequest, transfer?: ArrayBuffer[]): Promise<unknown>;
  close(): Promise<void>;
}

async function startWriter(path: string): Promise<WriterHandle> {
  const worker = startWriterThread(path);
  const waiters = new Map<number, Waiter>();
  let seq = 0;
  let failure: Error | undefined;
  let outbox: RequestMessage[] = [];
  let transfers: ArrayBuffer[] = [];

  const failAll = (err: Error): void => {
    failure ??= err;
    for (const w of waiters.values()) w.reject(err);
    waiters.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'ready') resolve();
      else if (msg.type === 'fatal') reject(new QueueStoreError(`Cannot open the queue database ${path}: ${msg.message}`));
      else for (const r of msg.replies) settle(r);
    });
    worker.on('error', (err) => {
      reject(err);
      failAll(new QueueStoreError(`The queue writer thread failed: ${err.message}`, 'WRITER_FAILED'));
    });
    worker.on('exit', (code) => {
      reject(new QueueStoreError(`The queue writer thread exited (${code}) before it was ready`));
      failAll(new QueueStoreError('The queue store is closed', 'CLOSED'));
    });
  });

  function settle(r: ReplyMessage): void {
    const w = waiters.get(r.seq);
    if (!w) return;
    waiters.delete(r.seq);
    if (r.ok) w.resolve(r.value);
    else w.reject(new QueueStoreError(r.message, r.code));
  }

  try {
    await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  worker.unref(); // An idle store must not keep the process alive; pending requests do (see send).

  const flushOutbox = (): void => {
    const msg: MainMessage = { type: 'requests', requests: outbox };
    const t = transfers;
    outbox = [];
    transfers = [];
    worker.postMessage(msg, t);
  };

  return {
    send(req, transfer = []) {
      if (failure) return Promise.reject(failure);
      const id = ++seq;
      return new Promise((resolve, reject) => {
        if (waiters.size === 0) worker.ref();
        waiters.set(id, {
          resolve: (v) => {
            if (waiters.size === 0) worker.unref();
            resolve(v);
          },
          reject: (e) => {
            if (waiters.size === 0) worker.unref();
            reject(e);
          },
        });
        // Requests made in the same tick travel in one message.
        if (outbox.length === 0) queueMicrotask(flushOutbox);
        outbox.push({ seq: id, req });
        transfers.push(...transfer);
      });
    },
    async close() {
      if (failure) return;
      // Let in-flight requests finish first; they are answered before the worker closes.
      await Promise.allSettled([...waiters.values()].map((w) => new Promise<void>((res) => {
        const { resolve, reject } = w;
        w.resolve = (v) => { resolve(v); res(); };
        w.reject = (e) => { reject(e); res(); };
      })));
      failure = new QueueStoreError('The queue store is closed', 'CLOSED');
      worker.ref(); // Keep the process alive until the worker has closed the database.
      const exited = new Promise<void>((res) => worker.once('exit', () => res()));
      worker.postMessage({ type: 'close' } satisfies MainMessage);
      await exited;
    },
  };
}

/**
 * The writer thread runs with the process's node flags (--cpu-prof, for one),
 * except those `new Worker` refuses: V8's own (--max-semi-space-size,
 * --trace-gc ...), which apply to the whole process anyway, and --input-type
 * of `node -e` scripts. Node names the refused flags in its error, and no
 * public API lists them beforehand, so the refused ones are dropped and the
 * thread started again.
 */
function startWriterThread(path: string): Worker {
  const url = new URL('./writer-worker.js', import.meta.url);
  let execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  try {
    return new Worker(url, { workerData: { path }, execArgv });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    const refused = new Set((e.message.split(': ')[1] ?? '').split(', '));
    execArgv = execArgv.filter((a) => !refused.has(a));
    return new Worker(url, { workerData: { path }, execArgv });
  }
}

/**
 * The writer's form of an enqueue. A body in shared memory (as intake makes
 * it) goes to the writer thread as it is; any other body is copied once into
 * a buffer of its own that is transferred, never cloned.
 */
function enqueueRequest(req: EnqueueRequest): Extract<WriteRequest, { op: 'enqueue' }> {
  let body: Uint8Array = req.message;
  if (!(req.message.buffer instanceof SharedArrayBuffer)) {
    body = new Uint8Array(req.message.byteLength);
    body.set(req.message);
  }
  return {
    op: 'enqueue',
    id: req.id,
    sender: senderToText(req.envelope.mailFrom),
    params: JSON.stringify(req.envelope.params),
    origin: JSON.stringify(req.origin),
    body,
    receivedAt: req.receivedAt,
    expiresAt: req.expiresAt,
    firstAttemptAt: req.firstAttemptAt ?? req.receivedAt,
    ...(req.events ? { events: req.events } : {}),
    ...(req.held ? { held: true } : {}),
    ...(req.sendLog ? { sendLog: { scope: req.sendLog.scope, key: req.sendLog.key } } : {}),
    recipients: req.envelope.recipients.map((r) => ({
      local: r.address.local,
      domain: r.address.domain.toLowerCase(),
      notify: r.notify !== undefined ? JSON.stringify(r.notify) : null,
      orcpt: r.orcpt ?? null,
    })),
  };
}

/** Shared memory is shared with the writer thread; an own buffer is handed over. */
function transferList(body: Uint8Array): ArrayBuffer[] {
  return body.buffer instanceof SharedArrayBuffer ? [] : [body.buffer as ArrayBuffer];
}
