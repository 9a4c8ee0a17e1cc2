import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openSqliteQueueStore } from '../queue/sqlite/sqlite-store.js';
import { hashPassword, openSqliteUserStore, verifyHash } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-users-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `u${++n}.db`);

test('a password hash is self-describing and verifies only the right password', async () => {
  const h = await hashPassword('correct horse', { N: 1024, r: 8, p: 1 });
  assert.match(h, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.equal(await verifyHash('correct horse', h), true);
  assert.equal(await verifyHash('correct horsf', h), false);
  assert.notEqual(await hashPassword('correct horse', { N: 1024, r: 8, p: 1 }), h, 'each hash has its own salt');
});

test('malformed or abusive stored hashes never verify', async () => {
  const good = await hashPassword('pw', { N: 1024, r: 8, p: 1 });
  const parts = good.split('$');
  for (const bad of ['', 'plain', 'bcrypt$x', good.replace('scrypt', 'sha1'), ['scrypt', String(1 << 24), ...parts.slice(2)].join('$'), ['scrypt', '1000', ...parts.slice(2)].join('$')]) {
    assert.equal(await verifyHash('pw', bad), false, bad);
  }
});

test('users are added, verified, listed and removed; names are unique', async () => {
  const users = await openSqliteUserStore({ path: freshPath(), clock: { now: () => 42 } });
  try {
    await users.addUser('alice@example.com', 'sesame', ['Example.com', 'b.test', 'example.com']);
    assert.deepEqual(await users.verifyPassword('alice@example.com', 'sesame'), { name: 'alice@example.com', domains: ['example.com', 'b.test'], settings: {} });
    assert.equal(await users.verifyPassword('alice@example.com', 'Sesame'), undefined);
    assert.equal(await users.verifyPassword('bob', 'sesame'), undefined);
    await assert.rejects(users.addUser('alice@example.com', 'x', ['c.test']), { code: 'exists' });
    await users.addUser('bob', 'pw2', ['c.test']);
    assert.deepEqual(await users.listUsers(), [
      { name: 'alice@example.com', domains: ['example.com', 'b.test'], createdAt: 42, settings: {} },
      { name: 'bob', domains: ['c.test'], createdAt: 42, settings: {} },
    ]);
    assert.deepEqual(await users.updateSettings('bob', { stream: 'bulk', limits: { messagesPerDay: 10 } }), { stream: 'bulk', limits: { messagesPerDay: 10 } });
    assert.deepEqual((await users.getUser('bob'))?.settings, { stream: 'bulk', limits: { messagesPerDay: 10 } });
    assert.deepEqual(await users.updateSettings('bob', { stream: null, limits: { messagesPerDay: null } }), {});
    assert.equal(await users.updateSettings('nobody', { stream: 'bulk' }), undefined);
    assert.equal(await users.getUser('nobody'), undefined);
    assert.equal(await users.removeUser('bob'), true);
    assert.equal(await users.removeUser('bob'), false);
    assert.equal(await users.verifyPassword('bob', 'pw2'), undefined);
  } finally {
    await users.close();
  }
});

test('bad names, empty passwords and bad domains are refused with a reason', async () => {
  const users = await openSqliteUserStore({ path: freshPath() });
  try {
    await assert.rejects(users.addUser('has space', 'pw', ['a.test']), { code: 'invalid' });
    await assert.rejects(users.addUser('', 'pw', ['a.test']), { code: 'invalid' });
    await assert.rejects(users.addUser('u', '', ['a.test']), /password is empty/);
    await assert.rejects(users.addUser('u', 'pw', []), /at least one domain/);
    await assert.rejects(users.addUser('u', 'pw', ['not a domain', '-x.test']), /Not a domain name: not a domain, -x\.test/);
    assert.deepEqual(await users.listUsers(), []);
  } finally {
    await users.close();
  }
});

test('users share the queue database file with a running queue store', async () => {
  const path = freshPath();
  const queue = await openSqliteQueueStore({ path });
  const users = await openSqliteUserStore({ path, mustExist: true });
  try {
    await users.addUser('carol', 'pw', ['q.test']);
    assert.equal((await queue.stats()).messages, 0);
    assert.equal((await users.verifyPassword('carol', 'pw'))?.name, 'carol');
  } finally {
    await users.close();
    await queue.close();
  }
  await assert.rejects(openSqliteUserStore({ path: freshPath(), mustExist: true }), { code: 'missing-database' });
});

test('verifying a password does not block the event loop', async () => {
  const users = await openSqliteUserStore({ path: freshPath() });
  try {
    await users.addUser('dave', 'pw', ['d.test']);
    let ticks = 0;
    const iv = setInterval(() => ticks++, 1);
    const results = await Promise.all([1, 2, 3, 4].map(() => users.verifyPassword('dave', 'pw')));
    clearInterval(iv);
    assert.ok(results.every((r) => r?.name === 'dave'));
    assert.ok(ticks >= 1, `timers ran ${ticks} times while scrypt worked`);
  } finally {
    await users.close();
  }
});
