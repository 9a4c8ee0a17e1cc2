import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fakeClock } from '../../../../test/helpers/defence-deps.js';
import { silentLogger } from '../../../log/index.js';
import type { AppliedPolicy, TlsSessionResult } from '../host-tls.js';
import { TlsRptRecorder } from './recorder.js';
import { openSqliteTlsRptStore } from './sqlite-tlsrpt-store.js';
import type { TlsRptStore } from './tlsrpt-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-tlsrpt-rec-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const T = Date.UTC(2026, 2, 1, 23, 59, 0);
const NONE: AppliedPolicy = { type: 'no-policy-found', domain: 'r.test' };
const ROUTE: AppliedPolicy = { type: 'route', domain: 'r.test' };
const info = { protocol: 'TLSv1.3', cipher: 'x', authorized: true };
const session = (over: Partial<TlsSessionResult> = {}): TlsSessionResult => ({ policy: NONE, recipientDomain: 'R.test', mxHost: 'MX1.r.test', ip: '127.0.0.9', negotiation: { kind: 'tls', info }, ...over });

function setUp() {
  const store = openSqliteTlsRptStore({ path: join(dir, `r${++n}.db`) });
  const clock = fakeClock(T);
  const recorder = new TlsRptRecorder({ store, clock, logger: silentLogger() });
  return { store, clock, recorder };
}

test('sessions are counted in memory per day, domain, policy and result, and written as increments by flush', async () => {
  const { store, clock, recorder } = setUp();
  recorder.record(session());
  recorder.record(session());
  recorder.record(session({ negotiation: { kind: 'plaintext' } }));
  assert.deepEqual(await store.countsFor('2026-03-01'), [], 'nothing written before a flush');
  await recorder.flush();
  clock.advance(120_000); // past midnight UTC: a new day
  recorder.record(session());
  recorder.record(session({ recipientDomain: 'other.test', mxHost: 'mx.other.test', ip: '127.0.0.10', negotiation: { kind: 'failed', code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' } }));
  await recorder.flush();
  recorder.record(session({ negotiation: { kind: 'plaintext' } }));
  await recorder.stop();
  const day1 = await store.countsFor('2026-03-01');
  assert.deepEqual(
    day1.map((c) => [c.reportDomain, c.resultType, c.receivingMx, c.receivingIp, c.count]),
    [
      ['r.test', '', 'mx1.r.test', '127.0.0.9', 2],
      ['r.test', 'starttls-not-supported', 'mx1.r.test', '127.0.0.9', 1],
    ],
  );
  const day2 = await store.countsFor('2026-03-02');
  assert.deepEqual(day2.map((c) => [c.reportDomain, c.resultType || 'ok', c.count]).sort(), [
    ['other.test', 'certificate-expired', 1],
    ['r.test', 'ok', 1],
    ['r.test', 'starttls-not-supported', 1],
  ]);
  await store.close();
});

test('a pinned route is not counted for reports, but is the last result `tls check` shows', async () => {
  const { store, clock, recorder } = setUp();
  recorder.record(session({ policy: ROUTE }));
  assert.deepEqual(await recorder.lastResult('r.test'), { at: T, result: 'success (route)' }, 'from memory before a flush');
  clock.advance(5);
  recorder.record(session({ policy: ROUTE, negotiation: { kind: 'failed', code: 'tls-unavailable', message: 'no STARTTLS' } }));
  await recorder.flush();
  assert.deepEqual(await store.countsFor('2026-03-01'), []);
  assert.deepEqual(await store.lastResult('r.test'), { domain: 'r.test', at: T + 5, result: 'starttls-not-supported (route)' });
  await store.close();
});

test('a failed write keeps the counts for the next flush', async () => {
  const { store, clock } = setUp();
  let failNext = true;
  const flaky: TlsRptStore = { ...store, add: async (c, l) => (failNext ? ((failNext = false), Promise.reject(new Error('database is locked'))) : store.add(c, l)) };
  const recorder = new TlsRptRecorder({ store: flaky, clock, logger: silentLogger() });
  recorder.record(session());
  await recorder.flush();
  recorder.record(session());
  await recorder.flush();
  assert.equal((await store.countsFor('2026-03-01'))[0]?.count, 2);
  await store.close();
});

test('the egress source address of a connection is counted as its sending-mta-ip, apart from the default address', async () => {
  const { store, recorder } = setUp();
  recorder.record(session({ sendingIp: '127.0.0.11' }));
  recorder.record(session({ sendingIp: '127.0.0.11' }));
  recorder.record(session());
  await recorder.stop();
  const counts = await store.countsFor('2026-03-01');
  assert.deepEqual(
    counts.map((c) => [c.sendingIp, c.count]).sort(),
    [
      ['', 1],
      ['127.0.0.11', 2],
    ],
  );
});
