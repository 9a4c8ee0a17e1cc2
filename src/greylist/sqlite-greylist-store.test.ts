import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { latestVersion } from '../sqlite/index.js';
import { GREYLIST_SCHEMA } from './greylist-migrations.js';
import { greylistStoreContract } from './greylist-store.contract.js';
import { openSqliteGreylistStore } from './sqlite-greylist-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-greylist-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `g${++n}.db`);

greylistStoreContract('sqlite', async () => openSqliteGreylistStore({ path: freshPath() }));

test('the greylist concern migrates its own tables to its latest level, and no other concern', async () => {
  const path = freshPath();
  await openSqliteGreylistStore({ path }).close();
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema:greylist'), String(latestVersion(GREYLIST_SCHEMA)));
    assert.equal(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema:queue'), undefined);
  } finally {
    db.close();
  }
});

test('greylisting state survives closing and opening the file again (a restart does not greylist everyone anew)', async () => {
  const path = freshPath();
  const a = openSqliteGreylistStore({ path });
  await a.write('k', 'n', { triplet: { firstSeen: 1, lastSeen: 1 } });
  await a.close();
  const b = openSqliteGreylistStore({ path });
  assert.deepEqual(await b.read('k', 'n'), { triplet: { firstSeen: 1, lastSeen: 1 } });
  await b.close();
});
