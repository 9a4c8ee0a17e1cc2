import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StoredStsPolicy, StsPolicyStore } from './sts-policy-store.js';

/** The suite every StsPolicyStore backend passes (DESIGN §9 Store). `open` returns a fresh, empty store. */
export function stsPolicyStoreContract(name: string, open: () => Promise<StsPolicyStore>): void {
  const T = 1_800_000_000_000;
  const record = (over: Partial<StoredStsPolicy> = {}): StoredStsPolicy => ({
    domain: 'example.test',
    id: '20260101',
    policy: { mode: 'enforce', mx: ['mx1.example.test', '*.mx.example.test'], maxAge: 86_400 },
    fetchedAt: T,
    expiresAt: T + 86_400_000,
    ...over,
  });

  async function withStore(fn: (s: StsPolicyStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`StsPolicyStore contract: ${name}`, () => {
    test('an unknown domain reads as absent', () =>
      withStore(async (s) => {
        assert.equal(await s.get('nowhere.test'), undefined);
      }));

    test('a stored policy reads back as stored, mx patterns in order', () =>
      withStore(async (s) => {
        await s.put(record());
        assert.deepEqual(await s.get('example.test'), record());
        const none = record({ domain: 'none.test', policy: { mode: 'none', mx: [], maxAge: 0 } });
        await s.put(none);
        assert.deepEqual(await s.get('none.test'), none);
      }));

    test('a newer fetch replaces the policy; an older one (another node, late) does not', () =>
      withStore(async (s) => {
        await s.put(record());
        const newer = record({ id: 'v2', policy: { mode: 'testing', mx: ['mx2.example.test'], maxAge: 60 }, fetchedAt: T + 10, expiresAt: T + 60_010 });
        await s.put(newer);
        assert.deepEqual(await s.get('example.test'), newer);
        await s.put(record({ fetchedAt: T + 5 }));
        assert.deepEqual(await s.get('example.test'), newer);
      }));

    test('prune forgets only policies expired before the bound', () =>
      withStore(async (s) => {
        await s.put(record({ domain: 'old.test', expiresAt: T }));
        await s.put(record({ domain: 'live.test', expiresAt: T + 100 }));
        assert.equal(await s.prune(T + 50), 1);
        assert.equal(await s.get('old.test'), undefined);
        assert.ok(await s.get('live.test'));
      }));
  });
}
