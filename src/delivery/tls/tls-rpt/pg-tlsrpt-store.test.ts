import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestPgDatabase, TEST_PG_URL } from '../../../../test/helpers/pg.js';
import { openPgDatabase, schemaLevels } from '../../../postgres/index.js';
import { latestVersion } from '../../../sqlite/index.js';
import { PG_TLSRPT_SCHEMA } from './tlsrpt-migrations.js';
import { tlsRptStoreContract } from './tlsrpt-store.contract.js';
import { openPgTlsRptStore } from './pg-tlsrpt-store.js';

// Two pools on one schema: two nodes of a cluster.
tlsRptStoreContract('postgres', async () => {
  const dbA = await openTestPgDatabase({ poolSize: 4 });
  const dbB = openPgDatabase({ url: TEST_PG_URL, schema: dbA.schema, poolSize: 4 });
  const a = await openPgTlsRptStore({ db: dbA });
  const b = await openPgTlsRptStore({ db: dbB });
  return { a, b, close: async () => (await dbB.close(), await dbA.close()) };
});

test('the tlsrpt concern migrates its tables once however many nodes open it', async () => {
  const db = await openTestPgDatabase({ poolSize: 4 });
  try {
    await Promise.all([openPgTlsRptStore({ db }), openPgTlsRptStore({ db }), openPgTlsRptStore({ db })]);
    assert.deepEqual(await schemaLevels(db), { tlsrpt: latestVersion(PG_TLSRPT_SCHEMA) });
  } finally {
    await db.close();
  }
});
