import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContactSeed } from './contact-seed.js';
import type { SegmentFilter } from './segment-filter.js';
import type { SegmentStore } from './segment-store.js';

export interface SegmentStoreUnderTest {
  readonly store: SegmentStore;
  /** Writes rows into the contacts tables the store reads. */
  seed(seed: ContactSeed): Promise<void>;
}

const DAY = 86_400_000;
export const NOW = Date.UTC(2027, 0, 15, 12);

/** A small population where each condition below selects a known set. */
export const FIXTURE: ContactSeed = {
  lists: [
    { id: 1, name: 'news' },
    { id: 2, name: 'beta' },
  ],
  contacts: [
    { id: 1, address: 'ann@x.test', attributes: { plan: 'pro', age: 34, tags: ['vip', 'early'], city: 'Lyon', active: true } },
    { id: 2, address: 'bob@x.test', attributes: { plan: 'free', age: 19.5, tags: ['early'], city: 'Paris', active: false } },
    { id: 3, address: 'cid@x.test', attributes: { plan: 'pro', age: '40', city: 'Lyonnais' } },
    { id: 4, address: 'dee@x.test', attributes: { plan: null, tags: [1, 2, 'vip'] } },
    { id: 5, address: 'eve@x.test', attributes: {} },
  ],
  members: [
    { list: 1, contact: 1, status: 'subscribed' },
    { list: 1, contact: 2, status: 'pending' },
    { list: 1, contact: 3, status: 'unsubscribed' },
    { list: 2, contact: 2, status: 'subscribed' },
    { list: 2, contact: 4, status: 'subscribed' },
  ],
  activity: [
    { address: 'ann@x.test', event: 'delivered', lastAt: NOW - 2 * DAY },
    { address: 'bob@x.test', event: 'delivered', lastAt: NOW - 40 * DAY },
    { address: 'bob@x.test', event: 'bounced', lastAt: NOW - DAY },
    { address: 'eve@x.test', event: 'opened', lastAt: NOW - 29 * DAY },
  ],
};

/** Each filter with the contact ids it selects in FIXTURE at NOW. */
export const EXPECTED: readonly [SegmentFilter, number[]][] = [
  [{ all: [] }, [1, 2, 3, 4, 5]],
  [{ any: [] }, []],
  [{ all: [{ attr: 'plan', op: 'eq', value: 'pro' }] }, [1, 3]],
  [{ all: [{ attr: 'plan', op: 'ne', value: 'pro' }] }, [2, 4, 5]],
  [{ all: [{ attr: 'age', op: 'gt', value: 20 }] }, [1]],
  [{ all: [{ attr: 'age', op: 'lt', value: 20 }] }, [2]],
  [{ all: [{ attr: 'age', op: 'gt', value: '3' }] }, [3]],
  [{ all: [{ attr: 'age', op: 'eq', value: 19.5 }] }, [2]],
  [{ all: [{ attr: 'city', op: 'lt', value: 'Lyonz' }] }, [1, 3]],
  [{ all: [{ attr: 'city', op: 'contains', value: 'yon' }] }, [1, 3]],
  [{ all: [{ attr: 'tags', op: 'contains', value: 'vip' }] }, [1, 4]],
  [{ all: [{ attr: 'tags', op: 'contains', value: 2 }] }, [4]],
  [{ all: [{ attr: 'tags', op: 'eq', value: 'vip' }] }, []],
  [{ all: [{ attr: 'active', op: 'eq', value: true }] }, [1]],
  [{ all: [{ attr: 'active', op: 'eq', value: false }] }, [2]],
  [{ all: [{ attr: 'plan', op: 'exists' }] }, [1, 2, 3, 4]],
  [{ all: [{ not: { attr: 'plan', op: 'exists' } }] }, [5]],
  [{ all: [{ list: 1 }] }, [1]],
  [{ any: [{ list: 1 }, { list: 2 }] }, [1, 2, 4]],
  [{ all: [{ event: 'delivered', since: '30d' }] }, [1]],
  [{ all: [{ event: 'opened', since: '4w' }] }, []],
  [{ all: [{ event: 'opened', since: '30d' }] }, [5]],
  [{ all: [{ list: 2 }, { not: { event: 'bounced', since: '7d' } }] }, [4]],
  [{ any: [{ all: [{ attr: 'plan', op: 'eq', value: 'pro' }, { list: 1 }] }, { attr: 'tags', op: 'contains', value: 1 }] }, [1, 4]],
];

/** The shared suite every SegmentStore backend passes (DESIGN §9 Store); `open` gives a fresh, empty database. */
export function segmentStoreContract(name: string, open: () => Promise<SegmentStoreUnderTest>): void {
  async function withStore(fn: (t: SegmentStoreUnderTest) => Promise<void>): Promise<void> {
    const t = await open();
    try {
      await fn(t);
    } finally {
      await t.store.close();
    }
  }

  describe(`SegmentStore contract: ${name}`, () => {
    test('create, get, list in id order by pages, update, delete', () =>
      withStore(async ({ store }) => {
        const a = await store.create({ name: 'pros', filter: { all: [{ attr: 'plan', op: 'eq', value: 'pro' }] } }, 1000);
        const b = await store.create({ name: 'news', filter: { any: [{ list: 1 }] } }, 1001);
        assert.deepEqual(await store.get(a.id), { id: a.id, name: 'pros', filter: { all: [{ attr: 'plan', op: 'eq', value: 'pro' }] }, createdAt: 1000, updatedAt: 1000 });
        assert.deepEqual((await store.list({ limit: 1 })).map((s) => s.id), [a.id]);
        assert.deepEqual((await store.list({ limit: 5, after: a.id })).map((s) => s.name), ['news']);
        const changed = await store.update(b.id, { name: 'news 2', filter: { all: [] } }, 1001);
        assert.equal(changed?.updatedAt, 1002, 'updatedAt grows even within the same ms');
        assert.deepEqual(changed?.filter, { all: [] });
        assert.equal(await store.update(999, { name: 'x', filter: { all: [] } }, 1), undefined);
        assert.equal(await store.delete(a.id), true);
        assert.equal(await store.delete(a.id), false);
        assert.equal(await store.get(a.id), undefined);
      }));

    test('preview: every condition selects its known set; the sample in id order, the count whole', () =>
      withStore(async ({ store, seed }) => {
        await seed(FIXTURE);
        for (const [filter, ids] of EXPECTED) {
          const p = await store.preview(filter, 10, NOW);
          assert.deepEqual(p.sample.map((c) => c.id), ids, JSON.stringify(filter));
          assert.equal(p.count, ids.length, JSON.stringify(filter));
        }
        const two = await store.preview({ all: [] }, 2, NOW);
        assert.equal(two.count, 5);
        assert.deepEqual(two.sample, [
          { id: 1, address: 'ann@x.test', attributes: { plan: 'pro', age: 34, tags: ['vip', 'early'], city: 'Lyon', active: true } },
          { id: 2, address: 'bob@x.test', attributes: { plan: 'free', age: 19.5, tags: ['early'], city: 'Paris', active: false } },
        ]);
        assert.deepEqual((await store.preview({ all: [] }, 0, NOW)).sample, []);
      }));

    test('contact(id) reads a contact\'s address and attributes', () =>
      withStore(async ({ store, seed }) => {
        await seed(FIXTURE);
        assert.deepEqual(await store.contact(4), { address: 'dee@x.test', attributes: { plan: null, tags: [1, 2, 'vip'] } });
        assert.equal(await store.contact(99), undefined);
      }));
  });
}
