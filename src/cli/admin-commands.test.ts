import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { runCli, type CliResult } from '../../test/helpers/run-cli.js';
import { openSqliteAdminStore } from '../api/admins/index.js';
import { verifyHash } from '../users/password.js';
import { registerAdminCommands } from './admin-commands.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-acli-'));
const path = join(dir, 'queue.db');
after(() => rmSync(dir, { recursive: true, force: true }));
const T = 1_800_000_000_000;
const clock = { now: () => T };

function baton(stdin: string, ...args: string[]): Promise<CliResult> {
  return runCli((program, out) => registerAdminCommands(program, { openAdmins: async () => openSqliteAdminStore({ path }), input: Readable.from([stdin]), out, clock }), args);
}

async function withStore<R>(fn: (s: ReturnType<typeof openSqliteAdminStore>) => Promise<R>): Promise<R> {
  const s = openSqliteAdminStore({ path });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

const session = (n: number, admin: string) => ({ idHash: Buffer.alloc(32, n), admin, csrfToken: 't', createdAt: T, lastSeenAt: T, expiresAt: T + 60_000, ip: '192.0.2.7', userAgent: 'Firefox' });

test('admin create reads the password from the first line of a pipe and keeps only a scrypt hash', async () => {
  const r = await baton('correct horse battery staple\nsecond line\n', 'admin', 'create', 'ops');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^admin ops created/);
  const a = await withStore((s) => s.get('ops'));
  assert.match(a?.passwordHash ?? '', /^scrypt\$/);
  assert.equal(await verifyHash('correct horse battery staple', a?.passwordHash ?? ''), true);
});

test('admin create refuses a taken name, a bad name, a short or missing password (exit 1, one line why)', async () => {
  const dup = await baton('another long password\n', 'admin', 'create', 'ops');
  assert.equal(dup.code, 1);
  assert.match(dup.err, /admin ops already exists.*baton admin passwd ops/);
  const bad = await baton('another long password\n', 'admin', 'create', 'no spaces please');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /not a valid admin name/);
  const short = await baton('short\n', 'admin', 'create', 'bob');
  assert.equal(short.code, 1);
  assert.match(short.err, /at least 10 characters/);
  const none = await baton('', 'admin', 'create', 'bob');
  assert.equal(none.code, 1);
  assert.match(none.err, /no password on standard input/);
});

test('admin list shows last login, live sessions and lock state, as a table and as JSON', async () => {
  await withStore(async (s) => {
    await s.createSession(session(1, 'ops'));
    await s.createSession({ ...session(2, 'ops'), expiresAt: T - 1 });
    await s.failed('ops', T, 1, 60_000);
  });
  const table = await baton('', 'admin', 'list');
  assert.match(table.out, /^NAME\s+CREATED\s+LAST LOGIN\s+SESSIONS\s+STATE\nops\s+\S+\s+never\s+1\s+locked until 2027-01-15T08:01:00\.000Z\n$/);
  const [ops] = JSON.parse((await baton('', 'admin', 'list', '--json')).out) as Record<string, any>[];
  assert.equal(ops?.lockedUntil, new Date(T + 60_000).toISOString());
  assert.deepEqual(ops?.sessions, [{ createdAt: new Date(T).toISOString(), lastSeenAt: new Date(T).toISOString(), expiresAt: new Date(T + 60_000).toISOString(), ip: '192.0.2.7', userAgent: 'Firefox' }]);
  assert.equal(JSON.stringify(ops).includes('scrypt'), false);
});

test('admin unlock lifts the lock; on an unlocked admin it says so', async () => {
  const r = await baton('', 'admin', 'unlock', 'ops');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'admin ops unlocked\n');
  assert.equal((await withStore((s) => s.get('ops')))?.lockedUntil, undefined);
  assert.match((await baton('', 'admin', 'unlock', 'ops')).out, /was not locked/);
  assert.match((await baton('', 'admin', 'unlock', 'nobody')).err, /no admin nobody/);
});

test('admin passwd sets a new password and ends the sessions', async () => {
  const r = await baton('a new long passphrase\n', 'admin', 'passwd', 'ops');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /every session of ops has ended/);
  await withStore(async (s) => {
    assert.equal(await verifyHash('a new long passphrase', (await s.get('ops'))?.passwordHash ?? ''), true);
    assert.deepEqual(await s.sessions('ops'), []);
  });
  assert.match((await baton('a new long passphrase\n', 'admin', 'passwd', 'nobody')).err, /no admin nobody/);
});

test('admin remove removes the admin and its sessions', async () => {
  await withStore((s) => s.createSession(session(3, 'ops')));
  const r = await baton('', 'admin', 'remove', 'ops');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'admin ops removed (1 session ended)\n');
  assert.equal((await baton('', 'admin', 'list')).out, 'No admins (create one with "baton admin create NAME")\n');
  assert.equal((await baton('', 'admin', 'remove', 'ops')).code, 1);
});
