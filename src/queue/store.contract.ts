import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeReply, newQueueId, type Envelope, type QueueId } from '../core/index.js';
import { ALREADY_SENT, type EnqueueRequest, type QueueStore } from './store.js';

/**
 * The shared suite every QueueStore backend passes (DESIGN §5, §8). `open` must
 * return a fresh, empty store each time.
 */
export function queueStoreContract(name: string, open: () => Promise<QueueStore>): void {
  const T = 1_700_000_000_000;
  let counter = 0;

  function request(over: { recipients?: string[]; body?: Buffer; receivedAt?: number; firstAttemptAt?: number; from?: string | null } = {}): EnqueueRequest {
    const receivedAt = over.receivedAt ?? T;
    const rcpts = over.recipients ?? ['bob@example.org'];
    const envelope: Envelope = {
      mailFrom: over.from === null ? null : { local: over.from ?? 'alice', domain: 'example.com' },
      recipients: rcpts.map((a) => {
        const [local = '', domain = ''] = a.split('@');
        return { address: { local, domain } };
      }),
      params: { body: '8BITMIME' },
    };
    return {
      id: newQueueId({ now: () => receivedAt + counter++ }),
      envelope,
      origin: { kind: 'smtp', clientIp: '127.0.0.1', helo: 'client.test' },
      message: over.body ?? Buffer.from(`Subject: test ${counter}\r\n\r\nhello\r\n`),
      receivedAt,
      expiresAt: receivedAt + 5 * 86_400_000,
      ...(over.firstAttemptAt !== undefined ? { firstAttemptAt: over.firstAttemptAt } : {}),
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

  const claim = (s: QueueStore, owner: string, now = T, limit = 100, leaseMs = 60_000) => s.claimDue({ now, limit, leaseMs, owner });
  const rowIds = (claims: Awaited<ReturnType<QueueStore['claimDue']>>) => claims.flatMap((c) => c.recipients.map((r) => r.rowId));

  describe(`QueueStore contract: ${name}`, () => {
    test('an enqueued message reads back byte-exact with its envelope, origin and recipients', () =>
      withStore(async (s) => {
        const body = Buffer.concat([Buffer.from('Subject: bytes\r\n\r\n'), Buffer.from([0, 1, 0xff, 0xfe, 13, 10, 46, 13, 10]), Buffer.alloc(200_000, 0x61)]);
        const req: EnqueueRequest = {
          ...request({ body, recipients: ['bob@example.org', 'carol@example.net'], from: null }),
          envelope: {
            mailFrom: null,
            recipients: [
              { address: { local: 'bob', domain: 'example.org' }, notify: ['FAILURE', 'DELAY'], orcpt: 'rfc822;bob@example.org' },
              { address: { local: '"odd@local"', domain: 'example.net' }, notify: 'NEVER' },
            ],
            params: { body: 'BINARYMIME', smtputf8: true, ret: 'HDRS', envid: 'env-1', size: 123, requireTls: true },
          },
        };
        assert.equal(await s.enqueue(req), req.id);
        assert.deepEqual(await s.readBody(req.id), body);
        const m = await s.getMessage(req.id);
        assert.ok(m);
        assert.deepEqual(m.envelope, req.envelope);
        assert.deepEqual(m.origin, req.origin);
        assert.equal(m.size, body.length);
        assert.equal(m.receivedAt, req.receivedAt);
        assert.equal(m.expiresAt, req.expiresAt);
        assert.equal(m.held, false);
        assert.deepEqual(m.recipients.map((r) => [r.address, r.status, r.attempts, r.nextAttemptAt, r.queueId]), [
          [{ local: 'bob', domain: 'example.org' }, 'pending', 0, T, req.id],
          [{ local: '"odd@local"', domain: 'example.net' }, 'pending', 0, T, req.id],
        ]);
        assert.equal(m.recipients[0]?.orcpt, 'rfc822;bob@example.org');
        assert.deepEqual(m.recipients[1]?.notify, 'NEVER');
        assert.equal(await s.readBody('00000000000000000000' as QueueId), undefined);
        assert.equal(await s.getMessage('00000000000000000000' as QueueId), undefined);
      }));

    test('enqueuing an existing queue id is rejected and leaves the first message intact', () =>
      withStore(async (s) => {
        const a = request();
        await s.enqueue(a);
        const b = request();
        const results = await Promise.allSettled([s.enqueue({ ...a, message: Buffer.from('other') }), s.enqueue(b)]);
        assert.equal(results[0]?.status, 'rejected');
        assert.equal(results[1]?.status, 'fulfilled');
        assert.deepEqual(await s.readBody(a.id), a.message);
        assert.deepEqual(await s.readBody(b.id), b.message);
      }));

    test('a send-log entry admits one message per (scope, key), also when the repeats share a commit; a refused repeat stores nothing', () =>
      withStore(async (s) => {
        const first = { ...request(), sendLog: { scope: 'campaign:1', key: 'contact-7' } };
        await s.enqueue(first);
        // Three more for the same key in flight together (one group commit), one for another key, one for another scope.
        const repeats = [request(), request(), request()].map((r) => ({ ...r, sendLog: { scope: 'campaign:1', key: 'contact-7' } }));
        const other = { ...request(), sendLog: { scope: 'campaign:1', key: 'contact-8' } };
        const otherScope = { ...request(), sendLog: { scope: 'campaign:2', key: 'contact-7' } };
        const results = await Promise.allSettled([...repeats.map((r) => s.enqueue(r)), s.enqueue(other), s.enqueueClaimed(otherScope, { owner: 'n1', leaseMs: 60_000 })]);
        assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
        for (const r of results.slice(0, 3)) assert.equal(((r as PromiseRejectedResult).reason as { code?: string }).code, ALREADY_SENT);
        for (const r of repeats) assert.equal(await s.getMessage(r.id), undefined);
        assert.deepEqual(await s.readBody(first.id), first.message);
        assert.deepEqual(await s.readBody(other.id), other.message);
        // Two racing first sends of a new key: exactly one is stored.
        const race = [request(), request()].map((r) => ({ ...r, sendLog: { scope: 'campaign:1', key: 'contact-9' } }));
        const raced = await Promise.allSettled(race.map((r) => s.enqueue(r)));
        assert.equal(raced.filter((r) => r.status === 'fulfilled').length, 1);
        const stored = await Promise.all(race.map((r) => s.getMessage(r.id)));
        assert.equal(stored.filter((m) => m !== undefined).length, 1);
      }));

    test('claimDue returns only due pending recipients, grouped by message, up to the limit', () =>
      withStore(async (s) => {
        const due = request({ recipients: ['a@one.test', 'b@one.test'] });
        const later = request({ firstAttemptAt: T + 10_000 });
        await s.enqueue(due);
        await s.enqueue(later);
        const first = await claim(s, 'w1', T, 1);
        assert.equal(first.length, 1);
        assert.equal(first[0]?.recipients.length, 1);
        const rest = await claim(s, 'w1', T);
        assert.deepEqual(rest.map((c) => [c.message.id, c.recipients.length, c.leaseUntil]), [[due.id, 1, T + 60_000]]);
        assert.equal(rest[0]?.message.envelope.recipients.length, 2, 'the claim carries the whole envelope');
        assert.equal(rest[0]?.message.expiresAt, due.expiresAt);
        assert.deepEqual(await claim(s, 'w1', T + 9_999), []);
        const atTime = await claim(s, 'w2', T + 10_000);
        assert.deepEqual(atTime.map((c) => c.message.id), [later.id]);
        assert.deepEqual(await claim(s, 'w1', T, 0), []);
      }));

    test('a live lease binds: neither another owner nor the same one can claim the row again', () =>
      withStore(async (s) => {
        await s.enqueue(request({ recipients: ['a@x.test', 'b@x.test', 'c@x.test'] }));
        const a = await claim(s, 'A', T, 2);
        const b = await claim(s, 'B', T, 10);
        const again = await claim(s, 'A', T + 1, 10);
        const ids = [...rowIds(a), ...rowIds(b), ...rowIds(again)];
        assert.equal(ids.length, 3);
        assert.equal(new Set(ids).size, 3, 'no row is leased twice');
        assert.equal(rowIds(b).length, 1);
      }));

    test('an expired lease is reclaimed by another owner and the old owner\'s outcome is lost', () =>
      withStore(async (s) => {
        await s.enqueue(request());
        const [a] = await claim(s, 'A', T, 10, 1_000);
        const row = a?.recipients[0]?.rowId;
        assert.ok(row !== undefined);
        assert.deepEqual(await claim(s, 'B', T + 999, 10), []);
        assert.equal(await s.nextDueAt(), T + 1_000, 'a leased row falls due when its lease ends');
        const b = await claim(s, 'B', T + 1_000, 10, 5_000);
        assert.deepEqual(rowIds(b), [row]);
        const lostA = await s.recordOutcomes([{ rowId: row, kind: 'delivered' }], { owner: 'A', now: T + 1_100 });
        assert.deepEqual(lostA.lost, [row]);
        const okB = await s.recordOutcomes([{ rowId: row, kind: 'bounced', reply: makeReply(550, '5.1.1', 'no such user') }], { owner: 'B', now: T + 1_200 });
        assert.deepEqual(okB.lost, []);
        const r = (await s.getMessage(a?.message.id ?? ("" as QueueId)))?.recipients[0];
        assert.equal(r?.status, 'bounced');
        assert.equal(r?.attempts, 1);
      }));

    test('recordOutcomes stores status, attempts, next attempt, reply, error and remote MTA', () =>
      withStore(async (s) => {
        const req = request({ recipients: ['d@r.test', 'b@r.test', 'f@r.test'] });
        await s.enqueue(req);
        const [c] = await claim(s, 'W');
        const [d, b, f] = c?.recipients ?? [];
        assert.ok(d && b && f);
        const reply451 = makeReply(451, '4.7.1', 'try again later', 'second line');
        const res = await s.recordOutcomes(
          [
            { rowId: d.rowId, kind: 'delivered', reply: makeReply(250, '2.0.0', 'ok'), remoteMta: 'mx.r.test' },
            { rowId: b.rowId, kind: 'bounced', reply: makeReply(550, '5.1.1', 'unknown'), remoteMta: 'mx.r.test' },
            { rowId: f.rowId, kind: 'deferred', nextAttemptAt: T + 300_000, error: 'connection refused' },
            { rowId: 999_999_999, kind: 'delivered' },
          ],
          { owner: 'W', now: T + 5 },
        );
        assert.deepEqual(res.lost, [999_999_999]);
        const rows = (await s.getMessage(req.id))?.recipients ?? [];
        assert.deepEqual(rows.map((r) => [r.status, r.attempts, r.remoteMta]), [
          ['delivered', 1, 'mx.r.test'],
          ['bounced', 1, 'mx.r.test'],
          ['pending', 1, undefined],
        ]);
        assert.equal(rows[1]?.lastReply?.code, 550);
        assert.deepEqual(rows[1]?.lastReply?.status, { class: 5, subject: 1, detail: 1 });
        assert.equal(rows[2]?.lastError, 'connection refused');
        assert.equal(rows[2]?.nextAttemptAt, T + 300_000);
        assert.equal(rows[2]?.updatedAt, T + 5);
        assert.equal(await s.nextDueAt(), T + 300_000);
        assert.deepEqual(await claim(s, 'W', T + 299_999), []);
        const [again] = await claim(s, 'W', T + 300_000);
        assert.deepEqual(again?.recipients.map((r) => r.rowId), [f.rowId]);
        await s.recordOutcomes([{ rowId: f.rowId, kind: 'deferred', nextAttemptAt: T + 900_000, reply: reply451 }], { owner: 'W', now: T + 300_001 });
        const last = (await s.getMessage(req.id))?.recipients[2];
        assert.equal(last?.attempts, 2);
        assert.deepEqual(last?.lastReply, reply451);
        assert.equal(last?.lastError, undefined, 'the last attempt replaces the previous error');
      }));

    test('renewLease extends only the owner\'s lease; releaseLeases makes rows due at once', () =>
      withStore(async (s) => {
        await s.enqueue(request({ recipients: ['a@l.test', 'b@l.test'] }));
        const ids = rowIds(await claim(s, 'A', T, 10, 1_000));
        assert.deepEqual((await s.renewLease(ids, { owner: 'A', now: T + 500, leaseMs: 10_000 })).sort(), [...ids].sort(), 'the owner\'s rows are renewed and returned');
        assert.deepEqual(await s.renewLease(ids, { owner: 'B', now: T + 500, leaseMs: 100 }), [], 'none are B\'s');
        assert.deepEqual(await claim(s, 'B', T + 5_000), [], 'the renewed lease still binds');
        await s.releaseLeases([ids[0] ?? -1], 'B');
        assert.deepEqual(await claim(s, 'B', T + 5_000), [], 'only the owner can release');
        await s.releaseLeases(ids, 'A');
        assert.deepEqual(rowIds(await claim(s, 'B', T + 5_000)).sort(), [...ids].sort());
      }));

    test('leaseOwners lists who holds leases; releaseOwners hands a dead owner\'s rows over at once', () =>
      withStore(async (s) => {
        await s.enqueue(request({ recipients: ['a@l.test', 'b@l.test'] }));
        const ids = rowIds(await claim(s, 'dead', T, 1, 600_000));
        await claim(s, 'alive', T, 1, 600_000);
        assert.deepEqual((await s.leaseOwners()).sort(), ['alive', 'dead']);
        assert.equal(await s.releaseOwners(['dead']), 1);
        assert.deepEqual(await s.leaseOwners(), ['alive']);
        assert.deepEqual(rowIds(await claim(s, 'new', T + 1)), ids, 'the dead owner\'s row is due at once; the live lease still binds');
      }));

    test('enqueueClaimed stores the message with its recipients leased to the owner, as a claim would', () =>
      withStore(async (s) => {
        const req = request({ recipients: ['a@l.test', 'b@x.test'] });
        const born = await s.enqueueClaimed(req, { owner: 'A', leaseMs: 60_000 });
        assert.equal(born.message.id, req.id);
        assert.equal(born.leaseUntil, req.receivedAt + 60_000);
        assert.deepEqual(born.recipients.map((r) => `${r.address.local}@${r.address.domain}`), ['a@l.test', 'b@x.test']);
        assert.deepEqual((await s.readBody(req.id))?.equals(req.message), true);
        assert.deepEqual(await claim(s, 'B', T + 1_000), [], 'leased from birth: nobody else claims it');
        assert.deepEqual(await s.leaseOwners(), ['A']);
        const { lost, removed } = await s.recordOutcomes(
          born.recipients.map((r) => ({ rowId: r.rowId, kind: 'delivered' as const })),
          { owner: 'A', now: T + 2_000 },
        );
        assert.deepEqual(lost, []);
        assert.deepEqual(removed, [req.id], 'all delivered, no notice asked: removed with the record');
      }));

    test('row ids are never reused, not even those of the newest message once it is removed', () =>
      withStore(async (s) => {
        const a = await s.enqueueClaimed(request(), { owner: 'A', leaseMs: 60_000 });
        const { removed } = await s.recordOutcomes(a.recipients.map((r) => ({ rowId: r.rowId, kind: 'delivered' as const })), { owner: 'A', now: T + 1 });
        assert.equal(removed.length, 1);
        const b = await s.enqueueClaimed(request(), { owner: 'A', leaseMs: 60_000 });
        assert.ok((b.recipients[0]?.rowId ?? 0) > (a.recipients[0]?.rowId ?? Infinity), 'the delivery engine keys in-flight work by row id');
      }));

    test('recordOutcomes removes a message it finishes unless a DSN is due for it (RFC 3461 NOTIFY)', () =>
      withStore(async (s) => {
        const cases: {
          name: string;
          from?: string | null;
          notify?: ('SUCCESS' | 'FAILURE' | 'DELAY')[] | 'NEVER';
          kinds: ('delivered' | 'bounced')[];
          passedOn?: true;
          expect: 'removed' | 'finished' | 'neither';
        }[] = [
          { name: 'all delivered', kinds: ['delivered', 'delivered'], expect: 'removed' },
          { name: 'a bounce owes the sender a DSN', kinds: ['delivered', 'bounced'], expect: 'finished' },
          { name: 'a bounce to <> owes nothing', from: null, kinds: ['bounced'], expect: 'removed' },
          { name: 'NOTIFY=NEVER', notify: 'NEVER', kinds: ['bounced'], expect: 'removed' },
          { name: 'NOTIFY=SUCCESS asks for a notice of delivery', notify: ['SUCCESS'], kinds: ['delivered'], expect: 'finished' },
          { name: 'NOTIFY=SUCCESS to <> owes nothing', from: null, notify: ['SUCCESS'], kinds: ['delivered'], expect: 'removed' },
          { name: 'NOTIFY=SUCCESS taken on by a DSN-capable next hop owes nothing (RFC 3461 §5.2.2)', notify: ['SUCCESS'], kinds: ['delivered'], passedOn: true, expect: 'removed' },
        ];
        for (const c of cases) {
          const base = request({ recipients: c.kinds.map((_, i) => `r${i}@x.test`), from: c.from === undefined ? 'alice' : c.from });
          const req: EnqueueRequest = {
            ...base,
            envelope: { ...base.envelope, recipients: base.envelope.recipients.map((r) => (c.notify ? { ...r, notify: c.notify } : r)) },
          };
          const born = await s.enqueueClaimed(req, { owner: 'A', leaseMs: 60_000 });
          const res = await s.recordOutcomes(
            born.recipients.map((r, i) => ({ rowId: r.rowId, kind: c.kinds[i] as 'delivered' | 'bounced', ...(c.passedOn ? { noticePassedOn: c.passedOn } : {}) })),
            { owner: 'A', now: T + 1_000 },
          );
          const got = res.removed.includes(req.id) ? 'removed' : res.finished.includes(req.id) ? 'finished' : 'neither';
          assert.equal(got, c.expect, c.name);
          assert.equal((await s.getMessage(req.id)) === undefined, c.expect === 'removed', `${c.name}: stored?`);
        }
        // One recipient still pending: the message is not finished.
        const two = request({ recipients: ['a@x.test', 'b@x.test'] });
        const born = await s.enqueueClaimed(two, { owner: 'A', leaseMs: 60_000 });
        const partial = await s.recordOutcomes([{ rowId: born.recipients[0]?.rowId ?? -1, kind: 'delivered', noticePassedOn: true }], { owner: 'A', now: T + 1_000 });
        assert.deepEqual([partial.removed, partial.finished], [[], []]);
        const kept = await s.getMessage(two.id);
        assert.deepEqual(kept?.recipients.map((r) => r.noticePassedOn), [true, undefined], 'the hand-over of the success notice is kept per recipient');
      }));

    test('an enqueueClaimed message whose owner died is claimable once the lease ends', () =>
      withStore(async (s) => {
        const req = request({ recipients: ['a@l.test'] });
        const born = await s.enqueueClaimed(req, { owner: 'dead', leaseMs: 10_000 });
        assert.deepEqual(await claim(s, 'B', req.receivedAt + 9_000), []);
        assert.deepEqual(rowIds(await claim(s, 'B', req.receivedAt + 10_001)), born.recipients.map((r) => r.rowId));
      }));

    test('held messages are never claimed until released', () =>
      withStore(async (s) => {
        const h = request();
        const other = request();
        await s.enqueue(h);
        await s.enqueue(other);
        assert.equal(await s.hold(h.id), true);
        assert.equal(await s.hold('00000000000000000000' as QueueId), false);
        assert.equal((await s.getMessage(h.id))?.held, true);
        assert.deepEqual((await claim(s, 'W')).map((c) => c.message.id), [other.id]);
        assert.equal(await s.nextDueAt(), T + 60_000, 'held rows do not wake the scheduler');
        assert.equal(await s.release(h.id), true);
        assert.deepEqual((await claim(s, 'W')).map((c) => c.message.id), [h.id]);
      }));

    test('a message enqueued held is stored held and never claimed until released', () =>
      withStore(async (s) => {
        const h: EnqueueRequest = { ...request(), held: true };
        const other = request();
        await s.enqueue(h);
        await s.enqueue(other);
        assert.equal((await s.getMessage(h.id))?.held, true);
        assert.equal((await s.getMessage(other.id))?.held, false);
        assert.deepEqual((await s.list({ held: true })).map((m) => m.id), [h.id]);
        assert.deepEqual((await claim(s, 'W')).map((c) => c.message.id), [other.id]);
        assert.equal(await s.release(h.id), true);
        assert.deepEqual((await claim(s, 'W')).map((c) => c.message.id), [h.id]);
        await assert.rejects(s.enqueueClaimed({ ...request(), held: true }, { owner: 'W', leaseMs: 60_000 }), /held/i, 'a held message is never leased');
      }));

    test('retryNow makes pending recipients due by queue id, by domain, or all', () =>
      withStore(async (s) => {
        const later = T + 3_600_000;
        const a = request({ recipients: ['x@a.test', 'y@b.test'], firstAttemptAt: later });
        const b = request({ recipients: ['z@b.test'], firstAttemptAt: later });
        const c = request({ recipients: ['w@c.test'], firstAttemptAt: later });
        for (const r of [a, b, c]) await s.enqueue(r);
        assert.equal(await s.retryNow({ id: a.id }, T), 2);
        assert.deepEqual((await claim(s, 'W', T)).map((m) => m.message.id), [a.id]);
        assert.equal(await s.retryNow({ domain: 'B.test' }, T), 1, 'leased rows are left alone; domains compare case-insensitively');
        assert.deepEqual((await claim(s, 'W', T)).map((m) => m.message.id), [b.id]);
        assert.equal(await s.retryNow({ all: true }, T), 1);
        assert.deepEqual((await claim(s, 'W', T)).map((m) => m.message.id), [c.id]);
      }));

    test('delete removes a message with its recipients and body', () =>
      withStore(async (s) => {
        const r = request({ recipients: ['a@d.test', 'b@d.test'] });
        await s.enqueue(r);
        assert.equal(await s.delete(r.id), true);
        assert.equal(await s.delete(r.id), false);
        assert.equal(await s.getMessage(r.id), undefined);
        assert.equal(await s.readBody(r.id), undefined);
        assert.deepEqual(await claim(s, 'W'), []);
        const st = await s.stats();
        assert.equal(st.messages, 0);
        assert.equal(st.recipients.pending, 0);
      }));

    test('list is newest first with filters, and stats count messages, recipients and bytes', () =>
      withStore(async (s) => {
        const old = request({ receivedAt: T - 1_000, recipients: ['a@s.test', 'b@s.test'] });
        const mid = request({ receivedAt: T });
        const nu = request({ receivedAt: T + 1_000 });
        for (const r of [mid, old, nu]) await s.enqueue(r);
        await s.hold(mid.id);
        const [c] = await claim(s, 'W', T - 1_000, 1);
        await s.recordOutcomes([{ rowId: c?.recipients[0]?.rowId ?? -1, kind: 'delivered' }], { owner: 'W', now: T });
        assert.deepEqual((await s.list()).map((m) => m.id), [nu.id, mid.id, old.id]);
        assert.deepEqual((await s.list({ limit: 2 })).map((m) => m.id), [nu.id, mid.id]);
        assert.deepEqual((await s.list({ held: true })).map((m) => m.id), [mid.id]);
        assert.deepEqual((await s.list({ status: 'delivered' })).map((m) => m.id), [old.id]);
        const st = await s.stats();
        assert.equal(st.messages, 3);
        assert.equal(st.held, 1);
        assert.deepEqual(st.recipients, { pending: 3, delivered: 1, bounced: 0, expired: 0 });
        assert.equal(st.bytes, old.message.length + mid.message.length + nu.message.length);
        assert.equal(st.oldestReceivedAt, T - 1_000);
        const empty = await open();
        try {
          const e = await empty.stats();
          assert.equal(e.messages, 0);
          assert.equal(e.oldestReceivedAt, undefined);
          assert.equal(await empty.nextDueAt(), undefined);
        } finally {
          await empty.close();
        }
      }));

    test('listFinished returns messages with no pending recipient, including expired ones', () =>
      withStore(async (s) => {
        const done = request({ recipients: ['a@f.test', 'b@f.test'] });
        const open1 = request({ recipients: ['c@f.test', 'd@f.test'] });
        await s.enqueue(done);
        await s.enqueue(open1);
        const claims = await claim(s, 'W');
        const byId = new Map(claims.map((c) => [c.message.id, c.recipients]));
        const [d1, d2] = byId.get(done.id) ?? [];
        const [o1] = byId.get(open1.id) ?? [];
        await s.recordOutcomes(
          [
            { rowId: d1?.rowId ?? -1, kind: 'delivered' },
            { rowId: d2?.rowId ?? -1, kind: 'expired', error: 'lifetime exceeded' },
            { rowId: o1?.rowId ?? -1, kind: 'bounced' },
          ],
          { owner: 'W', now: T + 1 },
        );
        const finished = await s.listFinished(10);
        assert.deepEqual(finished.map((m) => m.id), [done.id]);
        assert.deepEqual(finished[0]?.recipients.map((r) => r.status), ['delivered', 'expired']);
        assert.equal(finished[0]?.recipients[1]?.lastError, 'lifetime exceeded');
        assert.equal(finished[0]?.expiresAt, done.expiresAt);
        assert.deepEqual(await s.listFinished(0), []);
      }));

    test('200 concurrent enqueues all resolve and are all stored', () =>
      withStore(async (s) => {
        const reqs = Array.from({ length: 200 }, (_, i) => request({ body: Buffer.alloc(1_000 + i, i % 256), recipients: ['a@c.test', 'b@c.test'] }));
        const ids = await Promise.all(reqs.map((r) => s.enqueue(r)));
        assert.deepEqual(ids, reqs.map((r) => r.id));
        const st = await s.stats();
        assert.equal(st.messages, 200);
        assert.equal(st.recipients.pending, 400);
        for (const r of reqs) assert.deepEqual(await s.readBody(r.id), r.message);
      }));
  });
}
