import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { latestVersion } from '../sqlite/index.js';
import { openSqliteSuppressionStore } from './sqlite-suppression-store.js';
import { SUPPRESSION_SCHEMA } from './suppression-migrations.js';
import { suppressionStoreContract } from './suppression-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-suppression-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `s${++n}.db`);

suppressionStoreContract('sqlite', async () => openSqliteSuppressionStore({ path: freshPath() }));

test('the suppression concern migrates its own table to its latest level, and no other concern', async () => {
  const path = freshPath();
  await openSqliteSuppressionStore({ path }).close();
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema:suppression'), String(latestVersion(SUPPRESSION_SCHEMA)));
    assert.equal(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema:queue'), undefined);
  } finally {
    db.close();
  }
});
