import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openSqliteQueueStore } from '../queue/sqlite/sqlite-store.js';
import { hashPassword, openSqliteUserStore, verifyHash } from './index.js';
import { userStoreContract } from './user-store.contract.js';

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

userStoreContract('sqlite', async (clock) => openSqliteUserStore({ path: freshPath(), ...(clock ? { clock } : {}) }));

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
