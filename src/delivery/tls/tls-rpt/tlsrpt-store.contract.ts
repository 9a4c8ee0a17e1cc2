import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ReportPolicy, TlsRptCount, TlsRptStore } from './tlsrpt-store.js';

const STS: ReportPolicy = { type: 'sts', domain: 'a.test', strings: ['version: STSv1', 'mode: enforce', 'mx: *.a.test', 'max_age: 86400'], mxHost: ['*.a.test'] };
const NONE: ReportPolicy = { type: 'no-policy-found', domain: 'b.test', strings: [], mxHost: [] };

export function count(over: Partial<TlsRptCount> = {}): TlsRptCount {
  return { day: '2026-03-01', reportDomain: 'a.test', policy: STS, resultType: '', sendingIp: '', receivingMx: 'mx1.a.test', receivingIp: '127.0.0.5', count: 1, ...over };
}

const sum = (cs: readonly TlsRptCount[]) => cs.reduce((n, c) => n + c.count, 0);
const claimOpts = { maxAttempts: 3, staleBefore: 0 };

/**
 * The shared suite every TlsRptStore backend passes (DESIGN §9 Store).
 * `open` returns two handles `a` and `b` on one fresh, empty set of data (two
 * nodes, or a node and the CLI), for the races; tests that need one use `a`.
 */
export function tlsRptStoreContract(name: string, open: () => Promise<{ a: TlsRptStore; b: TlsRptStore; close(): Promise<void> }>): void {
  async function withStores(fn: (a: TlsRptStore, b: TlsRptStore) => Promise<void>): Promise<void> {
    const s = await open();
    try {
      await fn(s.a, s.b);
    } finally {
      await s.close();
    }
  }

  describe(`TlsRptStore contract: ${name}`, () => {
    test('counts add up per key and read back by day, policies and all', () =>
      withStores(async (s) => {
        await s.add([count(), count({ count: 2 }), count({ resultType: 'certificate-expired' }), count({ reportDomain: 'b.test', policy: NONE })], []);
        await s.add([count({ count: 4 }), count({ day: '2026-03-02' })], []);
        const day = await s.countsFor('2026-03-01');
        assert.equal(day.length, 3);
        const ok = day.find((c) => c.reportDomain === 'a.test' && c.resultType === '');
        assert.deepEqual(ok, count({ count: 7 }));
        assert.deepEqual(day.find((c) => c.reportDomain === 'b.test')?.policy, NONE);
        assert.equal(sum(await s.countsFor('2026-03-02')), 1);
        assert.deepEqual(await s.countsFor('2026-03-03'), []);
      }));

    test('two nodes adding to the same counts at once lose nothing, 30 rounds', () =>
      withStores(async (a, b) => {
        for (let i = 0; i < 30; i++) {
          await Promise.all([
            a.add([count({ count: 1 }), count({ resultType: 'starttls-not-supported', count: 2 }), count({ reportDomain: 'b.test', policy: NONE })], []),
            b.add([count({ reportDomain: 'b.test', policy: NONE, count: 3 }), count({ count: 5 }), count({ resultType: 'starttls-not-supported' })], []),
          ]);
        }
        const day = await a.countsFor('2026-03-01');
        assert.equal(sum(day.filter((c) => c.reportDomain === 'a.test' && c.resultType === '')), 30 * 6);
        assert.equal(sum(day.filter((c) => c.resultType === 'starttls-not-supported')), 30 * 3);
        assert.equal(sum(day.filter((c) => c.reportDomain === 'b.test')), 30 * 4);
      }));

    test('the last result moves forward only, whichever node writes it', () =>
      withStores(async (a, b) => {
        assert.equal(await a.lastResult('a.test'), undefined);
        await a.add([], [{ domain: 'A.test', at: 200, result: 'success (sts)' }]);
        await b.add([], [{ domain: 'a.test', at: 100, result: 'starttls-not-supported (sts)' }]);
        assert.deepEqual(await b.lastResult('a.test'), { domain: 'a.test', at: 200, result: 'success (sts)' });
        await b.add([], [{ domain: 'a.test', at: 300, result: 'certificate-expired (sts)' }]);
        assert.equal((await a.lastResult('A.TEST'))?.result, 'certificate-expired (sts)');
      }));

    test('a report is claimed by one sender; once sent it is never claimed again', () =>
      withStores(async (a, b) => {
        assert.equal(await a.sendState('2026-03-01', 'a.test'), undefined);
        assert.equal(await a.claim('2026-03-01', 'a.test', 1000, claimOpts), true);
        assert.equal(await b.claim('2026-03-01', 'a.test', 1001, claimOpts), false, 'a live claim holds');
        assert.deepEqual(await b.sendState('2026-03-01', 'a.test'), { status: 'sending', attempts: 1 });
        await a.finish('2026-03-01', 'a.test', { sent: true, reportId: 'r1' });
        assert.deepEqual(await b.sendState('2026-03-01', 'a.test'), { status: 'sent', attempts: 1, reportId: 'r1' });
        assert.equal(await b.claim('2026-03-01', 'a.test', 9e12, { maxAttempts: 99, staleBefore: 9e12 }), false, 'sent is final');
        assert.equal(await b.claim('2026-03-02', 'a.test', 1000, claimOpts), true, 'another day is another report');
      }));

    test('a failed report is claimed again until its attempts are used up; a dead sender\'s claim goes stale', () =>
      withStores(async (a, b) => {
        for (let i = 1; i <= 3; i++) {
          assert.equal(await a.claim('2026-03-01', 'a.test', i, claimOpts), true, `attempt ${i}`);
          await a.finish('2026-03-01', 'a.test', { sent: false, error: `down ${i}` });
        }
        assert.deepEqual(await a.sendState('2026-03-01', 'a.test'), { status: 'failed', attempts: 3, error: 'down 3' });
        assert.equal(await b.claim('2026-03-01', 'a.test', 10, claimOpts), false, 'attempts used up');
        assert.equal(await a.claim('2026-03-01', 'b.test', 100, claimOpts), true);
        assert.equal(await b.claim('2026-03-01', 'b.test', 150, { maxAttempts: 3, staleBefore: 100 }), false, 'a claim made at the stale bound is live');
        assert.equal(await b.claim('2026-03-01', 'b.test', 200, { maxAttempts: 3, staleBefore: 101 }), true, 'an older one is taken over');
      }));

    test('two senders claiming one report at once: exactly one wins, 30 rounds', () =>
      withStores(async (a, b) => {
        for (let i = 0; i < 30; i++) {
          const won = await Promise.all([a.claim('2026-03-01', `d${i}.test`, 1, claimOpts), b.claim('2026-03-01', `d${i}.test`, 1, claimOpts)]);
          assert.equal(won.filter(Boolean).length, 1, `round ${i}`);
        }
      }));

    test('prune forgets the days before the given one', () =>
      withStores(async (s) => {
        await s.add([count({ day: '2026-02-27' }), count({ day: '2026-02-28' }), count()], []);
        await s.claim('2026-02-27', 'a.test', 1, claimOpts);
        assert.equal(await s.prune('2026-02-28'), 2);
        assert.deepEqual(await s.countsFor('2026-02-27'), []);
        assert.equal(await s.sendState('2026-02-27', 'a.test'), undefined);
        assert.equal((await s.countsFor('2026-02-28')).length, 1);
      }));
  });
}
