import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../../test/helpers/run-cli.js';
import { fakeClock } from '../../test/helpers/defence-deps.js';
import type { DomainReport, TlsRptReporter, TlsRptStore } from '../delivery/tls/tls-rpt/index.js';
import { count } from '../delivery/tls/tls-rpt/tlsrpt-store.contract.js';
import { registerTlsRptCommands } from './tlsrpt-commands.js';

const NOW = Date.UTC(2026, 2, 2, 10, 0);

function cli(args: readonly string[], answers: DomainReport[] = []) {
  const days: string[] = [];
  const store = { countsFor: async (day: string) => (days.push(day), [count({ day, count: 4 }), count({ day, resultType: 'certificate-expired' })]) } as unknown as TlsRptStore;
  const reporter = { sendDay: async (day: string) => (days.push(day), answers) } as unknown as TlsRptReporter;
  const run = runCli((program, out) => registerTlsRptCommands(program, { open: async () => ({ store, reporter, close: async () => {} }), clock: fakeClock(NOW), out }), args);
  return run.then((r) => ({ ...r, days }));
}

test('send: yesterday by default; today only with --allow-partial; a bad day is refused', async () => {
  const sent = await cli(['tlsrpt', 'send', '--json'], [{ domain: 'a.test', status: 'sent', reportId: 'r', destinations: [] }]);
  assert.equal(sent.code, 0, sent.err);
  assert.deepEqual(sent.days, ['2026-03-01']);
  assert.deepEqual(JSON.parse(sent.out), { day: '2026-03-01', reports: [{ domain: 'a.test', status: 'sent', reportId: 'r', destinations: [] }] });
  const today = await cli(['tlsrpt', 'send', '--day', '2026-03-02']);
  assert.equal(today.code, 1);
  assert.match(today.err, /2026-03-02 has not ended yet .*--allow-partial/);
  assert.deepEqual(today.days, [], 'nothing sent');
  assert.deepEqual((await cli(['tlsrpt', 'send', '--day', '2026-03-02', '--allow-partial'])).days, ['2026-03-02']);
  const bad = await cli(['tlsrpt', 'send', '--day', '2026-02-30']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /"2026-02-30" is not a day: give YYYY-MM-DD/);
});

test('send exits 1 naming the domains whose report reached no destination, after printing what happened', async () => {
  const r = await cli(['tlsrpt', 'send'], [
    { domain: 'a.test', status: 'sent', reportId: 'r1', destinations: [{ uri: 'https://r.a.test/', ok: true, detail: 'posted' }] },
    { domain: 'b.test', status: 'failed', reason: 'https://r.b.test/ answered HTTP 503', destinations: [{ uri: 'https://r.b.test/', ok: false, detail: 'https://r.b.test/ answered HTTP 503' }] },
  ]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^a\.test\s+sent\s+report r1; https:\/\/r\.a\.test\/: posted$/m);
  assert.match(r.out, /^b\.test\s+failed\s+.*HTTP 503/m);
  assert.match(r.err, /1 report\(s\) reached none of their destinations: b\.test/);
});

test('show prints the day\'s counts (today by default), successes as "success"', async () => {
  const r = await cli(['tlsrpt', 'show']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.days, ['2026-03-02']);
  assert.match(r.out, /^a\.test\s+sts a\.test\s+success\s+mx1\.a\.test\s+127\.0\.0\.5\s+4$/m);
  assert.match(r.out, /^a\.test\s+sts a\.test\s+certificate-expired\s+mx1\.a\.test\s+127\.0\.0\.5\s+1$/m);
});
