import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DkimKeyStoreError, type DkimAlgorithm, type DkimKeyStore, type NewDkimKey } from './dkim-key-store.js';

/**
 * The shared suite every DkimKeyStore backend passes (DESIGN §9 Store). `open`
 * must return a fresh, empty store each time.
 */
export function dkimKeyStoreContract(name: string, open: () => Promise<DkimKeyStore>): void {
  const T = 1_800_000_000_000;
  let n = 0;
  const key = (domain: string, selector: string, algorithm: DkimAlgorithm = 'rsa-2048', createdAt = T + n++): NewDkimKey => ({
    domain,
    selector,
    algorithm,
    publicKey: `p-${selector}`,
    sealedKey: Buffer.from([1, 2, 3, n & 0xff]),
    createdAt,
  });

  async function withStore(fn: (s: DkimKeyStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  const states = async (s: DkimKeyStore, domain: string) => Object.fromEntries((await s.list(domain)).map((k) => [k.selector, k.state]));

  describe(`DkimKeyStore contract: ${name}`, () => {
    test('a new key is pending-dns and reads back with its public key and sealed private key', () =>
      withStore(async (s) => {
        const k = key('example.com', 's1', 'ed25519', T);
        await s.add(k);
        assert.deepEqual(await s.list(), [
          { domain: 'example.com', selector: 's1', algorithm: 'ed25519', state: 'pending-dns', publicKey: 'p-s1', sealedKey: k.sealedKey, createdAt: T, stateSince: T },
        ]);
      }));

    test('a selector is unique per domain, not across domains', () =>
      withStore(async (s) => {
        await s.add(key('example.com', 's1'));
        await s.add(key('example.org', 's1'));
        await assert.rejects(s.add(key('example.com', 's1')), (err: unknown) => err instanceof DkimKeyStoreError && err.code === 'exists');
        assert.equal((await s.list()).length, 2);
      }));

    test('list gives one domain, or all by domain then age', () =>
      withStore(async (s) => {
        await s.add(key('b.example', 'new', 'rsa-2048', T + 10));
        await s.add(key('a.example', 'x', 'rsa-2048', T + 20));
        await s.add(key('b.example', 'old', 'rsa-2048', T + 1));
        assert.deepEqual((await s.list()).map((k) => `${k.domain}/${k.selector}`), ['a.example/x', 'b.example/old', 'b.example/new']);
        assert.deepEqual((await s.list('b.example')).map((k) => k.selector), ['old', 'new']);
        assert.deepEqual(await s.list('none.example'), []);
      }));

    test('activating a pending key retires the active key of its algorithm only, in one change', () =>
      withStore(async (s) => {
        await s.add(key('example.com', 'r1', 'rsa-2048'));
        await s.add(key('example.com', 'e1', 'ed25519'));
        await s.add(key('example.org', 'r1', 'rsa-2048'));
        await s.activate('example.com', 'r1', T + 100);
        await s.activate('example.com', 'e1', T + 100);
        await s.activate('example.org', 'r1', T + 100);
        await s.add(key('example.com', 'r2', 'rsa-2048'));
        const changes = await s.activate('example.com', 'r2', T + 200);
        assert.deepEqual(changes, [
          { domain: 'example.com', selector: 'r2', algorithm: 'rsa-2048', from: 'pending-dns', to: 'active' },
          { domain: 'example.com', selector: 'r1', algorithm: 'rsa-2048', from: 'active', to: 'retiring' },
        ]);
        assert.deepEqual(await states(s, 'example.com'), { r1: 'retiring', e1: 'active', r2: 'active' });
        assert.deepEqual(await states(s, 'example.org'), { r1: 'active' }, 'another domain is untouched');
        const r1 = (await s.list('example.com')).find((k) => k.selector === 'r1');
        assert.equal(r1?.stateSince, T + 200);
        assert.ok(r1?.sealedKey, 'a retiring key keeps its private key');
      }));

    test('activation happens once: a key no longer pending is not activated again', () =>
      withStore(async (s) => {
        await s.add(key('example.com', 'r1'));
        assert.equal((await s.activate('example.com', 'r1', T)).length, 1);
        assert.deepEqual(await s.activate('example.com', 'r1', T + 1), []);
        assert.deepEqual(await s.activate('example.com', 'nope', T + 1), []);
      }));

    test('activating a key supersedes older pending keys of its algorithm, not newer ones', () =>
      withStore(async (s) => {
        await s.add(key('example.com', 'old'));
        await s.add(key('example.com', 'mid'));
        await s.add(key('example.com', 'new'));
        const changes = await s.activate('example.com', 'mid', T + 50);
        assert.deepEqual(
          changes.map((c) => `${c.selector}:${c.from}>${c.to}`),
          ['mid:pending-dns>active', 'old:pending-dns>retired'],
        );
        assert.deepEqual(await states(s, 'example.com'), { old: 'retired', mid: 'active', new: 'pending-dns' });
      }));

    test('retiring erases the private key; only a retiring key retires', () =>
      withStore(async (s) => {
        await s.add(key('example.com', 'r1'));
        assert.equal(await s.retire('example.com', 'r1', T), false, 'a pending key does not retire');
        await s.activate('example.com', 'r1', T);
        assert.equal(await s.retire('example.com', 'r1', T), false, 'an active key does not retire');
        await s.add(key('example.com', 'r2'));
        await s.activate('example.com', 'r2', T + 1);
        assert.equal(await s.retire('example.com', 'r1', T + 2), true);
        assert.equal(await s.retire('example.com', 'r1', T + 3), false, 'once');
        const r1 = (await s.list('example.com')).find((k) => k.selector === 'r1');
        assert.equal(r1?.state, 'retired');
        assert.equal(r1?.stateSince, T + 2);
        assert.equal(r1?.sealedKey, undefined);
      }));
  });
}
