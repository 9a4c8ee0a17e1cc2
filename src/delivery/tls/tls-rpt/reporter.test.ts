import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { fakeClock } from '../../../../test/helpers/defence-deps.js';
import type { DnsResult } from '../../../dns/index.js';
import { silentLogger } from '../../../log/index.js';
import { TlsRptDailyLoop } from './daily-loop.js';
import { TlsRptReporter, type ReporterDeps } from './reporter.js';
import { openSqliteTlsRptStore } from './sqlite-tlsrpt-store.js';
import { count } from './tlsrpt-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-tlsrpt-send-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const DAY = '2026-03-01';
const T = Date.UTC(2026, 2, 2, 0, 30);

type Txt = DnsResult<readonly (readonly string[])[]>;
const txt = (...records: string[]): Txt => ({ ok: true, value: records.map((r) => [r]) });
const nodata: Txt = { ok: false, error: { kind: 'nodata', code: 'NODATA', message: 'no TXT' } };

async function setUp(records: Record<string, Txt>, over: Partial<ReporterDeps> = {}) {
  const store = openSqliteTlsRptStore({ path: join(dir, `s${++n}.db`) });
  const posted: { uri: string; report: Record<string, unknown> }[] = [];
  const mailed: { from: string; to: string; content: string }[] = [];
  const clock = fakeClock(T);
  const deps: ReporterDeps = {
    store,
    resolver: { resolveTxt: async (name) => records[name] ?? nodata },
    clock,
    logger: silentLogger(),
    header: { organization: 'Org', contact: 'postmaster@baton.test', submitter: 'baton.test' },
    from: 'noreply-tlsrpt@baton.test',
    post: async (uri, body) => void posted.push({ uri, report: JSON.parse(gunzipSync(body).toString()) as Record<string, unknown> }),
    mail: async (from, to, content) => (mailed.push({ from, to, content: content.toString() }), `Q${mailed.length}`),
    maxAttempts: 2,
    staleMs: 60_000,
    ...over,
  };
  return { store, clock, posted, mailed, reporter: new TlsRptReporter(deps) };
}

test("each domain with results and a TLSRPT record gets its day's report at every rua, once", async () => {
  const { store, posted, mailed, reporter } = await setUp({
    '_smtp._tls.a.test': txt('v=TLSRPTv1; rua=https://r.a.test/tlsrpt,mailto:tls@a.test'),
    '_smtp._tls.b.test': txt('v=spf1 -all'),
  });
  await store.add([count({ count: 3 }), count({ resultType: 'starttls-not-supported' }), count({ reportDomain: 'b.test' }), count({ reportDomain: 'c.test' })], []);
  const first = await reporter.sendDay(DAY);
  assert.deepEqual(first.map((r) => [r.domain, r.status]), [['a.test', 'sent'], ['b.test', 'no-record'], ['c.test', 'no-record']]);
  assert.deepEqual(posted.map((p) => p.uri), ['https://r.a.test/tlsrpt']);
  assert.equal(posted[0]?.report['report-id'], `${DAY}T00:00:00Z_a.test@baton.test`);
  assert.deepEqual(mailed.map((m) => [m.from, m.to]), [['noreply-tlsrpt@baton.test', 'tls@a.test']]);
  assert.match(mailed[0]?.content ?? '', /^TLS-Report-Domain: a\.test\r$/m);
  const again = await reporter.sendDay(DAY);
  assert.deepEqual(again.map((r) => [r.domain, r.status]), [['a.test', 'already'], ['b.test', 'no-record'], ['c.test', 'no-record']]);
  assert.equal(posted.length + mailed.length, 2, 'nothing sent twice');
  await store.close();
});

test('a report that reached no destination is retried, up to the attempts; one destination taking it is enough', async () => {
  let down = true;
  const { store, posted, reporter } = await setUp(
    { '_smtp._tls.a.test': txt('v=TLSRPTv1; rua=https://r.a.test/tlsrpt') },
    { post: async (uri, body) => (down ? Promise.reject(new Error(`${uri} answered HTTP 503`)) : void posted.push({ uri, report: JSON.parse(gunzipSync(body).toString()) as Record<string, unknown> })) },
  );
  await store.add([count()], []);
  const failed = await reporter.sendDay(DAY);
  assert.equal(failed[0]?.status, 'failed');
  assert.match(failed[0]?.reason ?? '', /HTTP 503/);
  down = false;
  assert.equal((await reporter.sendDay(DAY))[0]?.status, 'sent');
  assert.equal(posted.length, 1);

  await store.add([count({ reportDomain: 'a.test', day: '2026-03-03' })], []);
  down = true;
  assert.equal((await reporter.sendDay('2026-03-03'))[0]?.status, 'failed');
  assert.equal((await reporter.sendDay('2026-03-03'))[0]?.status, 'given-up', 'the second of two attempts');
  assert.equal((await reporter.sendDay('2026-03-03'))[0]?.status, 'given-up', 'and no third');
  await store.close();
});

test('the daily loop sends yesterday after sendAt, once, and retries failures after retryEvery', async () => {
  let down = true;
  const { store, clock, posted, reporter } = await setUp(
    { '_smtp._tls.a.test': txt('v=TLSRPTv1; rua=https://r.a.test/tlsrpt') },
    { post: async (uri) => (down ? Promise.reject(new Error('connection refused')) : void posted.push({ uri, report: {} })), maxAttempts: 5 },
  );
  await store.add([count()], []);
  const loop = new TlsRptDailyLoop({ reporter, store, clock, logger: silentLogger(), sendAtMinutes: 60, retryMs: 30 * 60_000, keepMs: 31 * 86_400_000 });
  await loop.runDue();
  assert.equal(await store.sendState(DAY, 'a.test'), undefined, '00:30 is before sendAt 01:00');
  clock.advance(30 * 60_000);
  await loop.runDue();
  assert.deepEqual(await store.sendState(DAY, 'a.test'), { status: 'failed', attempts: 1, error: 'connection refused' });
  down = false;
  clock.advance(29 * 60_000);
  await loop.runDue();
  assert.equal(posted.length, 0, 'not before retryEvery');
  clock.advance(60_000);
  await loop.runDue();
  assert.equal(posted.length, 1);
  clock.advance(3 * 3_600_000);
  await loop.runDue();
  assert.equal(posted.length, 1, 'done for the day');
  await store.close();
});
