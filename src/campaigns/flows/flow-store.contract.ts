import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlowDefinition } from './flow-definition.js';
import type { FlowStore } from './flow-store.js';

/** A fresh, empty store on a database that has the contacts tables, and a way to add a contact (id back). */
export interface FlowStoreFixture {
  readonly store: FlowStore;
  addContact(address: string, attributes?: Record<string, unknown>): Promise<number>;
  /** Put a contact on list `listId` (made if missing) with this member status. */
  addMember(listId: number, contactId: number, status: 'pending' | 'subscribed' | 'unsubscribed'): Promise<void>;
  close(): Promise<void>;
}

/**
 * The shared suite every FlowStore backend passes (DESIGN §9 Store).
 * `open` must return a fresh, empty store each time.
 */
export function flowStoreContract(name: string, open: () => Promise<FlowStoreFixture>): void {
  const T0 = Date.UTC(2027, 0, 15, 8);
  const LEASE = 60_000;
  const drip: FlowDefinition = {
    name: 'welcome',
    trigger: { type: 'list-joined', list: 3 },
    steps: [{ type: 'send', template: 1, from: 'news@news.test' }, { type: 'wait', duration: '1d' }, { type: 'send', template: 2, from: 'news@news.test' }],
    active: true,
  };

  async function withStore(fn: (f: FlowStoreFixture) => Promise<void>): Promise<void> {
    const f = await open();
    try {
      await fn(f);
    } finally {
      await f.close();
    }
  }

  describe(`FlowStore contract: ${name}`, () => {
    test('flows: create, get, list, by trigger (active only), update keeps the api key, pause, delete takes the runs', () =>
      withStore(async ({ store, addContact }) => {
        const a = await store.create({ ...drip, apiKey: 'shop' }, T0);
        const b = await store.create({ name: 'signup', trigger: { type: 'event', name: 'signed-up' }, steps: [{ type: 'exit' }], active: false, apiKey: 'shop' }, T0 + 1);
        assert.deepEqual(await store.get(a.id), { ...drip, id: a.id, apiKey: 'shop', createdAt: T0, updatedAt: T0 });
        assert.deepEqual((await store.list()).map((f) => f.name), ['welcome', 'signup']);
        assert.deepEqual((await store.activeByTrigger('list-joined')).map((f) => f.id), [a.id]);
        assert.deepEqual(await store.activeByTrigger('event'), [], 'a paused flow starts nothing');
        const upd = await store.update(b.id, { name: 'signup 2', trigger: { type: 'event', name: 'x' }, steps: [{ type: 'update', attr: 'plan', value: { tier: 2 } }], active: true }, T0 + 5);
        assert.equal(upd?.apiKey, 'shop');
        assert.equal((await store.update(b.id, { ...drip, apiKey: 'news' }, T0 + 5))?.apiKey, 'news', 'a new key when given');
        assert.deepEqual(upd?.steps, [{ type: 'update', attr: 'plan', value: { tier: 2 } }]);
        assert.equal(upd?.updatedAt, T0 + 5);
        assert.equal((await store.setActive(b.id, false, T0 + 6))?.active, false);
        assert.equal(await store.update(999, drip, T0), undefined);
        const c = await addContact('ann@x.test');
        await store.enroll(a.id, c, T0);
        assert.equal(await store.delete(a.id), true);
        assert.equal(await store.delete(a.id), false);
        assert.equal(await store.get(a.id), undefined);
        assert.deepEqual(await store.liveRunsOf('ann@x.test'), []);
      }));

    test('enroll: one live run per contact and flow; a new one once it ended; counts per state', () =>
      withStore(async ({ store, addContact }) => {
        const f = await store.create({ ...drip, apiKey: 'k' }, T0);
        const ann = await addContact('ann@x.test');
        const bob = await addContact('bob@x.test');
        const r1 = await store.enroll(f.id, ann, T0);
        assert.deepEqual(r1 && { ...r1, id: 0 }, { id: 0, flowId: f.id, contactId: ann, address: 'ann@x.test', position: '0', state: 'waiting', nextAt: T0, startedAt: T0, updatedAt: T0 });
        assert.equal(await store.enroll(f.id, ann, T0 + 1), undefined, 'a live run: no second one');
        await store.enroll(f.id, bob, T0);
        assert.deepEqual((await store.counts([f.id, 77])).get(f.id), { running: 0, waiting: 2, completed: 0, exited: 0 });
        assert.deepEqual((await store.counts([77])).get(77), { running: 0, waiting: 0, completed: 0, exited: 0 });
        assert.equal(await store.exit(r1?.id ?? 0, 'unsubscribed', T0 + 2), true);
        assert.equal(await store.exit(r1?.id ?? 0, 'again', T0 + 3), false, 'only a live run exits');
        const r2 = await store.enroll(f.id, ann, T0 + 4);
        assert.ok(r2 && r2.id !== r1?.id, 're-entry after the run ended');
        assert.deepEqual((await store.counts([f.id])).get(f.id), { running: 0, waiting: 2, completed: 0, exited: 1 });
        assert.deepEqual((await store.runs(f.id, { contactId: ann, limit: 10 })).map((r) => [r.state, r.exitReason]), [['waiting', undefined], ['exited', 'unsubscribed']]);
        assert.deepEqual((await store.liveRunsOf('ANN@x.test')).map((r) => r.id), [r2.id]);
        // Many at once: live pairs skipped, a pair twice in one batch started once.
        const cid = await addContact('cid@x.test');
        assert.equal(await store.enrollMany([{ flowId: f.id, contactId: ann }, { flowId: f.id, contactId: cid }, { flowId: f.id, contactId: cid }], T0 + 5), 1);
        assert.equal(await store.enrollMany([], T0 + 5), 0);
        assert.deepEqual((await store.counts([f.id])).get(f.id), { running: 0, waiting: 3, completed: 0, exited: 1 });
      }));

    test('claimDue takes due runs of active flows, oldest due first, with a lease; a lapsed lease is claimed again', () =>
      withStore(async ({ store, addContact }) => {
        const f = await store.create({ ...drip, apiKey: 'k' }, T0);
        const paused = await store.create({ ...drip, active: false, apiKey: 'k' }, T0);
        const ids = [];
        for (const [i, who] of ['a', 'b', 'c'].entries()) ids.push((await store.enroll(f.id, await addContact(`${who}@x.test`), T0 + 10 - i))?.id);
        await store.enroll(paused.id, await addContact('p@x.test'), T0);
        assert.deepEqual(await store.claimDue(T0 - 1, 10, LEASE), [], 'nothing due yet');
        const claimed = await store.claimDue(T0 + 10, 2, LEASE);
        assert.deepEqual(claimed.map((r) => [r.id, r.state, r.nextAt]), [[ids[1], 'running', T0 + 10 + LEASE], [ids[2], 'running', T0 + 10 + LEASE]].sort((x, y) => Number(x[0]) - Number(y[0])));
        assert.deepEqual((await store.claimDue(T0 + 10, 10, LEASE)).map((r) => r.id), [ids[0]]);
        assert.deepEqual(await store.claimDue(T0 + 11, 10, LEASE), [], 'claimed runs are leased');
        assert.equal((await store.claimDue(T0 + 10 + LEASE, 10, LEASE)).length, 3, 'a lapsed lease: due again');
      }));

    test('advance commits a step only while running; waiting sets next_at; completed ends; an exit in between wins', () =>
      withStore(async ({ store, addContact }) => {
        const f = await store.create({ ...drip, apiKey: 'k' }, T0);
        const run = await store.enroll(f.id, await addContact('a@x.test'), T0);
        const id = run?.id ?? 0;
        assert.equal(await store.advance(id, { state: 'running', position: '1' }, T0), false, 'not claimed: not running');
        await store.claimDue(T0, 10, LEASE);
        assert.equal(await store.advance(id, { state: 'running', position: '1' }, T0 + 1), true);
        assert.equal(await store.advance(id, { state: 'waiting', position: '2', nextAt: T0 + 86_400_000 }, T0 + 2), true);
        assert.deepEqual(await store.run(id).then((r) => r && [r.position, r.state, r.nextAt]), ['2', 'waiting', T0 + 86_400_000]);
        assert.deepEqual(await store.claimDue(T0 + 3, 10, LEASE), []);
        await store.claimDue(T0 + 86_400_000, 10, LEASE);
        assert.equal(await store.advance(id, { state: 'running', position: '2.then.0' }, T0 + 86_400_001), true);
        assert.equal(await store.exit(id, 'complained', T0 + 86_400_002), true);
        assert.equal(await store.advance(id, { state: 'completed' }, T0 + 86_400_003), false, 'exited meanwhile: the step does not commit');
        const after = await store.run(id);
        assert.deepEqual(after && [after.state, after.exitReason, after.position, after.nextAt], ['exited', 'complained', '2.then.0', undefined]);
        const run2 = await store.enroll(f.id, await addContact('b@x.test'), T0);
        await store.claimDue(T0, 10, LEASE);
        assert.equal(await store.advance(run2?.id ?? 0, { state: 'completed' }, T0 + 9), true);
        assert.equal((await store.run(run2?.id ?? 0))?.state, 'completed');
      }));

    test('list membership as the contacts tables hold it', () =>
      withStore(async ({ store, addContact, addMember }) => {
        const ann = await addContact('ann@x.test');
        await addMember(4, ann, 'unsubscribed');
        await addMember(5, ann, 'subscribed');
        assert.equal(await store.listStatus(4, ann), 'unsubscribed');
        assert.equal(await store.listStatus(5, ann), 'subscribed');
        assert.equal(await store.listStatus(6, ann), undefined);
      }));

    test('runs page newest first by cursor; contacts read and attributes set and removed', () =>
      withStore(async ({ store, addContact }) => {
        const f = await store.create({ ...drip, apiKey: 'k' }, T0);
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) ids.push((await store.enroll(f.id, await addContact(`c${i}@x.test`), T0))?.id ?? 0);
        const p1 = await store.runs(f.id, { limit: 2 });
        assert.deepEqual(p1.map((r) => r.address), ['c4@x.test', 'c3@x.test']);
        assert.deepEqual((await store.runs(f.id, { limit: 10, before: p1[1]?.id ?? 0 })).map((r) => r.address), ['c2@x.test', 'c1@x.test', 'c0@x.test']);
        const id = await addContact('Ann@X.test'.toLowerCase(), { plan: 'free', n: 1 });
        assert.equal((await store.contactByAddress('ANN@x.test'))?.id, id);
        assert.equal(await store.setAttribute(id, 'plan', 'pro', T0 + 1), true);
        assert.equal(await store.setAttribute(id, 'tags', ['a', 'b'], T0 + 1), true);
        assert.equal(await store.setAttribute(id, 'n', null, T0 + 2), true);
        const c = await store.contact(id);
        assert.deepEqual(c?.attributes, { plan: 'pro', tags: ['a', 'b'] });
        assert.equal(c?.updatedAt, T0 + 2);
        assert.equal(await store.setAttribute(9999, 'plan', 'x', T0), false);
        assert.equal(await store.contact(9999), undefined);
        // A segment as segments/ compiles one: boolean SQL over alias c with bound params.
        const where = store.dialect === 'sqlite' ? "json_extract(c.attributes, '$.plan') = ?" : "c.attributes->>'plan' = $1";
        assert.equal(await store.inSegment(id, { where, params: ['pro'] }), true);
        assert.equal(await store.inSegment(id, { where, params: ['free'] }), false);
        assert.equal(await store.inSegment((await store.contactByAddress('c0@x.test'))?.id ?? 0, { where, params: ['pro'] }), false, 'another contact');
      }));
  });
}
