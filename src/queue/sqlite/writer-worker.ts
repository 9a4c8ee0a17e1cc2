/**
 * Entry point of the queue's writer thread: the one connection that writes
 * (DESIGN §5). It owns its own better-sqlite3 handle so fsync never blocks the
 * main event loop. Requests that arrive while a commit is in progress queue up
 * as port messages and are drained together into the next transaction: many
 * enqueues share one commit and one fsync (group commit, DESIGN §3 step 4).
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { EVENTS_SCHEMA } from '../../events/index.js';
import { configureWriter, migrate } from '../../sqlite/index.js';
import { QUEUE_SCHEMA } from './migrations.js';
import type { MainMessage, ReplyMessage, RequestMessage, WorkerMessage } from './protocol.js';
import { WriterOps } from './writer-ops.js';

function post(msg: WorkerMessage): void {
  parentPort?.postMessage(msg);
}

function start(path: string): void {
  const port = parentPort;
  if (!port) throw new Error('writer-worker.js must run in a worker thread');
  let db: Database.Database;
  let ops: WriterOps;
  try {
    db = new Database(path);
    configureWriter(db);
    // The concerns this writer writes in one transaction: the queue and its events outbox.
    migrate(db, QUEUE_SCHEMA);
    migrate(db, EVENTS_SCHEMA);
    ops = new WriterOps(db);
  } catch (err) {
    post({ type: 'fatal', message: (err as Error).message });
    return;
  }
  // Each request gets a savepoint inside the batch transaction, so one failing
  // request (say a duplicate queue id) does not undo the others.
  const one = db.transaction((r: RequestMessage) => ops.run(r.req));
  const batchTx = db.transaction((batch: readonly RequestMessage[]) =>
    batch.map((r): ReplyMessage => {
      try {
        return { seq: r.seq, ok: true, value: one(r) };
      } catch (err) {
        const e = err as Error & { code?: string };
        return { seq: r.seq, ok: false, message: e.message, ...(e.code !== undefined ? { code: e.code } : {}) };
      }
    }),
  );

  let pending: RequestMessage[] = [];
  let scheduled = false;
  let synchronous: 'FULL' | 'NORMAL' = 'FULL';
  const flush = (): void => {
    scheduled = false;
    const batch = pending;
    pending = [];
    // A commit is fsynced (FULL) when it carries a promise to a client: a new
    // message (the 250 waits for it) or an operator's hold. Delivery
    // bookkeeping (claims, leases, outcomes, retirement) commits with NORMAL:
    // in WAL mode that survives a process crash (kill -9) and is made durable
    // by the next fsync; only a power loss could undo it, and then the worst
    // case is one repeated delivery attempt, which leases allow anyway.
    const wanted = batch.some((r) => r.req.op === 'enqueue' || r.req.op === 'hold') ? 'FULL' : 'NORMAL';
    if (wanted !== synchronous) {
      db.pragma(`synchronous = ${wanted}`);
      synchronous = wanted;
    }
    let replies: ReplyMessage[];
    try {
      // IMMEDIATE takes the write lock up front (another process, e.g. the CLI,
      // may write too); the replies go out only after COMMIT returned.
      replies = batchTx.immediate(batch);
    } catch (err) {
      const e = err as Error & { code?: string };
      replies = batch.map((r) => ({ seq: r.seq, ok: false, message: e.message, ...(e.code !== undefined ? { code: e.code } : {}) }));
    }
    post({ type: 'replies', replies });
  };

  port.on('message', (msg: MainMessage) => {
    if (msg.type === 'close') {
      if (scheduled) flush();
      db.close();
      port.close();
      return;
    }
    for (const r of msg.requests) pending.push(r);
    // setImmediate runs after every message already queued has been received.
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
  post({ type: 'ready' });
}

start((workerData as { path: string }).path);
