import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { systemClock } from '../core/index.js';
import { silentLogger } from '../log/index.js';
import { openPgDatabase } from '../postgres/index.js';
import type { ClusterStore } from './cluster-store.js';
import { LeaderLoops } from './leader-loops.js';
import { openPgClusterStore } from './pg-cluster-store.js';

const TTL = 800;
const RENEW = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two nodes' leader loops on one schema, each with its own pool; a loop records who runs it and checks nobody else does at once. */
async function twoNodes() {
  const a = await openTestPgDatabase({ poolSize: 4 });
  const b = openPgDatabase({ url: TEST_PG_URL, schema: a.schema, poolSize: 4 });
  const storeA = await openPgClusterStore({ db: a });
  const storeB = await openPgClusterStore({ db: b });
  let running = new Set<string>();
  let overlaps = 0;
  const starts: string[] = [];
  let cut = false; // node A's database connection is "cut"
  const cutA: ClusterStore = { ...storeA, acquireLeader: (...args) => (cut ? Promise.reject(new Error('Connection terminated')) : storeA.acquireLeader(...args)) };
  const loops = (store: ClusterStore, holder: string) => {
    const l = new LeaderLoops({ store, holder, ttlMs: TTL, renewMs: RENEW, clock: systemClock, logger: silentLogger() });
    l.run('finisher', () => ({
      start: () => {
        if (running.size > 0) overlaps++;
        running.add(holder);
        starts.push(holder);
      },
      stop: async () => void running.delete(holder),
    }));
    return l;
  };
  const la = loops(cutA, 'A');
  const lb = loops(storeB, 'B');
  return {
    la, lb, starts,
    overlaps: () => overlaps,
    running: () => [...running],
    cutA: () => void (cut = true),
    close: async () => {
      await la.stop().catch(() => {});
      await lb.stop();
      running = new Set();
      await a.close();
      await b.close();
    },
  };
}

test('leader loops: one node runs the loop; a graceful stop hands it over at the next renewal', async () => {
  const n = await twoNodes();
  try {
    n.la.start();
    await n.la.tick();
    n.lb.start();
    await sleep(3 * RENEW);
    assert.deepEqual(n.running(), ['A']);
    assert.equal(n.la.holds('finisher'), true);
    assert.equal(n.lb.holds('finisher'), false);
    await n.la.stop();
    await sleep(3 * RENEW);
    assert.deepEqual(n.running(), ['B'], 'B took over without waiting for the lease to end');
    assert.deepEqual(n.starts, ['A', 'B']);
    assert.equal(n.overlaps(), 0);
  } finally {
    await n.close();
  }
});

test('leader loops: a holder that cannot reach the database stops its loop before another node starts it', async () => {
  const n = await twoNodes();
  try {
    n.la.start();
    await n.la.tick();
    n.lb.start();
    await sleep(2 * RENEW);
    assert.deepEqual(n.running(), ['A']);
    const cutAt = Date.now();
    n.cutA();
    // A gives up at (ttl - one renewal) after its last good renewal; B can take the lease only after ttl.
    while (!n.lb.holds('finisher') && Date.now() - cutAt < 5 * TTL) await sleep(20);
    const tookMs = Date.now() - cutAt;
    assert.deepEqual(n.running(), ['B']);
    assert.equal(n.overlaps(), 0, 'never two finishers at once');
    assert.ok(tookMs >= TTL - 2 * RENEW && tookMs < TTL + 4 * RENEW, `taken over after ${tookMs} ms (lease ${TTL} ms)`);
  } finally {
    await n.close();
  }
});
