import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../../test/helpers/pg.js';
import { openPgDatabase, schemaLevels } from '../../postgres/index.js';
import { latestVersion } from '../../sqlite/index.js';
import { apiKeyStoreContract } from './api-key-store.contract.js';
import { ApiKeyStoreError } from './api-key-store.js';
import { openPgApiKeyStore, PG_API_KEYS_SCHEMA } from './pg-api-key-store.js';

apiKeyStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgApiKeyStore({ db }), db);
});

test('two nodes creating, revoking and patching one key at once: one create, one revoke, no lost patch', async () => {
  const a = await openTestPgDatabase();
  const b = openPgDatabase({ url: TEST_PG_URL, schema: a.schema, poolSize: 3 });
  try {
    const [nodeA, nodeB] = [await openPgApiKeyStore({ db: a }), await openPgApiKeyStore({ db: b })];
    const T = 1_800_000_000_000;
    for (let i = 0; i < 25; i++) {
      const key = (id: string) => ({ id, name: `app${i}`, secretHash: Buffer.alloc(32, i), scopes: ['send' as const], domains: [], settings: {}, createdAt: T });
      const created = await Promise.allSettled([nodeA.create(key(`a${i}`)), nodeB.create(key(`b${i}`))]);
      assert.equal(created.filter((r) => r.status === 'fulfilled').length, 1, `round ${i}: one create`);
      const refused = created.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.ok(refused?.reason instanceof ApiKeyStoreError && refused.reason.code === 'exists');
      await Promise.all([nodeA.updateSettings(`app${i}`, { limits: { messagesPerHour: 7 } }), nodeB.updateSettings(`app${i}`, { stream: 'bulk' })]);
      assert.deepEqual((await nodeA.byName(`app${i}`))?.settings, { stream: 'bulk', limits: { messagesPerHour: 7 } });
      const revoked = await Promise.all([nodeA.revoke(`app${i}`, T + 1), nodeB.revoke(`app${i}`, T + 2)]);
      assert.equal(revoked.filter(Boolean).length, 1, `round ${i}: one revoke`);
    }
  } finally {
    await b.close();
    await a.close();
  }
});

test('the last use only moves forward when nodes touch out of order', async () => {
  const db = await openTestPgDatabase();
  const s = closingWith(await openPgApiKeyStore({ db }), db);
  try {
    await s.create({ id: 'id1', name: 'app', secretHash: Buffer.alloc(32), scopes: ['send'], domains: [], settings: {}, createdAt: 1 });
    await s.touch('id1', 200);
    await s.touch('id1', 100);
    assert.equal((await s.byId('id1'))?.lastUsedAt, 200);
  } finally {
    await s.close();
  }
});

test('the apikeys concern migrates its own tables to its latest level, once however many nodes open it', async () => {
  const db = await openTestPgDatabase({ poolSize: 4 });
  try {
    await Promise.all([openPgApiKeyStore({ db }), openPgApiKeyStore({ db }), openPgApiKeyStore({ db })]);
    assert.deepEqual(await schemaLevels(db), { 'apikeys': latestVersion(PG_API_KEYS_SCHEMA) });
  } finally {
    await db.close();
  }
});
