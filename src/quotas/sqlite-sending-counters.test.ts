import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { latestVersion } from '../sqlite/index.js';
import { QUOTAS_SCHEMA } from './counters-migrations.js';
import { sendingCountersContract } from './sending-counters.contract.js';
import { openSqliteSendingCounters } from './sqlite-sending-counters.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-counters-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `c${++n}.db`);

sendingCountersContract('sqlite', async () => {
  const path = freshPath();
  return { store: openSqliteSendingCounters({ path }), reopen: async () => openSqliteSendingCounters({ path }) };
});

test('counting writes nothing until a flush, and a flush writes each changed user once', async () => {
  const path = freshPath();
  const store = openSqliteSendingCounters({ path });
  const peek = () => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT user, hour_messages FROM sending_counters ORDER BY user').all();
    } finally {
      db.close();
    }
  };
  try {
    const t = Date.UTC(2027, 0, 1, 9);
    for (let i = 0; i < 500; i++) store.add(i % 2 ? 'alice' : 'bob', { messages: 1, recipients: 1 }, t + i);
    assert.deepEqual(peek(), []);
    await store.flush();
    assert.deepEqual(peek(), [{ user: 'alice', hour_messages: 250 }, { user: 'bob', hour_messages: 250 }]);
  } finally {
    await store.close();
  }
});

test('the quotas concern migrates its own table and no other concern', async () => {
  const path = freshPath();
  await openSqliteSendingCounters({ path }).close();
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema:quotas'), String(latestVersion(QUOTAS_SCHEMA)));
    assert.equal(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema:queue'), undefined);
  } finally {
    db.close();
  }
});
