import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeReply, newQueueId, type QueueId } from '../core/index.js';
import type { EnqueueRequest, QueueStore } from './store.js';

/**
 * Bulk selection and per-destination counts (QueueStore.listIds,
 * destinations), as every queue backend must answer them (DESIGN §5).
 * `open` returns a fresh, empty store.
 */
export function queueSelectionContract(name: string, open: () => Promise<QueueStore>): void {
  const T = 1_700_000_000_000;
  let n = 0;

  function request(from: string | null, rcpts: readonly string[], receivedAt = T): EnqueueRequest {
    const split = (a: string) => ({ local: a.slice(0, a.lastIndexOf('@')), domain: a.slice(a.lastIndexOf('@') + 1) });
    return {
      id: newQueueId({ now: () => receivedAt + n++ }),
      envelope: { mailFrom: from === null ? null : split(from), recipients: rcpts.map((a) => ({ address: split(a) })), params: {} },
      origin: { kind: 'smtp' },
      message: Buffer.from('Subject: s\r\n\r\nx\r\n'),
      receivedAt,
      expiresAt: receivedAt + 86_400_000,
    };
  }

  async function withStore(fn: (s: QueueStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`QueueStore selection contract: ${name}`, () => {
    test('listIds selects by sender, sender domain, recipient, recipient domain, age and held, in any case', () =>
      withStore(async (s) => {
        const a = await s.enqueue(request('Alice@Brand.example', ['b@one.test'], T));
        const b = await s.enqueue(request('bob@other.example', ['C@Two.test', 'd@one.test'], T + 10));
        const c = await s.enqueue(request(null, ['e@three.test'], T + 20));
        await s.hold(b);
        const ids = (sel: Parameters<QueueStore['listIds']>[0]) => s.listIds(sel, { limit: 100 });
        assert.deepEqual(await ids({}), [a, b, c].sort());
        assert.deepEqual(await ids({ sender: 'alice@brand.EXAMPLE' }), [a]);
        assert.deepEqual(await ids({ sender: '' }), [c]);
        assert.deepEqual(await ids({ senderDomain: 'OTHER.example' }), [b]);
        assert.deepEqual(await ids({ recipient: 'c@two.test' }), [b]);
        assert.deepEqual(await ids({ recipientDomain: 'One.Test' }), [a, b].sort());
        assert.deepEqual(await ids({ receivedBefore: T + 10 }), [a]);
        assert.deepEqual(await ids({ held: true }), [b]);
        assert.deepEqual(await ids({ held: false, recipientDomain: 'one.test' }), [a]);
        assert.deepEqual(await ids({ recipientDomain: 'nowhere.test' }), []);
        // The count uses the same filters as the pages.
        assert.equal(await s.countIds({}), 3);
        assert.equal(await s.countIds({ recipientDomain: 'One.Test' }), 2);
        assert.equal(await s.countIds({ held: false, recipientDomain: 'one.test' }), 1);
        assert.equal(await s.countIds({ sender: '' }), 1);
        assert.equal(await s.countIds({ recipientDomain: 'nowhere.test' }), 0);
      }));

    test('listIds pages in id order: each page starts after the last id of the one before', () =>
      withStore(async (s) => {
        const all: QueueId[] = [];
        for (let i = 0; i < 7; i++) all.push(await s.enqueue(request('a@x.test', ['b@y.test'], T + i)));
        const seen: QueueId[] = [];
        let after: QueueId | undefined;
        for (;;) {
          const page = await s.listIds({}, { limit: 3, ...(after ? { after } : {}) });
          if (page.length === 0) break;
          seen.push(...page);
          after = page[page.length - 1];
        }
        assert.deepEqual(seen, [...all].sort());
      }));

    test('destinations count pending recipients per domain with the held ones, the oldest, and the newest failure', () =>
      withStore(async (s) => {
        await s.enqueue(request('a@x.test', ['b@slow.test', 'c@slow.test', 'd@fast.test'], T));
        const held = await s.enqueue(request('a@x.test', ['e@slow.test'], T + 5));
        await s.hold(held);
        const claims = await s.claimDue({ now: T + 100, limit: 10, leaseMs: 60_000, owner: 'w' });
        const rows = claims.flatMap((c) => c.recipients);
        const row = (local: string) => rows.find((r) => r.address.local === local)?.rowId ?? -1;
        await s.recordOutcomes(
          [
            { kind: 'deferred', rowId: row('b'), nextAttemptAt: T + 1000, reply: makeReply(451, '4.7.1', 'slow down') },
            { kind: 'deferred', rowId: row('c'), nextAttemptAt: T + 1000, error: 'connection refused' },
            { kind: 'delivered', rowId: row('d'), reply: makeReply(250, '2.0.0', 'ok') },
          ],
          { owner: 'w', now: T + 200 },
        );
        const d = await s.destinations(10);
        assert.deepEqual(d.map((x) => [x.domain, x.pending, x.held, x.oldestReceivedAt]), [['slow.test', 3, 1, T]]);
        assert.equal(d[0]?.lastErrorAt, T + 200);
        assert.ok(['451 4.7.1 slow down', 'connection refused'].includes(d[0]?.lastError ?? ''), d[0]?.lastError);
        assert.deepEqual(await s.destinations(0), []);
      }));
  });
}
