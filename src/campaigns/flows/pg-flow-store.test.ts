import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestPgDatabase, TEST_PG_URL } from '../../../test/helpers/pg.js';
import { openPgDatabase, schemaLevels } from '../../postgres/index.js';
import { latestVersion } from '../../sqlite/index.js';
import { flowStoreContract } from './flow-store.contract.js';
import { PG_FLOWS_SCHEMA } from './pg-flow-migrations.js';
import { openPgFlowStore } from './pg-flow-store.js';
import { pgFlowFixture } from './test-fixtures.js';

flowStoreContract('postgres', async () => pgFlowFixture(await openTestPgDatabase()));

test('the flows concern migrates its own tables to its latest level', async () => {
  const db = await openTestPgDatabase();
  try {
    await openPgFlowStore({ db });
    assert.deepEqual(await schemaLevels(db), { flows: latestVersion(PG_FLOWS_SCHEMA) });
  } finally {
    await db.close();
  }
});

test('runners on two nodes (two pools, one database) racing for due runs never claim the same run', async () => {
  const a = await openTestPgDatabase({ poolSize: 4 });
  const b = openPgDatabase({ url: TEST_PG_URL, schema: a.schema, poolSize: 4 });
  const fx = await pgFlowFixture(a);
  try {
    const onB = await openPgFlowStore({ db: b });
    const f = await fx.store.create({ name: 'f', trigger: { type: 'event', name: 'e' }, steps: [{ type: 'exit' }], active: true, apiKey: 'k' }, 0);
    for (let i = 0; i < 200; i++) await fx.store.enroll(f.id, await fx.addContact(`c${i}@x.test`), i);
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? onB : fx.store).claimDue(1000, 30, 60_000)));
    const ids = claims.flat().map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'no run claimed twice');
    assert.equal(ids.length, 200);
  } finally {
    await b.close();
    await fx.close();
  }
});
