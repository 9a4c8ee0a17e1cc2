import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { memoryEventStore } from '../../test/helpers/memory-events.js';
import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { openPgDatabase, schemaLevels } from '../postgres/index.js';
import { latestVersion } from '../sqlite/index.js';
import { PG_SUPPRESSION_SCHEMA } from './pg-suppression-migrations.js';
import { openPgSuppressionStore } from './pg-suppression-store.js';
import { openSqliteSuppressionStore } from './sqlite-suppression-store.js';
import { exportCsv, importCsvStream } from './suppression-csv.js';
import { Suppressions } from './suppressions.js';
import type { NewSuppression } from './suppression-store.js';
import { suppressionStoreContract } from './suppression-store.contract.js';

suppressionStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgSuppressionStore({ db }), db);
});

const T = 1_800_000_000_000;

test('the suppression concern migrates its own table to its latest level, and no other concern', async () => {
  const db = await openTestPgDatabase();
  try {
    await openPgSuppressionStore({ db });
    assert.deepEqual(await schemaLevels(db), { suppression: latestVersion(PG_SUPPRESSION_SCHEMA) });
  } finally {
    await db.close();
  }
});

test('an import repeating an address keeps the last entry given, as SQLite does', async () => {
  const db = await openTestPgDatabase();
  const s = closingWith(await openPgSuppressionStore({ db }), db);
  try {
    const n = await s.add([
      { address: 'A@x.test', reason: 'manual', createdAt: T },
      { address: 'b@x.test', reason: 'manual', createdAt: T },
      { address: 'a@X.test', reason: 'complaint', source: 'later', createdAt: T + 1 },
    ]);
    assert.equal(n, 3);
    assert.deepEqual(await s.list({ limit: 10 }), [
      { address: 'a@x.test', reason: 'complaint', source: 'later', createdAt: T + 1 },
      { address: 'b@x.test', reason: 'manual', createdAt: T },
    ]);
  } finally {
    await s.close();
  }
});

test('two nodes importing overlapping lists at once neither deadlock nor lose rows', async () => {
  const a = await openTestPgDatabase({ poolSize: 2 });
  // A second pool on the same schema: another node.
  const b = openPgDatabase({ url: TEST_PG_URL, schema: a.schema, poolSize: 2 });
  try {
    const sa = await openPgSuppressionStore({ db: a });
    const sb = await openPgSuppressionStore({ db: b });
    const list = (from: number, to: number, reason: NewSuppression['reason']): NewSuppression[] =>
      Array.from({ length: to - from }, (_, i) => ({ address: `u${from + i}@x.test`, reason, createdAt: T }));
    // Reversed on one side: without ordered locking this is the classic deadlock of two bulk upserts.
    for (let round = 0; round < 5; round++) {
      await Promise.all([sa.add(list(0, 8_000, 'manual')), sb.add(list(4_000, 12_000, 'complaint').reverse())]);
    }
    assert.equal(await sa.count(), 12_000);
    assert.equal((await sb.list({ limit: 20_000, reason: 'manual' })).length + (await sb.list({ limit: 20_000, reason: 'complaint' })).length, 12_000);
  } finally {
    await b.close();
    await a.close();
  }
});

test('a CSV imported in batches exports the very same bytes from PostgreSQL as from SQLite (order, case, scopes)', async () => {
  const db = await openTestPgDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'baton-suppression-pg-'));
  const onPg = closingWith(await openPgSuppressionStore({ db }), db);
  const onSqlite = openSqliteSuppressionStore({ path: join(dir, 's.db') });
  try {
    // Mixed case, "_" and "-" and digits (whose byte order differs from a locale's), two scopes, more rows than one import batch or export page.
    const lines = ['address,domain,reason,expires'];
    for (let i = 0; i < 12_000; i++) lines.push(`${i % 3 ? 'User' : 'user'}_${i % 97}-${i}@Example${i % 5}.test,${i % 4 ? '' : 'Brand.example'},${i % 2 ? 'manual' : 'complaint'},`);
    lines.push('Z@x.test,,manual,', 'a@x.test,,manual,', '_@x.test,,manual,', 'A-b@x.test,,unsubscribe,');
    const csv = lines.join('\n');
    const exported: string[] = [];
    for (const store of [onSqlite, onPg]) {
      const service = new Suppressions(store, memoryEventStore(), { now: () => T });
      const report = await importCsvStream(Readable.from([csv]), service, { reason: 'manual', source: 'csv:test', now: T });
      assert.equal(report.imported, 12_004);
      const chunks: Buffer[] = [];
      const sink = new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) });
      assert.equal(await exportCsv(store, sink, () => undefined), 12_004);
      exported.push(Buffer.concat(chunks).toString());
    }
    assert.equal(exported[1], exported[0]);
  } finally {
    await onSqlite.close();
    await onPg.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
