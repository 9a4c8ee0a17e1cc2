import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SuppressionStore } from '../../suppression/index.js';
import { ActivityCursorMoved, type ContactStore, type ExportRow } from './contact-store.js';

export interface ContactStoreFixture {
  readonly contacts: ContactStore;
  /** On the same database: a contact's status reads its table. */
  readonly suppressions: SuppressionStore;
  close(): Promise<void>;
}

/** The shared suite every ContactStore backend passes; `open` gives fresh, empty stores. */
export function contactStoreContract(name: string, open: () => Promise<ContactStoreFixture>): void {
  const T = 1_800_000_000_000;
  async function withStore(fn: (f: ContactStoreFixture) => Promise<void>): Promise<void> {
    const f = await open();
    try {
      await fn(f);
    } finally {
      await f.close();
    }
  }

  describe(`ContactStore contract: ${name}`, () => {
    test('upsert creates, then merges attributes (null removes a key) and reports the attributes before', () =>
      withStore(async ({ contacts: s }) => {
        const a = await s.upsert('bob@x.test', { plan: 'free', city: 'Oslo' }, T);
        assert.equal(a.before, null);
        const b = await s.upsert('bob@x.test', { plan: 'pro', city: null }, T + 1);
        assert.equal(b.contact.id, a.contact.id);
        assert.deepEqual(b.before, { plan: 'free', city: 'Oslo' });
        assert.deepEqual(b.contact.attributes, { plan: 'pro' });
        const got = await s.get(a.contact.id);
        assert.deepEqual(got, { id: a.contact.id, address: 'bob@x.test', attributes: { plan: 'pro' }, createdAt: T, updatedAt: T + 1, status: 'subscribed', lists: [] });
        assert.equal((await s.byAddress(' BOB@x.test'))?.id, a.contact.id);
        const p = await s.patch(a.contact.id, { plan: null, n: 3 }, T + 2);
        assert.deepEqual(p?.contact.attributes, { n: 3 });
        assert.equal(await s.patch(999_999, { a: 1 }, T), undefined);
      }));

    test('status is derived from the suppressions: hard bounce, complaint, unsubscribe or manual, any scope; expired ones do not count', () =>
      withStore(async ({ contacts: s, suppressions }) => {
        for (const a of ['b@x.test', 'c@x.test', 'u@x.test', 'm@x.test', 'e@x.test', 'ok@x.test']) await s.upsert(a, {}, T);
        await suppressions.add([
          { address: 'b@x.test', reason: 'hard-bounce', createdAt: T },
          { address: 'c@x.test', reason: 'complaint', domain: 'brand.example', createdAt: T },
          { address: 'u@x.test', reason: 'unsubscribe', domain: 'brand.example', createdAt: T },
          { address: 'm@x.test', reason: 'manual', createdAt: T },
          { address: 'e@x.test', reason: 'manual', createdAt: T - 10, expiresAt: T },
        ]);
        const all = await s.list({ limit: 10 });
        assert.deepEqual(
          all.map((c) => [c.address, c.status]),
          [['b@x.test', 'bounced'], ['c@x.test', 'complained'], ['u@x.test', 'unsubscribed'], ['m@x.test', 'unsubscribed'], ['e@x.test', 'subscribed'], ['ok@x.test', 'subscribed']],
        );
        assert.deepEqual((await s.list({ limit: 10, status: 'unsubscribed' })).map((c) => c.address), ['u@x.test', 'm@x.test']);
        assert.deepEqual([...(await s.globallySuppressed(['b@x.test', 'c@x.test', 'ok@x.test']))], ['b@x.test']);
      }));

    test('list filters by list, address prefix, and pages by id', () =>
      withStore(async ({ contacts: s }) => {
        const l = await s.createList({ name: 'news', optIn: 'single' }, T);
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) ids.push((await s.upsert(`user${i}@x.test`, {}, T)).contact.id);
        await s.upsert('other@x.test', {}, T);
        await s.setMember(l.id, ids[1] as number, 'subscribed', T);
        await s.setMember(l.id, ids[3] as number, 'pending', T);
        assert.deepEqual((await s.list({ list: l.id, limit: 10 })).map((c) => c.address), ['user1@x.test', 'user3@x.test']);
        assert.deepEqual((await s.list({ q: 'USER', limit: 2 })).map((c) => c.address), ['user0@x.test', 'user1@x.test']);
        assert.deepEqual((await s.list({ q: 'user', afterId: ids[1] as number, limit: 2 })).map((c) => c.address), ['user2@x.test', 'user3@x.test']);
        assert.deepEqual((await s.get(ids[3] as number))?.lists, [{ id: l.id, name: 'news', status: 'pending' }]);
      }));

    test('lists: create, counts per member status, by name, delete cascades memberships; names are unique', () =>
      withStore(async ({ contacts: s }) => {
        const l = await s.createList({ name: 'weekly', optIn: 'double', description: 'd', confirmFrom: 'news@brand.example' }, T);
        assert.deepEqual(l, { id: l.id, name: 'weekly', optIn: 'double', description: 'd', confirmFrom: 'news@brand.example', createdAt: T, counts: { subscribed: 0, pending: 0, unsubscribed: 0 } });
        await assert.rejects(s.createList({ name: 'weekly', optIn: 'single' }, T));
        const c = (await s.upsert('a@x.test', {}, T)).contact;
        const d = (await s.upsert('b@x.test', {}, T)).contact;
        assert.equal(await s.setMember(l.id, c.id, 'pending', T), undefined);
        // keep: a subscribe must not demote a subscribed member to pending.
        await s.setMember(l.id, d.id, 'subscribed', T);
        assert.equal(await s.setMember(l.id, d.id, 'pending', T, { keep: ['subscribed'] }), 'subscribed');
        assert.equal(await s.member(l.id, d.id), 'subscribed');
        assert.deepEqual((await s.getList(l.id))?.counts, { subscribed: 1, pending: 1, unsubscribed: 0 });
        assert.equal((await s.listByName('weekly'))?.id, l.id);
        assert.deepEqual((await s.lists()).map((x) => x.name), ['weekly']);
        assert.equal(await s.deleteList(l.id), true);
        assert.equal(await s.getList(l.id), undefined);
        assert.deepEqual((await s.get(c.id))?.lists, []);
      }));

    test('consents are appended and read in order; deleting a contact removes its rows', () =>
      withStore(async ({ contacts: s }) => {
        const c = (await s.upsert('a@x.test', {}, T)).contact;
        await s.addConsent(c.id, { action: 'requested', source: 'api', listId: 1, at: T });
        await s.addConsent(c.id, { action: 'confirmed', source: 'link', listId: 1, ip: '192.0.2.1', at: T + 5 });
        assert.deepEqual(await s.consents(c.id), [
          { action: 'requested', source: 'api', listId: 1, at: T },
          { action: 'confirmed', source: 'link', listId: 1, ip: '192.0.2.1', at: T + 5 },
        ]);
        assert.equal(await s.delete(c.id), true);
        assert.equal(await s.delete(c.id), false);
        assert.deepEqual(await s.consents(c.id), []);
      }));

    test('an import batch upserts, joins the list once with an imported consent, and exports with lists and status', () =>
      withStore(async ({ contacts: s }) => {
        const l = await s.createList({ name: 'imp', optIn: 'single' }, T);
        await s.upsert('old@x.test', { a: '1' }, T);
        const r = await s.importBatch([{ address: 'old@x.test', attributes: { b: '2' } }, { address: 'new@x.test', attributes: { a: 'n' } }], T + 1, l.id);
        assert.equal(r.created, 1);
        assert.equal(r.updated, 1);
        assert.deepEqual(r.joined.map((c) => c.address).sort(), ['new@x.test', 'old@x.test']);
        const again = await s.importBatch([{ address: 'new@x.test', attributes: {} }], T + 2, l.id);
        assert.equal(again.joined.length, 0, 'already subscribed: no second join');
        const old = await s.byAddress('old@x.test');
        assert.deepEqual(old?.attributes, { a: '1', b: '2' });
        assert.deepEqual((await s.consents(old?.id as number)).map((c) => [c.action, c.source, c.listId]), [['imported', 'import', l.id]]);
        const rows: ExportRow[] = [];
        for await (const row of s.exportRows({ list: l.id })) rows.push(row);
        assert.deepEqual(rows.map((x) => [x.address, x.status, x.lists]), [['old@x.test', 'subscribed', ['imp']], ['new@x.test', 'subscribed', ['imp']]]);
      }));

    test('activity counts occurrences per address and event, keeping the latest time', () =>
      withStore(async ({ contacts: s }) => {
        await s.recordActivity('A@x.test', 'delivered', T + 5);
        await s.recordActivity('a@x.test', 'delivered', T);
        await s.recordActivity('a@x.test', 'opened', T);
        assert.deepEqual(await s.activity('a@x.test'), [{ event: 'delivered', lastAt: T + 5, count: 2 }, { event: 'opened', lastAt: T, count: 1 }]);
      }));

    test('projected activity moves its cursor in the same commit; a stale cursor writes nothing and says where it is', () =>
      withStore(async ({ contacts: s }) => {
        assert.equal(await s.activityCursor(), 0);
        await s.upsert('a@x.test', {}, T);
        // b is not a contact: its events move the cursor and leave no row.
        await s.applyActivity(0, 10, [{ address: 'a@x.test', event: 'delivered', at: T }, { address: 'b@x.test', event: 'delivered', at: T }, { address: 'a@x.test', event: 'delivered', at: T + 1 }]);
        assert.equal(await s.activityCursor(), 10);
        await assert.rejects(s.applyActivity(0, 12, [{ address: 'a@x.test', event: 'delivered', at: T + 2 }]), (e: unknown) => e instanceof ActivityCursorMoved && e.found === 10);
        await s.applyActivity(10, 12, []);
        assert.deepEqual(await s.activity('a@x.test'), [{ event: 'delivered', lastAt: T + 1, count: 2 }]);
        assert.deepEqual(await s.activity('b@x.test'), []);
        assert.equal(await s.activityCursor(), 12);
      }));
  });
}
