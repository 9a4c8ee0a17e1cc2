import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiKeyStoreError, type ApiKeyStore, type NewApiKey } from './api-key-store.js';

/**
 * The shared suite every ApiKeyStore backend passes (DESIGN §9 Store).
 * `open` must return a fresh, empty store each time.
 */
export function apiKeyStoreContract(name: string, open: () => Promise<ApiKeyStore>): void {
  const T = 1_800_000_000_000;
  const key = (n: string, more: Partial<NewApiKey> = {}): NewApiKey => ({
    id: `id${n.padEnd(6, '0').slice(0, 6)}`,
    name: n,
    secretHash: Buffer.alloc(32, n.length),
    scopes: ['send'],
    domains: [],
    settings: {},
    createdAt: T,
    ...more,
  });

  async function withStore(fn: (s: ApiKeyStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`ApiKeyStore contract: ${name}`, () => {
    test('a created key reads back by name and by id, with its hash only by id', () =>
      withStore(async (s) => {
        await s.create(key('app', { scopes: ['send', 'read'], domains: ['example.com'], settings: { stream: 'bulk' } }));
        const info = await s.byName('app');
        assert.deepEqual(info, { id: 'idapp000', name: 'app', scopes: ['send', 'read'], domains: ['example.com'], settings: { stream: 'bulk' }, createdAt: T });
        const stored = await s.byId('idapp000');
        assert.ok(stored);
        assert.deepEqual(stored.secretHash, Buffer.alloc(32, 3));
        assert.equal(await s.byName('nope'), undefined);
        assert.equal(await s.byId('nope0000'), undefined);
      }));

    test('names and ids are unique', () =>
      withStore(async (s) => {
        await s.create(key('app'));
        await assert.rejects(s.create(key('app', { id: 'other000' })), (e: unknown) => e instanceof ApiKeyStoreError && e.code === 'exists');
        await assert.rejects(s.create(key('other', { id: 'idapp000' })), (e: unknown) => e instanceof ApiKeyStoreError && e.code === 'exists');
        assert.equal((await s.list()).length, 1);
      }));

    test('list is by name; revoke marks once and keeps the row (the name stays taken)', () =>
      withStore(async (s) => {
        await s.create(key('b'));
        await s.create(key('a'));
        assert.deepEqual((await s.list()).map((k) => k.name), ['a', 'b']);
        assert.equal(await s.revoke('a', T + 5), true);
        assert.equal(await s.revoke('a', T + 9), false, 'a second revoke changes nothing');
        assert.equal(await s.revoke('zzz', T), false);
        assert.equal((await s.byName('a'))?.revokedAt, T + 5);
        assert.equal((await s.byId('ida00000'))?.revokedAt, T + 5);
        await assert.rejects(s.create(key('a', { id: 'new00000' })), ApiKeyStoreError);
      }));

    test('touch records the last use', () =>
      withStore(async (s) => {
        await s.create(key('app'));
        await s.touch('idapp000', T + 60_000);
        assert.equal((await s.byName('app'))?.lastUsedAt, T + 60_000);
      }));

    test('settings take a patch like an SMTP user\'s: given fields replace, null clears, bad values fail', () =>
      withStore(async (s) => {
        await s.create(key('app'));
        assert.deepEqual(await s.updateSettings('app', { stream: 'bulk', limits: { messagesPerHour: 10 } }), { stream: 'bulk', limits: { messagesPerHour: 10 } });
        assert.deepEqual(await s.updateSettings('app', { stream: null }), { limits: { messagesPerHour: 10 } });
        assert.deepEqual((await s.byName('app'))?.settings, { limits: { messagesPerHour: 10 } });
        await assert.rejects(s.updateSettings('app', { limits: { messagesPerHour: 0 } }));
        assert.equal(await s.updateSettings('nope', { stream: 'bulk' }), undefined);
      }));
  });
}
