import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { queueStoreContract } from '../store.contract.js';
import { queueEventsContract } from '../store-events.contract.js';
import { queueSelectionContract } from '../store-selection.contract.js';
import { EVENTS_SCHEMA } from '../../events/index.js';
import { latestVersion } from '../../sqlite/index.js';
import { USERS_SCHEMA } from '../../users/sqlite-migrations.js';
import { QUEUE_SCHEMA } from './migrations.js';
import { openSqliteQueueStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `q${++n}.db`);

queueStoreContract('sqlite', () => openSqliteQueueStore({ path: freshPath() }));

test('the database is in WAL mode, the queue and its events at their latest levels, with versioned rows', async () => {
  const path = freshPath();
  const store = await openSqliteQueueStore({ path });
  await store.close();
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const level = (name: string): unknown => db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(`schema:${name}`);
    assert.equal(level('queue'), String(latestVersion(QUEUE_SCHEMA)));
    assert.equal(level('events'), String(latestVersion(EVENTS_SCHEMA)));
    assert.equal(level('users'), undefined, 'the users concern migrates its own tables, in the user store');
    for (const table of ['messages', 'recipients', 'events']) {
      const cols = (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
      assert.ok(cols.includes('schema_version'), `${table} has schema_version`);
    }
  } finally {
    db.close();
  }
});

test('a database of the old single level 2 keeps its queue and recipients, and new rows are numbered past the old ones', async () => {
  const path = freshPath();
  const old = new Database(path);
  old.pragma('journal_mode = WAL');
  old.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
  // Level 2 of the single level the whole file once had: the queue, then the users table.
  old.exec(QUEUE_SCHEMA.migrations[0]?.sql ?? '');
  old.exec(USERS_SCHEMA.migrations[0]?.sql ?? '');
  old.exec("INSERT INTO meta VALUES ('migration_level', '2')");
  old.exec(`INSERT INTO messages (id, sender, params, origin, size, received_at, expires_at, schema_version, body)
    VALUES ('0000000000OLDLEVEL02', 'a@b.test', '{}', '{"kind":"local"}', 1, 1, 9e15, 1, x'78')`);
  old.exec(`INSERT INTO recipients (row_id, queue_id, local, domain, status, next_attempt_at, updated_at, schema_version)
    VALUES (41, '0000000000OLDLEVEL02', 'c', 'd.test', 'pending', 1, 1, 1)`);
  old.close();
  const store = await openSqliteQueueStore({ path });
  try {
    const kept = await store.getMessage('0000000000OLDLEVEL02' as never);
    assert.deepEqual(kept?.recipients.map((r) => [r.rowId, r.status]), [[41, 'pending']]);
    const claimed = await store.claimDue({ now: 2, limit: 10, leaseMs: 1000, owner: 'o' });
    assert.deepEqual(claimed.flatMap((c) => c.recipients.map((r) => r.rowId)), [41], 'the pending counter survived the rebuild');
    const { removed } = await store.recordOutcomes([{ rowId: 41, kind: 'delivered' }], { owner: 'o', now: 3 });
    assert.equal(removed.length, 1);
    const next = await store.enqueueClaimed(
      {
        id: '0000000000NEWLEVEL03' as never,
        envelope: { mailFrom: null, recipients: [{ address: { local: 'e', domain: 'f.test' } }], params: {} },
        origin: { kind: 'local' },
        message: Buffer.from('y'),
        receivedAt: 4,
        expiresAt: 9e15,
      },
      { owner: 'o', leaseMs: 1000 },
    );
    assert.ok((next.recipients[0]?.rowId ?? 0) > 41);
  } finally {
    await store.close();
  }
});

test('reopening keeps messages; mustExist refuses a missing file', async () => {
  const path = freshPath();
  await assert.rejects(openSqliteQueueStore({ path, mustExist: true }), /No queue database/);
  const a = await openSqliteQueueStore({ path });
  const id = await a.enqueue({
    id: '0000000000AAAAAAAAAA' as never,
    envelope: { mailFrom: null, recipients: [{ address: { local: 'a', domain: 'b.test' } }], params: {} },
    origin: { kind: 'local' },
    message: Buffer.from('x'),
    receivedAt: 1,
    expiresAt: 2,
  });
  await a.close();
  await assert.rejects(a.enqueue({} as never), /closed/);
  const b = await openSqliteQueueStore({ path, mustExist: true });
  assert.equal((await b.getMessage(id))?.recipients.length, 1);
  await b.close();
});

test('a body in shared memory (as intake makes it) is stored byte for byte, and stays readable by the sender', async () => {
  const store = await openSqliteQueueStore({ path: freshPath() });
  const text = Buffer.from('Subject: shared\r\n\r\n' + 'x'.repeat(20000) + '\r\n');
  const shared = Buffer.from(new SharedArrayBuffer(text.length));
  text.copy(shared);
  const id = await store.enqueue({
    id: '0000000000SHAREDBODY' as never,
    envelope: { mailFrom: null, recipients: [{ address: { local: 'a', domain: 'b.test' } }], params: {} },
    origin: { kind: 'local' },
    message: shared,
    receivedAt: 1,
    expiresAt: 2,
  });
  assert.deepEqual(await store.readBody(id), text);
  assert.deepEqual(shared, text, 'shared, not transferred: the delivery engine still reads it');
  await store.close();
});

test('the writer thread starts under process-wide V8 flags, which new Worker refuses', async () => {
  const script = `
    const { openSqliteQueueStore } = await import(${JSON.stringify(new URL('./sqlite-store.js', import.meta.url).href)});
    const s = await openSqliteQueueStore({ path: process.argv[1] });
    await s.close();
    console.log('opened');`;
  const child = spawn(process.execPath, ['--max-semi-space-size=32', '--input-type=module', '-e', script, freshPath()], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, out);
  assert.match(out, /opened/);
});

// The child enqueues with many requests in flight (so group commits are in
// progress) and prints each queue id only after its enqueue resolved.
const CHILD = `
import { openSqliteQueueStore } from ${JSON.stringify(new URL('./sqlite-store.js', import.meta.url).href)};
import { newQueueId, systemClock } from ${JSON.stringify(new URL('../../core/index.js', import.meta.url).href)};
const store = await openSqliteQueueStore({ path: process.argv[1] });
let i = 0;
async function one() {
  const k = i++;
  const id = newQueueId(systemClock);
  const rcpts = Array.from({ length: 1 + (k % 4) }, (_, j) => ({ address: { local: 'r' + j, domain: 'kill.test' } }));
  const size = 500 + ((k * 7919) % 60000);
  await store.enqueue({ id, envelope: { mailFrom: { local: 's' + k, domain: 'kill.test' }, recipients: rcpts, params: {} },
    origin: { kind: 'local' }, message: Buffer.alloc(size, k % 251), receivedAt: Date.now(), expiresAt: Date.now() + 1e6 });
  process.stdout.write(id + ' ' + rcpts.length + ' ' + size + '\\n');
}
for (;;) await Promise.all(Array.from({ length: 16 }, one));
`;

test('after kill -9 during enqueues every acknowledged message is complete and no message is partial', { timeout: 60_000 }, async () => {
  for (let round = 0; round < 3; round++) {
    const path = freshPath();
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
    // Kill at a random moment after it has acknowledged some work.
    const started = Date.now();
    while (out.split('\n').length < 50 && Date.now() - started < 20_000 && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 300)));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', `child died by itself: ${err}`);

    const acked = out.split('\n').filter((l) => l.endsWith(' ') === false && l.split(' ').length === 3);
    assert.ok(acked.length >= 50, `the child acknowledged ${acked.length} messages`);
    const db = new Database(path, { readonly: true });
    try {
      const get = db.prepare('SELECT length(body) AS len, size, (SELECT COUNT(*) FROM recipients r WHERE r.queue_id = m.id) AS rcpts FROM messages m WHERE id = ?');
      for (const line of acked) {
        const [id, rcpts, size] = line.split(' ');
        const row = get.get(id) as { len: number; size: number; rcpts: number } | undefined;
        assert.ok(row, `acknowledged message ${id} survived`);
        assert.equal(row.len, Number(size));
        assert.equal(row.size, Number(size));
        assert.equal(row.rcpts, Number(rcpts));
      }
      const orphans = db.prepare('SELECT COUNT(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM recipients r WHERE r.queue_id = m.id)').pluck().get();
      assert.equal(orphans, 0, 'no message without recipients');
      const bad = db
        .prepare("SELECT COUNT(*) FROM messages m WHERE (SELECT COUNT(*) FROM recipients r WHERE r.queue_id = m.id) <> 1 + (CAST(substr(sender, 2, instr(sender, '@') - 2) AS INTEGER) % 4)")
        .pluck()
        .get();
      assert.equal(bad, 0, 'every stored message has all its recipients');
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  }
});

queueEventsContract('sqlite', (bus) => openSqliteQueueStore({ path: freshPath(), bus }));
queueSelectionContract('sqlite', () => openSqliteQueueStore({ path: freshPath() }));
