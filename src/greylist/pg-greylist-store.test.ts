import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { openPgDatabase, schemaLevels } from '../postgres/index.js';
import { latestVersion } from '../sqlite/index.js';
import { decideGreylist } from './greylist.js';
import { greylistStoreContract } from './greylist-store.contract.js';
import type { GreylistStore } from './greylist-store.js';
import { openPgGreylistStore, PG_GREYLIST_SCHEMA } from './pg-greylist-store.js';

greylistStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgGreylistStore({ db }), db);
});

const T = 1_800_000_000_000;
const MIN = 60_000;
const NET = '192.0.2.0/24';
const rules = { delay: 5 * MIN, retryWindow: 4 * 3600_000, allowlistAfter: 0, allowlistFor: 36 * 86_400_000 };

async function twoNodes(fn: (a: GreylistStore, b: GreylistStore) => Promise<void>): Promise<void> {
  const dbA = await openTestPgDatabase({ poolSize: 4 });
  const dbB = openPgDatabase({ url: TEST_PG_URL, schema: dbA.schema, poolSize: 4 });
  try {
    await fn(await openPgGreylistStore({ db: dbA }), await openPgGreylistStore({ db: dbB }));
  } finally {
    await dbB.close();
    await dbA.close();
  }
}

/** What the greylist check does on one node: read, decide, write with the state it decided on. */
async function judge(s: GreylistStore, key: string, now: number, seen?: Awaited<ReturnType<GreylistStore['read']>>) {
  const state = seen ?? (await s.read(key, NET));
  const decision = decideGreylist(now, rules, state);
  if (decision.change) await s.write(key, NET, decision.change, state);
  return decision;
}

test('the first node to see a triplet decides its first-seen; a node that saw it absent too changes nothing', () =>
  twoNodes(async (a, b) => {
    const key = `${NET} x@s.test y@r.test`;
    const seenByB = await b.read(key, NET);
    assert.equal((await judge(a, key, T)).why, 'new');
    // B read before A wrote, and decides later: its "new" must not push the first-seen forward.
    assert.equal((await judge(b, key, T + 2 * MIN, seenByB)).why, 'new');
    assert.equal((await a.read(key, NET)).triplet?.firstSeen, T);
    // So the client that retries after the delay counted from its first try passes, on either node.
    assert.equal((await judge(b, key, T + 5 * MIN)).why, 'retried');
  }));

test('a stale "new" from one node does not undo the pass another node recorded', () =>
  twoNodes(async (a, b) => {
    const key = `${NET} p@s.test q@r.test`;
    await judge(a, key, T);
    const stale = await b.read(key, NET);
    assert.equal((await judge(a, key, T + 10 * MIN)).why, 'retried');
    // B decides on the old waiting state long after it expired: "new", which must lose to A's pass.
    assert.equal((await judge(b, key, T + 5 * 3600_000, stale)).why, 'new');
    assert.equal((await b.read(key, NET)).triplet?.passedAt, T + 10 * MIN);
  }));

test('passes of one network recorded by two nodes at once all count, 50 times over', () =>
  twoNodes(async (a, b) => {
    for (let i = 0; i < 50; i++) {
      const net = `198.51.${i}.0/24`;
      const keys = [`${net} a@s b@r`, `${net} c@s d@r`];
      for (const k of keys) await a.write(k, net, { triplet: { firstSeen: T, lastSeen: T } });
      // Each node passes a different triplet of the network, both having read passes = 0.
      const states = await Promise.all(keys.map((k) => a.read(k, net)));
      await Promise.all(
        keys.map((k, j) => {
          const d = decideGreylist(T + 10 * MIN, rules, states[j] ?? {});
          return (j === 0 ? a : b).write(k, net, d.change ?? {}, states[j]);
        }),
      );
      assert.equal((await b.read('x', net)).network?.passes, 2, `round ${i}`);
    }
  }));

test('two nodes seeing one new triplet at once store one first-seen, one of theirs, 50 times over', () =>
  twoNodes(async (a, b) => {
    for (let i = 0; i < 50; i++) {
      const key = `${NET} r${i}@s.test t@r.test`;
      const decisions = await Promise.all([judge(a, key, T + i), judge(b, key, T + i + 1)]);
      assert.ok(decisions.every((d) => !d.pass), `round ${i}: a new triplet is deferred on both nodes`);
      const first = (await a.read(key, NET)).triplet?.firstSeen;
      assert.ok(first === T + i || first === T + i + 1, `round ${i}: ${first}`);
    }
  }));

test('the greylist concern migrates its own tables to its latest level, once however many nodes open it', async () => {
  const db = await openTestPgDatabase({ poolSize: 4 });
  try {
    await Promise.all([openPgGreylistStore({ db }), openPgGreylistStore({ db }), openPgGreylistStore({ db })]);
    assert.deepEqual(await schemaLevels(db), { 'greylist': latestVersion(PG_GREYLIST_SCHEMA) });
  } finally {
    await db.close();
  }
});
