import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, freshPgSchema, openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { memoryEventStore } from '../../test/helpers/memory-events.js';
import { prng } from '../../test/helpers/seeded-random.js';
import { makeReply, type Clock } from '../core/index.js';
import type { BatonEvent } from '../events/index.js';
import { silentLogger } from '../log/index.js';
import { openPgDatabase, schemaLevels } from '../postgres/index.js';
import { latestVersion } from '../sqlite/index.js';
import { messageIndexContract } from './index-store.contract.js';
import { INDEX_STATES, type IndexChange } from './index-store.js';
import { PG_MESSAGE_INDEX_SCHEMA } from './pg-index-migrations.js';
import { openPgMessageIndex } from './pg-index-store.js';
import { MessageIndexProjector } from './projector.js';

messageIndexContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgMessageIndex({ db }), db);
});

const T = 1_800_000_000_000;
const clock: Clock = { now: () => T };
const message = (queueId: string, at: number, recipients: string[], tags: string[] = []): IndexChange => ({
  kind: 'message',
  message: { queueId, receivedAt: at, sender: 'a@s.test', size: 1, originKind: 'smtp', tags, metadata: {} },
  recipients,
});

test('the message-index concern migrates its own tables to its latest level, and no other concern', async () => {
  const db = await openTestPgDatabase();
  try {
    await openPgMessageIndex({ db });
    assert.deepEqual(await schemaLevels(db), { 'message-index': latestVersion(PG_MESSAGE_INDEX_SCHEMA) });
  } finally {
    await db.close();
  }
});

test('a batch that fails part way writes neither its rows nor the cursor', async () => {
  const db = await openTestPgDatabase();
  const index = closingWith(await openPgMessageIndex({ db }), db);
  try {
    const boom = { kind: 'recipient', queueId: 'Q1', address: 'a@x.test', state: 'no-such-state', at: T } as unknown as IndexChange;
    await assert.rejects(index.apply(0, 10, [message('Q1', T, ['a@x.test']), boom]), /check constraint/);
    assert.equal(await index.cursor(), 0);
    assert.equal(await index.get('Q1'), undefined);
  } finally {
    await index.close();
  }
});

test('a batch written as a few set-based statements leaves the same rows as its changes applied one by one', async () => {
  const db = await openTestPgDatabase();
  const other = openPgDatabase({ url: TEST_PG_URL, schema: await freshPgSchema(), poolSize: 2 });
  const batched = closingWith(await openPgMessageIndex({ db }), db);
  const oneByOne = closingWith(await openPgMessageIndex({ db: other }), other);
  try {
    const r = prng(13);
    const ids = Array.from({ length: 40 }, (_, i) => `Q${String(i).padStart(2, '0')}`);
    const changes: IndexChange[] = [];
    for (let i = 0; i < 1500; i++) {
      const q = ids[r.int(ids.length)] ?? 'Q00';
      const who = ['a@x.test', 'A@X.test', 'b@y.test', 'c@z.test'][r.int(4)] ?? 'a@x.test';
      switch (r.int(6)) {
        case 0:
          // Sometimes after changes of the same message: those must still be dropped, as in event order.
          changes.push(message(q, T + r.int(50), ['a@x.test', 'B@y.test'], r.int(2) ? ['t1'] : ['t1', 't2']));
          break;
        case 1:
        case 2: {
          const state = INDEX_STATES[r.int(INDEX_STATES.length)] ?? 'queued';
          const reply = r.int(3) ? `${r.int(600)} reply ${i}` : undefined;
          const mta = r.int(2) ? `mx${r.int(3)}.test` : undefined;
          changes.push({ kind: 'recipient', queueId: q, address: who, state, at: T + i, attempt: r.int(5), ...(reply ? { lastReply: reply } : {}), ...(mta ? { remoteMta: mta } : {}) });
          break;
        }
        case 3:
          changes.push({ kind: 'recipient', queueId: q, address: who, state: 'suppressed', at: T + i });
          break;
        case 4:
          changes.push({ kind: 'held', queueId: q, held: r.int(2) === 1 });
          break;
        default:
          changes.push({ kind: 'deleted', queueId: q, at: T + i });
      }
    }
    for (let from = 0; from < changes.length; from += 300) await batched.apply(from, from + 300, changes.slice(from, from + 300));
    for (const [i, c] of changes.entries()) await oneByOne.apply(i, i + 1, [c]);
    assert.equal(await batched.count(), await oneByOne.count());
    assert.ok((await batched.count()) > 20, 'most messages were indexed');
    for (const q of ids) assert.deepEqual(await batched.get(q), await oneByOne.get(q), q);
    for (const query of [{ state: 'delivered' as const }, { tag: 't2' }, { recipient: 'a@X.TEST' }, { domain: 'Y.test' }]) {
      assert.deepEqual(await batched.search({ limit: 100, ...query }), await oneByOne.search({ limit: 100, ...query }));
    }
  } finally {
    await oneByOne.close();
    await batched.close();
  }
});

test('projectors on two nodes (two pools, one database) project every event exactly once', async () => {
  const a = await openTestPgDatabase({ poolSize: 2 });
  const b = openPgDatabase({ url: TEST_PG_URL, schema: a.schema, poolSize: 2 });
  try {
    const events = memoryEventStore();
    const n = 300;
    for (let i = 0; i < n; i++) {
      const queueId = `Q${i}`;
      const accepted: BatonEvent = { type: 'accepted', queueId, at: T + i, sender: 's@a.test', recipients: ['r@b.test'], size: 1, origin: { kind: 'smtp' }, tags: ['x'] };
      const deferred: BatonEvent = { type: 'deferred', queueId, at: T + i + 1, recipient: 'r@b.test', attempt: 1, error: 'refused', nextAttemptAt: T + 60_000 };
      const delivered: BatonEvent = { type: 'delivered', queueId, at: T + i + 2, recipient: 'r@b.test', attempt: 2, reply: makeReply(250, '2.0.0', 'Ok') };
      events.add(accepted, deferred, delivered);
    }
    const onA = await openPgMessageIndex({ db: a });
    const onB = await openPgMessageIndex({ db: b });
    const projector = (index: typeof onA, batch: number) => new MessageIndexProjector({ events, index, clock, logger: silentLogger(), retentionMs: 86_400_000, batch });
    await Promise.all([projector(onA, 7).catchUp(), projector(onB, 11).catchUp(), projector(onA, 50).catchUp(), projector(onB, 3).catchUp()]);
    assert.equal(await onA.count(), n);
    assert.equal(await onB.cursor(), await events.newestEventId());
    const all = await onB.search({ limit: 1000, state: 'delivered' });
    assert.equal(all.messages.length, n);
    assert.ok(all.messages.every((m) => m.recipients.length === 1 && m.recipients[0]?.attempts === 2 && m.recipients[0].lastReply === '250 2.0.0 Ok'));
  } finally {
    await b.close();
    await a.close();
  }
});
