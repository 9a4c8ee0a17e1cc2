import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { latestVersion } from '../sqlite/index.js';
import { dkimKeyStoreContract } from './dkim-key-store.contract.js';
import { DKIM_KEYS_SCHEMA } from './dkim-migrations.js';
import { openSqliteDkimKeyStore } from './sqlite-dkim-key-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-dkim-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `k${++n}.db`);

dkimKeyStoreContract('sqlite', async () => openSqliteDkimKeyStore({ path: freshPath() }));

test('the dkim keys concern migrates its own table to its latest level, with versioned rows', async () => {
  const path = freshPath();
  await openSqliteDkimKeyStore({ path }).close();
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema:dkim-keys'), String(latestVersion(DKIM_KEYS_SCHEMA)));
    const cols = (db.pragma('table_info(dkim_keys)') as { name: string }[]).map((c) => c.name);
    assert.ok(cols.includes('schema_version'));
    assert.equal(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema:queue'), undefined, 'no other concern is touched');
  } finally {
    db.close();
  }
});

test('keys survive closing and reopening the file', async () => {
  const path = freshPath();
  const a = openSqliteDkimKeyStore({ path });
  await a.add({ domain: 'example.com', selector: 's1', algorithm: 'ed25519', publicKey: 'p', sealedKey: Buffer.from([9]), createdAt: 1 });
  await a.close();
  const b = openSqliteDkimKeyStore({ path });
  try {
    assert.deepEqual((await b.list()).map((k) => k.selector), ['s1']);
  } finally {
    await b.close();
  }
});
