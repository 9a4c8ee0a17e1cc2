import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SegmentSql } from '../types.js';
import { CampaignStatsCursorMoved, type CampaignDefinition, type CampaignStore } from './campaign-store.js';

/** A store and the rows it reads but does not own (contacts, the queue's send log), written by the backend's test. */
export interface CampaignStoreFixture {
  readonly store: CampaignStore;
  /** Insert contacts (ids in order); returns their ids. */
  addContacts(rows: readonly { address: string; attributes?: Record<string, unknown> }[]): Promise<number[]>;
  /** A send-log row as the queue's enqueue writes it. */
  logSend(scope: string, key: string, queueId: string): Promise<void>;
  /** `attributes.plan = ?` in this backend's dialect. */
  planIs(plan: string): SegmentSql;
  close(): Promise<void>;
}

const T0 = Date.UTC(2027, 0, 15, 8, 0, 0);
const DEF: CampaignDefinition = { name: 'Spring', templateId: 1, segmentId: 2, from: 'news@shop.test', stream: 'bulk', apiKey: 'marketing' };

/** The shared suite every CampaignStore backend passes (DESIGN §9 Store). `open` gives a fresh, empty database. */
export function campaignStoreContract(name: string, open: () => Promise<CampaignStoreFixture>): void {
  async function withStore(fn: (f: CampaignStoreFixture) => Promise<void>): Promise<void> {
    const f = await open();
    try {
      await fn(f);
    } finally {
      await f.close();
    }
  }

  describe(`CampaignStore contract: ${name}`, () => {
    test('create, get and list newest first with a cursor', () =>
      withStore(async ({ store }) => {
        const a = await store.create(DEF, T0);
        const b = await store.create({ ...DEF, name: 'Summer', pool: 'warm', rate: '100/min', sendAt: T0 + 5 }, T0 + 1);
        assert.equal(a.state, 'draft');
        assert.equal(a.materialized, false);
        assert.deepEqual(await store.get(b.id), { ...DEF, name: 'Summer', pool: 'warm', rate: '100/min', sendAt: T0 + 5, id: b.id, state: 'draft', materialized: false, createdAt: T0 + 1 });
        assert.deepEqual((await store.list(10)).map((c) => c.name), ['Summer', 'Spring']);
        assert.deepEqual((await store.list(10, b.id)).map((c) => c.name), ['Spring']);
        assert.equal(await store.get(9999), undefined);
      }));

    test('transitions are compare-and-set and stamp the times', () =>
      withStore(async ({ store }) => {
        const c = await store.create(DEF, T0);
        assert.equal(await store.transition(c.id, ['sending'], 'paused', T0), undefined);
        const s = await store.transition(c.id, ['draft'], 'sending', T0 + 10);
        assert.equal(s?.startedAt, T0 + 10);
        const p = await store.transition(c.id, ['sending'], 'paused', T0 + 20, 'operator');
        assert.equal(p?.note, 'operator');
        const r = await store.transition(c.id, ['paused'], 'sending', T0 + 30);
        assert.equal(r?.startedAt, T0 + 10, 'resuming keeps the first start');
        assert.equal(r?.note, undefined);
        const done = await store.transition(c.id, ['sending'], 'sent', T0 + 40);
        assert.equal(done?.finishedAt, T0 + 40);
      }));

    test('due: sending ones and scheduled ones whose time has come', () =>
      withStore(async ({ store }) => {
        const later = await store.create({ ...DEF, sendAt: T0 + 1000 }, T0);
        const now = await store.create(DEF, T0);
        const draft = await store.create(DEF, T0);
        await store.transition(later.id, ['draft'], 'scheduled', T0);
        await store.transition(now.id, ['draft'], 'sending', T0);
        assert.deepEqual((await store.due(T0)).map((c) => c.id), [now.id]);
        assert.deepEqual((await store.due(T0 + 1000)).map((c) => c.id), [later.id, now.id]);
        assert.ok(!(await store.due(T0 + 1000)).some((c) => c.id === draft.id));
      }));

    test('the audience is materialized once from the segment SQL and walked in id order', () =>
      withStore(async (f) => {
        const { store } = f;
        const ids = await f.addContacts([
          { address: 'a@x.test', attributes: { plan: 'pro' } },
          { address: 'b@x.test', attributes: { plan: 'free' } },
          { address: 'c@x.test', attributes: { plan: 'pro', name: 'C' } },
        ]);
        const c = await store.create(DEF, T0);
        assert.equal(await store.materialize(c.id, f.planIs('pro'), T0), 2);
        // A contact who joins the segment later does not join a running campaign.
        await f.addContacts([{ address: 'd@x.test', attributes: { plan: 'pro' } }]);
        assert.equal(await store.materialize(c.id, f.planIs('pro'), T0), 2);
        assert.equal((await store.get(c.id))?.materialized, true);
        const first = await store.pending(c.id, 0, 1);
        assert.deepEqual(first.map((x) => [x.id, x.address]), [[ids[0], 'a@x.test']]);
        const rest = await store.pending(c.id, ids[0] as number, 10);
        assert.deepEqual(rest.map((x) => x.attributes), [{ plan: 'pro', name: 'C' }]);
        assert.deepEqual(await store.progress(c.id), { audience: 2, queued: 0, skipped: 0, failed: 0, remaining: 2 });
      }));

    test('mark: queued takes the queue id from the send log; skips and failures are listed', () =>
      withStore(async (f) => {
        const { store } = f;
        const ids = await f.addContacts([{ address: 'a@x.test', attributes: { plan: 'pro' } }, { address: 'b@x.test', attributes: { plan: 'pro' } }, { address: 'c@x.test', attributes: { plan: 'pro' } }]);
        const c = await store.create(DEF, T0);
        await store.materialize(c.id, f.planIs('pro'), T0);
        const [a, b, x] = ids as [number, number, number];
        await f.logSend(`campaign:${c.id}`, String(a), 'Q1');
        await store.mark(c.id, a, 'queued', T0 + 1);
        await store.mark(c.id, b, 'skipped', T0 + 2, 'suppressed');
        await store.mark(c.id, x, 'failed', T0 + 3, 'render-failed: html: bad');
        assert.deepEqual(await store.progress(c.id), { audience: 3, queued: 1, skipped: 1, failed: 1, remaining: 0 });
        assert.deepEqual(await store.pending(c.id, 0, 10), []);
        assert.deepEqual(await store.failures(c.id, 10), [
          { contact: x, address: 'c@x.test', status: 'failed', reason: 'render-failed: html: bad', at: T0 + 3 },
          { contact: b, address: 'b@x.test', status: 'skipped', reason: 'suppressed', at: T0 + 2 },
        ]);
        assert.deepEqual(await store.campaignsOf(['Q1', 'Q2']), new Map([['Q1', c.id]]));
        assert.equal(await store.latestCampaignTo('a@x.test'), c.id);
        assert.equal(await store.latestCampaignTo('b@x.test'), undefined);
      }));

    test('stats: deltas add up per campaign, the cursor moves with them, a stale apply writes nothing', () =>
      withStore(async ({ store }) => {
        assert.equal(await store.statsCursor(), 0);
        await store.applyStats(0, 5, [
          { campaignId: 1, counts: { sent: 2, hard: 1 }, categories: { 'bad-mailbox': 1 } },
          { campaignId: 1, counts: { delivered: 1, soft: 1 }, categories: { 'mailbox-full': 1 } },
          { campaignId: 2, counts: { complained: 1 } },
        ]);
        await store.applyStats(5, 9, [{ campaignId: 1, counts: { hard: 1, unsubscribed: 1 }, categories: { 'bad-mailbox': 1 } }]);
        await assert.rejects(store.applyStats(5, 12, [{ campaignId: 1, counts: { sent: 100 } }]), CampaignStatsCursorMoved);
        await store.addStats([{ campaignId: 1, counts: { opened: 3, clicked: 1 } }]);
        assert.equal(await store.statsCursor(), 9);
        assert.deepEqual(await store.stats(1), {
          sent: 2, delivered: 1, deferred: 0, bounced: { hard: 2, soft: 1, byCategory: { 'bad-mailbox': 2, 'mailbox-full': 1 } }, unsubscribed: 1, complained: 0, opened: 3, clicked: 1,
        });
        assert.equal((await store.stats(2)).complained, 1);
        assert.equal((await store.stats(3)).sent, 0);
      }));
  });
}
