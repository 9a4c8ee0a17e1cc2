import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IndexCursorMoved, type IndexChange, type IndexedMessageFields, type MessageIndexStore, type SearchQuery } from './index-store.js';

/**
 * The shared suite every MessageIndexStore backend passes (DESIGN §9 Store).
 * `open` must return a fresh, empty index each time.
 */
export function messageIndexContract(name: string, open: () => Promise<MessageIndexStore>): void {
  const T = 1_800_000_000_000;

  const message = (queueId: string, at: number, recipients: string[], more: Partial<IndexedMessageFields> = {}): IndexChange => ({
    kind: 'message',
    message: { queueId, receivedAt: at, sender: 'alice@sender.example', size: 100, originKind: 'smtp', tags: [], metadata: {}, ...more },
    recipients,
  });

  async function withIndex(fn: (s: MessageIndexStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  /** Apply changes as the projector does: the cursor moves by one per call. */
  async function feed(s: MessageIndexStore, changes: IndexChange[]): Promise<void> {
    const c = await s.cursor();
    await s.apply(c, c + 1, changes);
  }

  const ids = async (s: MessageIndexStore, q: Omit<SearchQuery, 'limit'> & { limit?: number }) => (await s.search({ limit: 100, ...q })).messages.map((m) => m.queueId);

  describe(`MessageIndexStore contract: ${name}`, () => {
    test('a fresh index is at cursor 0; apply writes the message, its recipients and the cursor together', () =>
      withIndex(async (s) => {
        assert.equal(await s.cursor(), 0);
        await s.apply(0, 42, [message('Q1', T, ['Bob@Example.org', 'carol@example.net'], { subject: 'Hi', user: 'u1', tags: ['news', 'news', 'x'], metadata: { k: 'v' } })]);
        assert.equal(await s.cursor(), 42);
        const m = await s.get('Q1');
        assert.ok(m);
        assert.equal(m.subject, 'Hi');
        assert.equal(m.user, 'u1');
        assert.deepEqual(m.metadata, { k: 'v' });
        assert.equal(m.held, false);
        assert.deepEqual(
          m.recipients.map((r) => [r.address, r.domain, r.state, r.attempts]).sort(),
          [
            ['Bob@Example.org', 'example.org', 'queued', 0],
            ['carol@example.net', 'example.net', 'queued', 0],
          ],
        );
        assert.equal(await s.get('nope'), undefined);
      }));

    test('apply from a cursor other than the stored one throws IndexCursorMoved and writes nothing', () =>
      withIndex(async (s) => {
        await s.apply(0, 5, [message('Q1', T, ['a@x.test'])]);
        await assert.rejects(s.apply(3, 9, [message('Q2', T, ['a@x.test'])]), (err: unknown) => err instanceof IndexCursorMoved && err.found === 5);
        assert.equal(await s.cursor(), 5);
        assert.equal(await s.get('Q2'), undefined);
        assert.equal(await s.count(), 1);
      }));

    test('recipient changes set state, last reply and remote MTA; attempts never go down; a suppressed recipient is added', () =>
      withIndex(async (s) => {
        await feed(s, [message('Q1', T, ['a@x.test', 'b@x.test'])]);
        await feed(s, [
          { kind: 'recipient', queueId: 'Q1', address: 'a@x.test', state: 'deferred', at: T + 1, attempt: 1, lastReply: '451 4.3.0 later', remoteMta: 'mx.x.test' },
          { kind: 'recipient', queueId: 'Q1', address: 'a@x.test', state: 'delivered', at: T + 2, attempt: 2, lastReply: '250 2.0.0 Ok', remoteMta: 'mx.x.test' },
          { kind: 'recipient', queueId: 'Q1', address: 'c@x.test', state: 'suppressed', at: T + 3 },
          { kind: 'recipient', queueId: 'unknown', address: 'z@x.test', state: 'bounced', at: T + 3, attempt: 1 },
        ]);
        const m = await s.get('Q1');
        const a = m?.recipients.find((r) => r.address === 'a@x.test');
        assert.deepEqual(a, { address: 'a@x.test', domain: 'x.test', state: 'delivered', attempts: 2, lastReply: '250 2.0.0 Ok', remoteMta: 'mx.x.test', updatedAt: T + 2 });
        assert.equal(m?.recipients.find((r) => r.address === 'c@x.test')?.state, 'suppressed');
        assert.equal(m?.recipients.length, 3);
        assert.equal(await s.get('unknown'), undefined, 'a change for an unknown message is dropped');
      }));

    test('the same accepted message projected twice stays one row (defence in depth)', () =>
      withIndex(async (s) => {
        await feed(s, [message('Q1', T, ['a@x.test']), message('Q1', T, ['a@x.test'], { tags: ['t'] })]);
        assert.equal(await s.count(), 1);
        assert.deepEqual((await s.get('Q1'))?.tags, []);
      }));

    test('held, released and deleted are kept on the message', () =>
      withIndex(async (s) => {
        await feed(s, [message('Q1', T, ['a@x.test']), { kind: 'held', queueId: 'Q1', held: true }]);
        assert.equal((await s.get('Q1'))?.held, true);
        await feed(s, [{ kind: 'held', queueId: 'Q1', held: false }, { kind: 'deleted', queueId: 'Q1', at: T + 9 }]);
        const m = await s.get('Q1');
        assert.equal(m?.held, false);
        assert.equal(m?.deletedAt, T + 9);
      }));

    test('search filters by sender, sender domain, recipient, domain, state, tag and time, in any case', () =>
      withIndex(async (s) => {
        await feed(s, [
          message('Q1', T + 1, ['a@one.test'], { sender: 'x@brand.example', tags: ['news'] }),
          message('Q2', T + 2, ['b@two.test', 'c@one.test'], { sender: 'y@other.example' }),
          message('Q3', T + 3, ['d@three.test'], { sender: '', tags: ['receipts', 'news'] }),
        ]);
        await feed(s, [{ kind: 'recipient', queueId: 'Q2', address: 'b@two.test', state: 'bounced', at: T + 5, attempt: 1 }]);
        assert.deepEqual(await ids(s, {}), ['Q3', 'Q2', 'Q1']);
        assert.deepEqual(await ids(s, { sender: 'X@Brand.example' }), ['Q1']);
        assert.deepEqual(await ids(s, { sender: '' }), ['Q3']);
        assert.deepEqual(await ids(s, { senderDomain: 'other.EXAMPLE' }), ['Q2']);
        assert.deepEqual(await ids(s, { recipient: 'C@ONE.test' }), ['Q2']);
        assert.deepEqual(await ids(s, { domain: 'one.test' }), ['Q2', 'Q1']);
        assert.deepEqual(await ids(s, { state: 'bounced' }), ['Q2']);
        assert.deepEqual(await ids(s, { state: 'queued' }), ['Q3', 'Q2', 'Q1']);
        assert.deepEqual(await ids(s, { tag: 'news' }), ['Q3', 'Q1']);
        assert.deepEqual(await ids(s, { since: T + 2 }), ['Q3', 'Q2']);
        assert.deepEqual(await ids(s, { until: T + 2 }), ['Q1']);
        assert.deepEqual(await ids(s, { domain: 'one.test', tag: 'news' }), ['Q1']);
        assert.deepEqual(await ids(s, { domain: 'nowhere.test' }), []);
      }));

    test('pages are newest first and neither repeat nor skip a message when newer ones arrive between pages', () =>
      withIndex(async (s) => {
        // Two messages share a received_at: the queue id breaks the tie.
        await feed(s, [1, 2, 3, 3, 4, 5, 6].map((d, i) => message(`Q${i}`, T + d, ['a@x.test'], { tags: ['t'] })));
        const seen: string[] = [];
        let page = await s.search({ limit: 3, tag: 't' });
        seen.push(...page.messages.map((m) => m.queueId));
        await feed(s, [message('NEW', T + 100, ['a@x.test'], { tags: ['t'] })]);
        while (page.next) {
          page = await s.search({ limit: 3, tag: 't', after: page.next });
          seen.push(...page.messages.map((m) => m.queueId));
        }
        assert.deepEqual(seen, ['Q6', 'Q5', 'Q4', 'Q3', 'Q2', 'Q1', 'Q0']);
        const exact = await s.search({ limit: 7 });
        assert.equal(exact.messages.length, 7);
        assert.ok(exact.next, 'a full page says there may be more');
        const last = await s.search({ limit: 8 });
        assert.equal(last.next, undefined, 'the last page has no next');
      }));

    test('prune removes messages received before a time, with their recipients and tags', () =>
      withIndex(async (s) => {
        await feed(s, [message('OLD', T, ['a@x.test'], { tags: ['t'] }), message('NEW', T + 10, ['a@x.test'], { tags: ['t'] })]);
        assert.equal(await s.prune(T + 5), 1);
        assert.deepEqual(await ids(s, { tag: 't' }), ['NEW']);
        assert.deepEqual(await ids(s, { recipient: 'a@x.test' }), ['NEW']);
        assert.equal(await s.get('OLD'), undefined);
        assert.equal(await s.prune(T + 5), 0);
      }));
  });
}
