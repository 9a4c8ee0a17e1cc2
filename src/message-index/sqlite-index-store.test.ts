import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeReply, newQueueId, type Clock } from '../core/index.js';
import { EventBus, type BatonEvent } from '../events/index.js';
import { silentLogger } from '../log/index.js';
import { openSqliteQueueStore } from '../queue/index.js';
import { messageIndexContract } from './index-store.contract.js';
import type { IndexChange } from './index-store.js';
import { MessageIndexProjector } from './projector.js';
import { openSqliteMessageIndex } from './sqlite-index-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-index-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `i${++n}.db`);

messageIndexContract('sqlite', async () => openSqliteMessageIndex({ path: freshPath() }));

const T = 1_800_000_000_000;
const clock: Clock = { now: () => T };

/** A queue store (the events outbox) and an index in one file, as main.ts opens them. */
async function setUp(bus?: EventBus) {
  const path = freshPath();
  const queue = await openSqliteQueueStore({ path, clock, ...(bus ? { bus } : {}) });
  const index = openSqliteMessageIndex({ path });
  const projector = (batch = 500) => new MessageIndexProjector({ events: queue, index, clock, logger: silentLogger(), retentionMs: 86_400_000, batch, ...(bus ? { bus } : {}) });
  return { path, queue, index, projector, close: async () => (await index.close(), await queue.close()) };
}

let seq = 0;
async function enqueue(queue: Awaited<ReturnType<typeof setUp>>['queue'], rcpts: string[], more: Partial<Extract<BatonEvent, { type: 'accepted' }>> = {}) {
  const id = newQueueId({ now: () => T + seq++ });
  const accepted: BatonEvent = { type: 'accepted', queueId: id, at: T + seq, sender: 'a@s.test', recipients: rcpts, size: 5, origin: { kind: 'smtp' }, ...more };
  await queue.enqueue({
    id,
    envelope: { mailFrom: { local: 'a', domain: 's.test' }, recipients: rcpts.map((r) => ({ address: { local: r.split('@')[0] ?? '', domain: r.split('@')[1] ?? '' } })), params: {} },
    origin: { kind: 'smtp' },
    message: Buffer.from('x\r\n'),
    receivedAt: T + seq,
    expiresAt: T + 86_400_000,
    events: [accepted],
  });
  return id;
}

test('the projector indexes accepted messages and each delivery outcome from the outbox', async () => {
  const s = await setUp();
  try {
    const id = await enqueue(s.queue, ['b@r.test', 'c@r.test'], { subject: 'Hello', tags: ['welcome'] });
    const [claim] = await s.queue.claimDue({ now: T + 100, limit: 10, leaseMs: 60_000, owner: 'w' });
    assert.ok(claim);
    const [b, c] = claim.recipients;
    assert.ok(b && c);
    const at = T + 101;
    await s.queue.recordOutcomes(
      [
        { kind: 'delivered', rowId: b.rowId, reply: makeReply(250, '2.0.0', 'Ok: queued'), remoteMta: 'mx.r.test', events: [{ type: 'delivered', queueId: id, at, recipient: 'b@r.test', attempt: 1, reply: makeReply(250, '2.0.0', 'Ok: queued'), remoteMta: 'mx.r.test' }] },
        { kind: 'deferred', rowId: c.rowId, nextAttemptAt: at + 60_000, events: [{ type: 'deferred', queueId: id, at, recipient: 'c@r.test', attempt: 1, error: 'connection refused', nextAttemptAt: at + 60_000 }] },
      ],
      { owner: 'w', now: at },
    );
    const p = s.projector();
    await p.catchUp();
    const m = await s.index.get(id);
    assert.equal(m?.subject, 'Hello');
    assert.deepEqual(m?.tags, ['welcome']);
    assert.deepEqual(
      m?.recipients.map((r) => [r.address, r.state, r.attempts, r.lastReply ?? null, r.remoteMta ?? null]),
      [
        ['b@r.test', 'delivered', 1, '250 2.0.0 Ok: queued', 'mx.r.test'],
        ['c@r.test', 'deferred', 1, 'connection refused', null],
      ],
    );
    assert.ok((await s.index.cursor()) > 0);
  } finally {
    await s.close();
  }
});

test('catching up in small batches after a restart projects every event once: no duplicate, nothing missed', async () => {
  const s = await setUp();
  try {
    for (let i = 0; i < 25; i++) await enqueue(s.queue, [`r${i}@x.test`]);
    const first = s.projector(4);
    await first.catchUp();
    // More events while "down", then a new projector (a restart) on the same index.
    for (let i = 25; i < 40; i++) await enqueue(s.queue, [`r${i}@x.test`]);
    await s.queue.hold((await s.index.search({ limit: 1 })).messages[0]?.queueId as never);
    const second = s.projector(7);
    await second.catchUp();
    assert.equal(await s.index.count(), 40);
    const all = await s.index.search({ limit: 100 });
    assert.equal(new Set(all.messages.map((m) => m.queueId)).size, 40);
    assert.equal(all.messages.filter((m) => m.held).length, 1);
    const events = await s.queue.readEvents(0, 1000);
    assert.equal(await s.index.cursor(), events[events.length - 1]?.id);
  } finally {
    await s.close();
  }
});

test('a batch that fails part way writes neither its rows nor the cursor', async () => {
  const s = await setUp();
  try {
    const boom = { kind: 'message', message: null } as unknown as IndexChange;
    const good: IndexChange = { kind: 'message', message: { queueId: 'Q1', receivedAt: T, sender: '', size: 1, originKind: 'smtp', tags: [], metadata: {} }, recipients: ['a@x.test'] };
    await assert.rejects(s.index.apply(0, 10, [good, boom]));
    assert.equal(await s.index.cursor(), 0);
    assert.equal(await s.index.get('Q1'), undefined);
  } finally {
    await s.close();
  }
});

test('two projectors on one index (two processes on one file) never project an event twice', async () => {
  const s = await setUp();
  const other = openSqliteMessageIndex({ path: s.path });
  try {
    for (let i = 0; i < 30; i++) await enqueue(s.queue, [`r${i}@x.test`]);
    const a = s.projector(3);
    const b = new MessageIndexProjector({ events: s.queue, index: other, clock, logger: silentLogger(), retentionMs: 86_400_000, batch: 5 });
    await Promise.all([a.catchUp(), b.catchUp()]);
    assert.equal(await s.index.count(), 30);
  } finally {
    await other.close();
    await s.close();
  }
});

test('started with a bus, the projector indexes a new message without waiting for its poll', async () => {
  const bus = new EventBus();
  const s = await setUp(bus);
  const p = new MessageIndexProjector({ events: s.queue, index: s.index, bus, clock, logger: silentLogger(), retentionMs: 86_400_000, pollMs: 3_600_000 });
  p.start();
  try {
    await p.catchUp();
    const id = await enqueue(s.queue, ['b@r.test']);
    const deadline = Date.now() + 5000;
    while (!(await s.index.get(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(await s.index.get(id), 'indexed through the bus wake-up (the poll is an hour)');
  } finally {
    await p.stop();
    await s.close();
  }
});

test('the projector prunes indexed messages older than events.retention (at start, then every pruneEveryMs)', async () => {
  const s = await setUp();
  const day = 86_400_000;
  const msg = (queueId: string, receivedAt: number): IndexChange => ({ kind: 'message', message: { queueId, receivedAt, sender: '', size: 1, originKind: 'smtp', tags: [], metadata: {} }, recipients: ['a@x.test'] });
  await s.index.apply(0, 0, [msg('OLD', T - 2 * day), msg('NEW', T - 1000)]);
  const p = new MessageIndexProjector({ events: s.queue, index: s.index, clock, logger: silentLogger(), retentionMs: day });
  p.start();
  try {
    const deadline = Date.now() + 5000;
    while ((await s.index.count()) > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(await s.index.get('OLD'), undefined);
    assert.ok(await s.index.get('NEW'));
  } finally {
    await p.stop();
    await s.close();
  }
});
