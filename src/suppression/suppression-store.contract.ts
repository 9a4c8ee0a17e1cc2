import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewSuppression, SuppressionStore } from './suppression-store.js';

/**
 * The shared suite every SuppressionStore backend passes (DESIGN §9 Store).
 * `open` must return a fresh, empty store each time.
 */
export function suppressionStoreContract(name: string, open: () => Promise<SuppressionStore>): void {
  const T = 1_800_000_000_000;
  const entry = (address: string, more: Partial<NewSuppression> = {}): NewSuppression => ({ address, reason: 'manual', createdAt: T, ...more });

  async function withStore(fn: (s: SuppressionStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`SuppressionStore contract: ${name}`, () => {
    test('an address is kept in lower case and found in any case', () =>
      withStore(async (s) => {
        assert.equal(await s.add([entry(' Bob@Example.COM ', { reason: 'hard-bounce', source: 'q1' })]), 1);
        const hits = await s.matching(['BOB@example.com', 'alice@example.com'], 'sender.example', T);
        assert.deepEqual([...hits.keys()], ['BOB@example.com']);
        assert.deepEqual(hits.get('BOB@example.com'), { address: 'bob@example.com', reason: 'hard-bounce', source: 'q1', createdAt: T });
      }));

    test('a domain scope applies to that sending domain and its subdomains, not to others nor to the null sender', () =>
      withStore(async (s) => {
        await s.add([entry('u@x.test', { domain: 'Brand.example', reason: 'unsubscribe' })]);
        assert.equal((await s.matching(['u@x.test'], 'brand.example', T)).size, 1);
        assert.equal((await s.matching(['u@x.test'], 'news.brand.example', T)).size, 1);
        assert.equal((await s.matching(['u@x.test'], 'otherbrand.example', T)).size, 0);
        assert.equal((await s.matching(['u@x.test'], 'example', T)).size, 0, 'a parent of the scope is not covered');
        assert.equal((await s.matching(['u@x.test'], null, T)).size, 0);
      }));

    test('the global entry wins over a domain one and applies to every sender', () =>
      withStore(async (s) => {
        await s.add([entry('u@x.test', { domain: 'brand.example', reason: 'unsubscribe' }), entry('u@x.test', { reason: 'complaint' })]);
        assert.equal((await s.matching(['u@x.test'], 'brand.example', T)).get('u@x.test')?.reason, 'complaint');
        assert.equal((await s.matching(['u@x.test'], null, T)).get('u@x.test')?.reason, 'complaint');
      }));

    test('an expired entry no longer applies, one not yet expired does', () =>
      withStore(async (s) => {
        await s.add([entry('u@x.test', { expiresAt: T + 1000 })]);
        assert.equal((await s.matching(['u@x.test'], 'a.example', T + 999)).size, 1);
        assert.equal((await s.matching(['u@x.test'], 'a.example', T + 1000)).size, 0);
      }));

    test('adding an (address, scope) again replaces its reason, source and dates', () =>
      withStore(async (s) => {
        await s.add([entry('u@x.test', { reason: 'hard-bounce', source: 'q1', expiresAt: T + 5 })]);
        await s.add([entry('U@x.test', { reason: 'complaint', createdAt: T + 9 })]);
        assert.deepEqual(await s.list({ limit: 10 }), [{ address: 'u@x.test', reason: 'complaint', createdAt: T + 9 }]);
        assert.equal(await s.count(), 1);
      }));

    test('remove takes one scope, or every scope of the address', () =>
      withStore(async (s) => {
        await s.add([entry('u@x.test'), entry('u@x.test', { domain: 'a.example' }), entry('u@x.test', { domain: 'b.example' })]);
        assert.equal(await s.remove('U@X.test', { domain: 'a.example' }), 1);
        assert.equal(await s.remove('u@x.test', { domain: 'a.example' }), 0);
        assert.equal(await s.remove('u@x.test'), 1, 'the global one');
        assert.deepEqual((await s.list({ limit: 10 })).map((e) => e.domain), ['b.example']);
        await s.add([entry('u@x.test')]);
        assert.equal(await s.remove('u@x.test', { allScopes: true }), 2);
        assert.equal(await s.count(), 0);
      }));

    test('list filters by address, scope and reason, and pages by cursor in (address, scope) order', () =>
      withStore(async (s) => {
        const many = Array.from({ length: 25 }, (_, i) => entry(`u${String(i).padStart(2, '0')}@x.test`, { reason: i % 2 ? 'complaint' : 'manual' }));
        assert.equal(await s.add([...many, entry('u00@x.test', { domain: 'a.example' })]), 26);
        const seen: string[] = [];
        for (let after: { address: string; domain?: string } | undefined; ; ) {
          const page = await s.list({ limit: 10, ...(after ? { after } : {}) });
          if (page.length === 0) break;
          for (const e of page) seen.push(`${e.address}/${e.domain ?? 'global'}`);
          const last = page[page.length - 1]!;
          after = { address: last.address, ...(last.domain ? { domain: last.domain } : {}) };
        }
        assert.equal(seen.length, 26);
        assert.deepEqual(seen.slice(0, 2), ['u00@x.test/global', 'u00@x.test/a.example']);
        assert.equal((await s.list({ limit: 100, reason: 'complaint' })).length, 12);
        assert.equal((await s.list({ limit: 100, scope: 'a.example' })).length, 1);
        assert.equal((await s.list({ limit: 100, scope: 'global' })).length, 25);
        assert.equal((await s.list({ limit: 100, address: 'U07@x.test' })).length, 1);
      }));

    test('list finds addresses and sources by substring in any case, literally, combined with the other filters', () =>
      withStore(async (s) => {
        await s.add([
          entry('ann@brand.test', { source: 'csv:Old-List.csv' }),
          entry('bob@brand.test', { reason: 'complaint', source: 'arf:mx.reporter.test' }),
          entry('bob@other.test', { source: 'api:ops' }),
          entry('under_score@x.test'),
          entry('underXscore@x.test'),
          entry('ann@brand.test', { domain: 'news.brand.test', reason: 'unsubscribe' }),
        ]);
        const addresses = async (q: Omit<Parameters<SuppressionStore['list']>[0], 'limit'>) => (await s.list({ limit: 100, ...q })).map((e) => `${e.address}/${e.domain ?? 'global'}`);
        assert.deepEqual(await addresses({ contains: '@BRAND.test' }), ['ann@brand.test/global', 'ann@brand.test/news.brand.test', 'bob@brand.test/global']);
        assert.deepEqual(await addresses({ contains: 'bob' }), ['bob@brand.test/global', 'bob@other.test/global']);
        assert.deepEqual(await addresses({ contains: 'under_' }), ['under_score@x.test/global'], '"_" is a character, not a wildcard');
        assert.deepEqual(await addresses({ contains: '%' }), []);
        assert.deepEqual(await addresses({ source: 'CSV:' }), ['ann@brand.test/global']);
        assert.deepEqual(await addresses({ contains: 'brand', reason: 'complaint' }), ['bob@brand.test/global']);
        assert.deepEqual(await addresses({ contains: 'ann', scope: 'news.brand.test' }), ['ann@brand.test/news.brand.test']);
        assert.deepEqual(await addresses({ contains: 'brand', after: { address: 'ann@brand.test', domain: 'news.brand.test' } }), ['bob@brand.test/global']);
      }));

    test('a large import is one call and every row is found afterwards', () =>
      withStore(async (s) => {
        const rows = Array.from({ length: 20_000 }, (_, i) => entry(`bulk${i}@x.test`, { source: 'csv:test' }));
        assert.equal(await s.add(rows), 20_000);
        assert.equal(await s.count(), 20_000);
        assert.equal((await s.matching(['bulk19999@x.test', 'bulk20000@x.test'], 'a.example', T)).size, 1);
      }));
  });
}
