import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ApiKeyStoreError } from './api-key-store.js';
import { ApiKeys } from './api-keys.js';
import { parseKey } from './key-format.js';
import { openSqliteApiKeyStore } from './sqlite-api-key-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-apikeys-svc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function setUp(cacheMs = 5000) {
  const clock = { t: 1_800_000_000_000, now() { return this.t; } };
  const path = join(dir, `k${++n}.db`);
  const store = openSqliteApiKeyStore({ path });
  // A second process's view of the same file (the CLI).
  const other = openSqliteApiKeyStore({ path });
  return { clock, store, other, keys: new ApiKeys({ store, clock, cacheMs }), close: async () => (await store.close(), await other.close()) };
}

test('a created key is "baton_<id>_<secret>", verifies, and only its hash is kept', async () => {
  const s = setUp();
  const { key, info } = await s.keys.create({ name: 'app', scopes: ['send', 'read'], domains: ['Example.COM'], stream: 'bulk' });
  const parsed = parseKey(key);
  assert.ok(parsed);
  assert.equal(parsed.id, info.id);
  assert.deepEqual(info.domains, ['example.com']);
  assert.deepEqual(info.settings, { stream: 'bulk' });
  const row = await s.store.byId(info.id);
  assert.ok(row && !row.secretHash.toString('latin1').includes(parsed.secret), 'the secret itself is not stored');
  assert.deepEqual(await s.keys.verify(key), { keyId: info.id, name: 'app', scopes: ['send', 'read'], domains: ['example.com'] });
  await s.close();
});

test('wrong secret, unknown id and malformed tokens do not verify, even with the key cached', async () => {
  const s = setUp();
  const { key } = await s.keys.create({ name: 'app' });
  assert.ok(await s.keys.verify(key));
  const last = key.at(-1) === 'A' ? 'B' : 'A';
  assert.equal(await s.keys.verify(key.slice(0, -1) + last), undefined);
  assert.equal(await s.keys.verify(key.replace(/^baton_[a-z0-9]{8}/, 'baton_zzzzzzzz')), undefined);
  assert.equal(await s.keys.verify('not-a-key'), undefined);
  assert.equal(await s.keys.verify(`${key}x`), undefined);
  await s.close();
});

test('a revoke here applies at once; one from another process within the cache time', async () => {
  const s = setUp(5000);
  const a = await s.keys.create({ name: 'a' });
  const b = await s.keys.create({ name: 'b' });
  assert.ok(await s.keys.verify(a.key));
  assert.ok(await s.keys.verify(b.key));
  assert.equal(await s.keys.revoke('a'), true);
  assert.equal(await s.keys.verify(a.key), undefined, 'revoked in this process: refused at once');
  await s.other.revoke('b', s.clock.now());
  s.clock.t += 4999;
  assert.ok(await s.keys.verify(b.key), 'still cached');
  s.clock.t += 1;
  assert.equal(await s.keys.verify(b.key), undefined, 'refused once the cache entry expires');
  await s.close();
});

test('last use is written at most once a minute per key', async () => {
  const s = setUp();
  const { key, info } = await s.keys.create({ name: 'app' });
  const t0 = s.clock.now();
  await s.keys.verify(key);
  s.clock.t += 30_000;
  await s.keys.verify(key);
  await new Promise((r) => setImmediate(r));
  assert.equal((await s.store.byId(info.id))?.lastUsedAt, t0);
  s.clock.t += 30_000;
  await s.keys.verify(key);
  await new Promise((r) => setImmediate(r));
  assert.equal((await s.store.byId(info.id))?.lastUsedAt, t0 + 60_000);
  await s.close();
});

test('bad names, scopes, streams and domains are refused with a clear message', async () => {
  const s = setUp();
  const invalid = (e: unknown) => e instanceof ApiKeyStoreError && e.code === 'invalid';
  await assert.rejects(s.keys.create({ name: 'has space' }), invalid);
  await assert.rejects(s.keys.create({ name: 'x', scopes: ['root'] }), /Unknown scope root \(use send, read, admin\)/);
  await assert.rejects(s.keys.create({ name: 'x', scopes: [] }), invalid);
  await assert.rejects(s.keys.create({ name: 'x', stream: 'fast' as never }), invalid);
  await assert.rejects(s.keys.create({ name: 'x', domains: ['not a domain'] }), invalid);
  await s.keys.create({ name: 'x' });
  await assert.rejects(s.keys.create({ name: 'x' }), /already exists/);
  await s.close();
});
