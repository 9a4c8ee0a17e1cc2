import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { openPgDatabase, schemaLevels } from '../postgres/index.js';
import { latestVersion } from '../sqlite/index.js';
import { openPgUserStore, PG_USERS_SCHEMA } from './pg-user-store.js';
import { userStoreContract } from './user-store.contract.js';

userStoreContract('postgres', async (clock) => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgUserStore({ db, ...(clock ? { clock } : {}) }), db);
});

test('two nodes patching one user at once: neither patch is lost (row lock on the read-modify-write)', async () => {
  const a = await openTestPgDatabase();
  const b = openPgDatabase({ url: TEST_PG_URL, schema: a.schema, poolSize: 3 });
  try {
    const nodeA = await openPgUserStore({ db: a });
    const nodeB = await openPgUserStore({ db: b });
    await nodeA.addUser('shop', 'pw', ['shop.test']);
    const limits = ['messagesPerHour', 'messagesPerDay', 'recipientsPerMessage', 'recipientsPerDay'] as const;
    for (let round = 1; round <= 10; round++) {
      // Each node sets two different limits at once: all four must be there afterwards.
      await Promise.all(limits.map((l, i) => (i % 2 === 0 ? nodeA : nodeB).updateSettings('shop', { limits: { [l]: round } })));
      assert.deepEqual((await nodeB.getUser('shop'))?.settings.limits, { messagesPerHour: round, messagesPerDay: round, recipientsPerMessage: round, recipientsPerDay: round });
    }
  } finally {
    await b.close();
    await a.close();
  }
});

test('the users concern migrates its own tables to its latest level, once however many nodes open it', async () => {
  const db = await openTestPgDatabase({ poolSize: 4 });
  try {
    await Promise.all([openPgUserStore({ db }), openPgUserStore({ db }), openPgUserStore({ db })]);
    assert.deepEqual(await schemaLevels(db), { 'users': latestVersion(PG_USERS_SCHEMA) });
  } finally {
    await db.close();
  }
});
