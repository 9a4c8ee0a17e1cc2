import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { openPgDatabase, schemaLevels } from '../postgres/index.js';
import { clusterStoreContract } from './cluster-store.contract.js';
import { openPgClusterStore } from './pg-cluster-store.js';

clusterStoreContract('postgresql', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgClusterStore({ db }), db);
});

/** Two nodes: two pools (as two processes have) on one schema. */
async function twoNodes() {
  const a = await openTestPgDatabase({ poolSize: 6 });
  const b = openPgDatabase({ url: TEST_PG_URL, schema: a.schema, poolSize: 6 });
  const sa = await openPgClusterStore({ db: a });
  const sb = await openPgClusterStore({ db: b });
  return { a, b, sa, sb, close: async () => (await a.close(), await b.close()) };
}

test('postgresql: the cluster concern migrates once and reports its level', async () => {
  const n = await twoNodes();
  try {
    assert.equal((await schemaLevels(n.a)).cluster, 1);
  } finally {
    await n.close();
  }
});

test('postgresql: nodes racing for one leader lease: exactly one holds it, the others are refused until it ends', async () => {
  const n = await twoNodes();
  try {
    for (let round = 0; round < 5; round++) {
      const name = `loop-${round}`;
      const holders = Array.from({ length: 12 }, (_, i) => `node-${i}`);
      const won = await Promise.all(holders.map((h, i) => (i % 2 === 0 ? n.sa : n.sb).acquireLeader(name, h, 60_000)));
      assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${JSON.stringify(won)}`);
      const winner = holders[won.indexOf(true)] as string;
      assert.equal((await n.sb.leaders()).leases.find((l) => l.name === name)?.holder, winner);
      assert.equal(await n.sa.acquireLeader(name, 'late', 60_000), false);
      assert.equal(await n.sb.acquireLeader(name, winner, 60_000), true, 'the holder renews from any connection');
    }
  } finally {
    await n.close();
  }
});

test('postgresql: a lease whose holder stopped renewing is taken by another node once it ends (database clock)', async () => {
  const n = await twoNodes();
  try {
    assert.equal(await n.sa.acquireLeader('finisher', 'A', 400), true);
    assert.equal(await n.sb.acquireLeader('finisher', 'B', 400), false, 'A holds it');
    await new Promise((r) => setTimeout(r, 450));
    assert.equal(await n.sb.acquireLeader('finisher', 'B', 400), true, 'A did not renew: B takes over');
    assert.equal(await n.sa.acquireLeader('finisher', 'A', 400), false, 'A, back, finds it taken');
  } finally {
    await n.close();
  }
});

test('postgresql: two nodes taking rate tokens at once never get more than the limit of a window together', async () => {
  const n = await twoNodes();
  try {
    const limit = 25;
    const windowMs = 200;
    const perWindow = new Map<number, number>();
    const deadline = Date.now() + 1500;
    // Each node keeps asking (in parallel, 3 requests in flight each) for batches of 4.
    const worker = async (s: typeof n.sa) => {
      while (Date.now() < deadline) {
        const grant = await s.takeTokens('site:mx.example', windowMs, limit, 4);
        perWindow.set(grant.windowStart, (perWindow.get(grant.windowStart) ?? 0) + grant.granted);
      }
    };
    await Promise.all([worker(n.sa), worker(n.sa), worker(n.sa), worker(n.sb), worker(n.sb), worker(n.sb)]);
    const totals = [...perWindow.values()];
    assert.ok(totals.length >= 5, `several windows seen: ${totals.length}`);
    assert.ok(totals.every((t) => t <= limit), `per window: ${totals.join(' ')}`);
    assert.ok(totals.filter((t) => t === limit).length >= totals.length - 2, `the limit is reached when demand exceeds it: ${totals.join(' ')}`);
  } finally {
    await n.close();
  }
});
