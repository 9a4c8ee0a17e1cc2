import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeReply, newQueueId, type QueueId } from '../core/index.js';
import { EventBus, type BatonEvent, type EventStore } from '../events/index.js';
import type { EnqueueRequest, QueueStore } from './store.js';

/**
 * The events outbox as every queue backend must keep it (DESIGN §9 Event):
 * each state change writes its events in the same transaction, and they are
 * published in this process only after that commit. `open` returns a fresh,
 * empty store that publishes to `bus`.
 */
export function queueEventsContract(name: string, open: (bus: EventBus) => Promise<QueueStore & EventStore>): void {
  const T = 1_700_000_000_000;
  let n = 0;

  function request(rcpts: readonly string[] = ['bob@example.org']): EnqueueRequest {
    const id = newQueueId({ now: () => T + n++ });
    const accepted: BatonEvent = { type: 'accepted', queueId: id, at: T, sender: 'alice@example.com', recipients: rcpts, size: 7, origin: { kind: 'local' } };
    return {
      id,
      envelope: {
        mailFrom: { local: 'alice', domain: 'example.com' },
        recipients: rcpts.map((a) => ({ address: { local: a.split('@')[0] ?? '', domain: a.split('@')[1] ?? '' } })),
        params: {},
      },
      origin: { kind: 'local' },
      message: Buffer.from('Subject: e\r\n\r\nx\r\n'),
      receivedAt: T,
      expiresAt: T + 86_400_000,
      events: [accepted],
    };
  }

  async function withStore(fn: (s: QueueStore & EventStore, seen: BatonEvent[]) => Promise<void>): Promise<void> {
    const bus = new EventBus();
    const seen: BatonEvent[] = [];
    bus.subscribe(['accepted', 'rejected', 'deferred', 'delayed', 'delivered', 'bounced', 'expired', 'held', 'released', 'deleted'], (e) => seen.push(e));
    const store = await open(bus);
    try {
      await fn(store, seen);
    } finally {
      await store.close();
    }
  }

  const types = (events: readonly { event: BatonEvent }[]): string[] => events.map((e) => e.event.type);

  describe(`QueueStore events outbox: ${name}`, () => {
    test('an enqueue writes its accepted event in the same commit and publishes it once committed', () =>
      withStore(async (s, seen) => {
        const req = request();
        const pending = s.enqueue(req);
        assert.equal(seen.length, 0, 'nothing is published before the commit');
        await pending;
        assert.deepEqual(seen, req.events);
        const stored = await s.eventsFor(req.id);
        assert.deepEqual(stored.map((e) => e.event), req.events);
        assert.ok((stored[0]?.id ?? 0) > 0);
      }));

    test('a refused enqueue (duplicate queue id) writes and publishes no event', () =>
      withStore(async (s, seen) => {
        const req = request();
        await s.enqueue(req);
        await assert.rejects(s.enqueue({ ...req, events: [{ type: 'accepted', queueId: req.id, at: T + 1, sender: '', recipients: [], size: 0, origin: { kind: 'local' } }] }));
        assert.equal((await s.eventsFor(req.id)).length, 1);
        assert.equal(seen.length, 1);
      }));

    test('recordOutcomes writes each update\'s events; a lost lease writes and publishes none of its events', () =>
      withStore(async (s, seen) => {
        const req = request(['a@x.test', 'b@x.test']);
        const born = await s.enqueueClaimed(req, { owner: 'A', leaseMs: 60_000 });
        const [a, b] = born.recipients.map((r) => r.rowId) as [number, number];
        const attempt = { queueId: req.id, at: T + 1, attempt: 1, reply: makeReply(451, '4.7.1', 'later'), remoteMta: 'mx.x.test' };
        const deferred: BatonEvent = { type: 'deferred', recipient: 'a@x.test', nextAttemptAt: T + 60_000, ...attempt };
        const delayed: BatonEvent = { type: 'delayed', queueId: req.id, at: T + 1, recipient: 'a@x.test', queuedForMs: 1 };
        await s.recordOutcomes([{ rowId: a, kind: 'deferred', nextAttemptAt: T + 60_000, events: [deferred, delayed] }], { owner: 'A', now: T + 1 });
        // B's lease is lost (released), so its outcome and event are not recorded.
        await s.releaseLeases([b], 'A');
        const lostEvent: BatonEvent = { type: 'delivered', recipient: 'b@x.test', ...attempt, reply: makeReply(250, '2.0.0', 'ok') };
        const res = await s.recordOutcomes([{ rowId: b, kind: 'delivered', events: [lostEvent] }], { owner: 'A', now: T + 2 });
        assert.deepEqual(res.lost, [b]);
        assert.deepEqual(types(await s.eventsFor(req.id)), ['accepted', 'deferred', 'delayed']);
        assert.deepEqual(seen.map((e) => e.type), ['accepted', 'deferred', 'delayed']);
        assert.deepEqual((await s.eventsFor(req.id))[1]?.event, deferred, 'stored as given, reply included');
      }));

    test('hold, release and delete write their events only when the message exists', () =>
      withStore(async (s, seen) => {
        const req = request();
        await s.enqueue(req);
        assert.equal(await s.hold(req.id), true);
        assert.equal(await s.release(req.id), true);
        assert.equal(await s.delete(req.id), true);
        assert.equal(await s.delete(req.id), false);
        assert.equal(await s.hold('0000000000NOSUCHMSG0' as QueueId), false);
        const stored = (await s.eventsFor(req.id)).map((e) => e.event);
        assert.deepEqual(stored.map((e) => e.type), ['accepted', 'held', 'released', 'deleted']);
        assert.deepEqual(stored[3], { type: 'deleted', queueId: req.id, at: stored[3]?.at, reason: 'operator' });
        assert.deepEqual(seen.map((e) => e.type), ['accepted', 'held', 'released', 'deleted']);
        const other = request();
        await s.enqueue(other);
        await s.delete(other.id, 'finished');
        const retired = (await s.eventsFor(other.id)).at(-1)?.event;
        assert.ok(retired?.type === 'deleted' && retired.reason === 'finished', JSON.stringify(retired));
      }));

    test('readEvents pages through every event by cursor, oldest first; append stores events with no queue change', () =>
      withStore(async (s) => {
        const rejected: BatonEvent = { type: 'rejected', at: T, stage: 'rcpt', reply: makeReply(554, '5.7.1', 'Relay access denied'), clientIp: '192.0.2.9', check: 'relay-access', recipient: 'x@y.test' };
        await s.append([rejected]);
        for (let i = 0; i < 5; i++) await s.enqueue(request());
        const all: number[] = [];
        let cursor = 0;
        for (;;) {
          const page = await s.readEvents(cursor, 2);
          if (page.length === 0) break;
          assert.ok(page.length <= 2);
          all.push(...page.map((e) => e.id));
          cursor = page.at(-1)?.id ?? cursor;
        }
        assert.equal(all.length, 6);
        assert.deepEqual(all, [...all].sort((x, y) => x - y), 'ids increase');
        assert.deepEqual((await s.readEvents(0, 1))[0]?.event, rejected);
      }));

    test('recent gives the newest events of one type since a time, newest first', () =>
      withStore(async (s) => {
        const shaped = (at: number, scope: string): BatonEvent => ({ type: 'shaped', at, scope, action: 'slowed', rate: 1 });
        await s.append([shaped(T - 5_000, 'old'), shaped(T, 'a'), shaped(T + 1, 'b')]);
        await s.enqueue(request());
        assert.deepEqual((await s.recent('shaped', T - 1_000, 10)).map((e) => (e.event.type === 'shaped' ? e.event.scope : '')), ['b', 'a']);
        assert.equal((await s.recent('shaped', T - 10_000, 1)).length, 1);
      }));

    test('newestEventId and firstEventIdFrom find cursor positions by id and by time (webhook lag and replay)', () =>
      withStore(async (s) => {
        assert.equal(await s.newestEventId(), 0, 'an empty outbox');
        assert.equal(await s.firstEventIdFrom(T), 1, 'nothing at or after: one above the newest');
        const at = (t: number): BatonEvent => ({ type: 'rejected', at: t, stage: 'mail', reply: makeReply(553, '5.7.1', 'x'), clientIp: '192.0.2.1' });
        await s.append([at(T - 2_000), at(T), at(T + 2_000)]);
        const ids = (await s.readEvents(0, 10)).map((e) => e.id);
        assert.equal(await s.newestEventId(), ids[2]);
        assert.equal(await s.firstEventIdFrom(T - 1), ids[1]);
        assert.equal(await s.firstEventIdFrom(T), ids[1]);
        assert.equal(await s.firstEventIdFrom(T + 1), ids[2]);
        assert.equal(await s.firstEventIdFrom(T + 5_000), (ids[2] ?? 0) + 1);
      }));

    test('prune deletes events older than a time, and ids are never reused after it', () =>
      withStore(async (s) => {
        const old: BatonEvent = { type: 'rejected', at: T - 10_000, stage: 'mail', reply: makeReply(553, '5.7.1', 'x'), clientIp: '192.0.2.1' };
        await s.append([old, { ...old, at: T - 5_000 }]);
        await s.enqueue(request());
        const before = await s.readEvents(0, 100);
        assert.equal(await s.prune(T - 1_000), 2);
        const after = await s.readEvents(0, 100);
        assert.deepEqual(after.map((e) => e.id), [before[2]?.id]);
        await s.append([{ ...old, at: T }]);
        const newest = (await s.readEvents(0, 100)).at(-1)?.id ?? 0;
        assert.ok(newest > (before.at(-1)?.id ?? 0), 'a new event gets a fresh id');
      }));
  });
}
