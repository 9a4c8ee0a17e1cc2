import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { openPgDatabase, schemaLevels, type PgDatabase } from '../postgres/index.js';
import { latestVersion } from '../sqlite/index.js';
import { PG_QUOTAS_SCHEMA } from './pg-counters-migrations.js';
import { openPgSendingCounters } from './pg-sending-counters.js';
import { sendingCountersContract } from './sending-counters.contract.js';
import { BASELINE_WEIGHT, HOUR_MS } from './windows.js';

/** Another node: its own pool on the same schema. */
const otherNode = (db: PgDatabase, poolSize = 2) => openPgDatabase({ url: TEST_PG_URL, schema: db.schema, poolSize });

sendingCountersContract('postgres', async () => {
  const db = await openTestPgDatabase();
  const store = closingWith(await openPgSendingCounters({ db }), db);
  return {
    store,
    reopen: async () => {
      const again = otherNode(db);
      return closingWith(await openPgSendingCounters({ db: again }), again);
    },
  };
});

const T = Date.UTC(2027, 0, 15, 13);

test('the quotas concern migrates its own table to its latest level, and no other concern', async () => {
  const db = await openTestPgDatabase();
  try {
    await (await openPgSendingCounters({ db })).close();
    assert.deepEqual(await schemaLevels(db), { quotas: latestVersion(PG_QUOTAS_SCHEMA) });
  } finally {
    await db.close();
  }
});

test('two nodes each count and flush; after the next flush both read the cluster total', async () => {
  const a = await openTestPgDatabase();
  const b = otherNode(a);
  try {
    const na = await openPgSendingCounters({ db: a });
    const nb = await openPgSendingCounters({ db: b });
    na.add('alice', { messages: 3, recipients: 6 }, T + 1);
    nb.add('alice', { messages: 5, recipients: 5 }, T + 2);
    nb.add('bob', { messages: 1, recipients: 1, complaints: 1 }, T + 3);
    assert.equal(na.get('alice', T + 4).hourMessages, 3, 'before a flush each node sees its own counts');
    await Promise.all([na.flush(), nb.flush()]);
    // Whichever flushed first read the shared row before the other's increment: the next flush brings it.
    await Promise.all([na.flush(), nb.flush()]);
    for (const node of [na, nb]) {
      const c = node.get('alice', T + 5);
      assert.equal(c.hourMessages, 8);
      assert.equal(c.dayRecipients, 11);
      assert.equal(node.get('bob', T + 5).dayComplaints, 1, 'a user counted only on the other node is seen too');
    }
    // Counted locally after the refresh, on top of the shared totals.
    assert.equal(na.add('alice', { messages: 1 }, T + 6).hourMessages, 9);
    await na.close();
    await nb.close();
    const { rows } = await a.query<{ hour_messages: number }>("SELECT hour_messages FROM sending_counters WHERE user_name = 'alice'");
    assert.equal(rows[0]?.hour_messages, 9);
  } finally {
    await b.close();
    await a.close();
  }
});

test('three nodes counting and flushing at once lose no increment (the quota holds for the cluster)', async () => {
  const a = await openTestPgDatabase();
  const others = [otherNode(a), otherNode(a)];
  try {
    const nodes = await Promise.all([a, ...others].map((db) => openPgSendingCounters({ db })));
    const rounds = 40;
    for (let i = 0; i < rounds; i++) {
      nodes.forEach((n, k) => {
        n.add('alice', { messages: 1, recipients: 2 }, T + i);
        n.add(`u${(i + k) % 5}`, { messages: 1 }, T + i);
      });
      await Promise.all(nodes.map((n) => n.flush()));
    }
    await Promise.all(nodes.map((n) => n.flush()));
    for (const n of nodes) {
      assert.equal(n.get('alice', T + rounds).hourMessages, 3 * rounds);
      assert.equal(n.get('alice', T + rounds).dayRecipients, 6 * rounds);
      const spread = [0, 1, 2, 3, 4].reduce((sum, u) => sum + n.get(`u${u}`, T + rounds).dayMessages, 0);
      assert.equal(spread, 3 * rounds);
    }
    await Promise.all(nodes.map((n) => n.close()));
  } finally {
    await Promise.all(others.map((db) => db.close()));
    await a.close();
  }
});

test('the hour rolled by one node folds the shared hour into the baseline as windows.ts does', async () => {
  const a = await openTestPgDatabase();
  const b = otherNode(a);
  try {
    const na = await openPgSendingCounters({ db: a });
    const nb = await openPgSendingCounters({ db: b });
    na.add('alice', { messages: 100, recipients: 100 }, T);
    nb.add('alice', { messages: 140, recipients: 140 }, T + 10);
    await na.flush();
    await nb.flush();
    // Counted on node a in the first hour, flushed only after node b has moved on (below).
    na.add('alice', { messages: 7 }, T + 20);
    // Node b moves to an hour three hours later: the stored hour (240 from both nodes) is folded, then two idle hours decay it.
    nb.add('alice', { messages: 1 }, T + 3 * HOUR_MS);
    await nb.flush();
    // Node a's late 7 belong to an hour that is over: they count in the day, not in the running hour nor the baseline.
    await na.flush();
    await nb.flush();
    const expected = 240 * BASELINE_WEIGHT * (1 - BASELINE_WEIGHT) ** 2;
    for (const n of [na, nb]) {
      const c = n.get('alice', T + 3 * HOUR_MS + 5);
      assert.ok(Math.abs(c.baseline - expected) < 1e-9, `baseline ${c.baseline}, expected ${expected}`);
      assert.equal(c.hourMessages, 1);
      assert.equal(c.dayMessages, 248);
    }
    await na.close();
    await nb.close();
  } finally {
    await b.close();
    await a.close();
  }
});

test('a flush that fails keeps its counts, and the next flush writes them once', async () => {
  const db = await openTestPgDatabase();
  const store = closingWith(await openPgSendingCounters({ db }), db);
  try {
    store.add('alice', { messages: 2 }, T);
    await db.query('ALTER TABLE sending_counters RENAME TO sending_counters_away');
    await assert.rejects(store.flush(), /sending_counters/);
    store.add('alice', { messages: 3 }, T + 1);
    assert.equal(store.get('alice', T + 2).hourMessages, 5, 'still counted here');
    await db.query('ALTER TABLE sending_counters_away RENAME TO sending_counters');
    await store.flush();
    await store.flush();
    assert.equal(store.get('alice', T + 2).hourMessages, 5);
    const { rows } = await db.query<{ hour_messages: number }>('SELECT hour_messages FROM sending_counters');
    assert.deepEqual(rows, [{ hour_messages: 5 }]);
  } finally {
    await store.close();
  }
});
