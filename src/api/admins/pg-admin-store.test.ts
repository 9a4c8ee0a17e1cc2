import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../../test/helpers/pg.js';
import { openPgDatabase, type PgDatabase, schemaLevels } from '../../postgres/index.js';
import { latestVersion } from '../../sqlite/index.js';
import { adminStoreContract } from './admin-store.contract.js';
import { openPgAdminStore, PG_ADMINS_SCHEMA } from './pg-admin-store.js';

/** Another node: its own pool on the same schema. */
const otherNode = (db: PgDatabase): PgDatabase => openPgDatabase({ url: TEST_PG_URL, schema: db.schema, poolSize: 5 });

adminStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  const store = closingWith(await openPgAdminStore({ db }), db);
  return {
    store,
    reopen: async () => {
      const again = otherNode(db);
      return closingWith(await openPgAdminStore({ db: again }), again);
    },
  };
});

test('two nodes recording failed logins at once lose none: the max-th failure locks, exactly once', async () => {
  const a = await openTestPgDatabase({ poolSize: 5 });
  const b = otherNode(a);
  try {
    const [nodeA, nodeB] = [await openPgAdminStore({ db: a }), await openPgAdminStore({ db: b })];
    const T = 1_800_000_000_000;
    const W = 15 * 60_000;
    const MAX = 10;
    for (let round = 0; round < 10; round++) {
      const name = `ops${round}`;
      await nodeA.create(name, 'h', T);
      // MAX failures at once, spread over both nodes: only counting every one of them reaches MAX.
      const locks = await Promise.all(Array.from({ length: MAX }, (_, i) => (i % 2 === 0 ? nodeA : nodeB).failed(name, T + i, MAX, W)));
      assert.equal(locks.filter((l) => l !== undefined).length, 1, `round ${round}: one failure reports the lock, got ${JSON.stringify(locks)}`);
      assert.ok((await nodeB.get(name))?.lockedUntil, `round ${round}: locked`);
    }
  } finally {
    await b.close();
    await a.close();
  }
});

test('a session made on one node is good on the other, and slides only forward', async () => {
  const a = await openTestPgDatabase();
  const b = otherNode(a);
  try {
    const [nodeA, nodeB] = [await openPgAdminStore({ db: a }), await openPgAdminStore({ db: b })];
    await nodeA.create('ops', 'h', 1);
    const id = Buffer.alloc(32, 5);
    await nodeA.createSession({ idHash: id, admin: 'ops', csrfToken: 'c', createdAt: 10, lastSeenAt: 10, expiresAt: 100, ip: '::1', userAgent: 'ua' });
    await Promise.all([nodeA.touchSession(id, 30, 300), nodeB.touchSession(id, 20, 200)]);
    const seen = await nodeB.session(id);
    assert.deepEqual([seen?.lastSeenAt, seen?.expiresAt], [30, 300]);
    assert.equal(await nodeB.deleteSession(id), true);
    assert.equal(await nodeA.session(id), undefined);
  } finally {
    await b.close();
    await a.close();
  }
});

test('the admins concern migrates its own tables to its latest level, once however many nodes open it', async () => {
  const db = await openTestPgDatabase({ poolSize: 4 });
  try {
    await Promise.all([openPgAdminStore({ db }), openPgAdminStore({ db }), openPgAdminStore({ db })]);
    assert.deepEqual(await schemaLevels(db), { 'admins': latestVersion(PG_ADMINS_SCHEMA) });
  } finally {
    await db.close();
  }
});
