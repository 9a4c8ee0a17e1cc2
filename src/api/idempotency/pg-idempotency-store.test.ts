import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../../test/helpers/pg.js';
import { openPgDatabase, schemaLevels } from '../../postgres/index.js';
import { latestVersion } from '../../sqlite/index.js';
import { idempotencyStoreContract } from './idempotency-store.contract.js';
import type { IdempotencyStore, NewReservation } from './idempotency-store.js';
import { openPgIdempotencyStore, PG_IDEMPOTENCY_SCHEMA } from './pg-idempotency-store.js';

idempotencyStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgIdempotencyStore({ db }), db);
});

const T = 1_800_000_000_000;
const DAY = 86_400_000;
const res = (key: string, node: string, expiresAt = T + DAY): NewReservation => ({ owner: 'shop', key, requestHash: 'h', queueId: `Q-${node}`, holder: node, createdAt: T, expiresAt });

/** Two nodes (two pools on one schema) and the stores on them. */
async function twoNodes(fn: (a: IdempotencyStore, b: IdempotencyStore) => Promise<void>): Promise<void> {
  const dbA = await openTestPgDatabase({ poolSize: 4 });
  const dbB = openPgDatabase({ url: TEST_PG_URL, schema: dbA.schema, poolSize: 4 });
  try {
    await fn(await openPgIdempotencyStore({ db: dbA }), await openPgIdempotencyStore({ db: dbB }));
  } finally {
    await dbB.close();
    await dbA.close();
  }
}

test('two nodes receiving one Idempotency-Key at once: exactly one reserves, 50 times over', () =>
  twoNodes(async (a, b) => {
    for (let i = 0; i < 50; i++) {
      const [ra, rb] = await Promise.all([a.reserve(res(`k${i}`, 'A'), T), b.reserve(res(`k${i}`, 'B'), T)]);
      assert.equal(Number(ra.reserved) + Number(rb.reserved), 1, `round ${i}: one reservation`);
      const loser = ra.reserved ? rb : ra;
      const winner = ra.reserved ? 'A' : 'B';
      assert.ok(!loser.reserved && loser.existing.holder === winner && loser.existing.queueId === `Q-${winner}`, `round ${i}: the loser sees the winner's row`);
    }
  }));

test('two nodes renewing one expired key at once: exactly one takes it, 50 times over', () =>
  twoNodes(async (a, b) => {
    for (let i = 0; i < 50; i++) {
      await a.reserve(res(`e${i}`, 'old', T + 10), T);
      await a.complete('shop', `e${i}`, { status: 202, body: '{}', contentType: 'application/json' });
      const [ra, rb] = await Promise.all([a.reserve(res(`e${i}`, 'A'), T + 10), b.reserve(res(`e${i}`, 'B'), T + 10)]);
      assert.equal(Number(ra.reserved) + Number(rb.reserved), 1, `round ${i}: one renewal`);
      const loser = ra.reserved ? rb : ra;
      assert.ok(!loser.reserved && loser.existing.state === 'pending' && loser.existing.answer === undefined, `round ${i}: the old answer is gone`);
    }
  }));

test('two nodes taking over one dead holder\'s reservation at once: one does', () =>
  twoNodes(async (a, b) => {
    for (let i = 0; i < 20; i++) {
      await a.reserve(res(`t${i}`, 'dead'), T);
      const moved = await Promise.all([a.takeOver('shop', `t${i}`, 'dead', 'A'), b.takeOver('shop', `t${i}`, 'dead', 'B')]);
      assert.equal(moved.filter(Boolean).length, 1, `round ${i}`);
    }
  }));

test('the idempotency concern migrates its own tables to its latest level, once however many nodes open it', async () => {
  const db = await openTestPgDatabase({ poolSize: 4 });
  try {
    await Promise.all([openPgIdempotencyStore({ db }), openPgIdempotencyStore({ db }), openPgIdempotencyStore({ db })]);
    assert.deepEqual(await schemaLevels(db), { 'idempotency': latestVersion(PG_IDEMPOTENCY_SCHEMA) });
  } finally {
    await db.close();
  }
});
