import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBaton, type Baton } from '../helpers/baton.js';
import { maildirMessages, sendVia, testMessage, waitFor, waitForAttempt } from '../helpers/deliver-kit.js';
import { startMtaStsServer, type MtaStsServer } from '../helpers/mta-sts-server.js';
import { explainWith, senderConfig, stopAll, writeTrustFile } from '../helpers/outbound-tls-kit.js';
import { startPostfixSmtpd, type PostfixSmtpd } from '../helpers/postfix-smtpd.js';
import { makeTestCa } from '../helpers/tls.js';
import { postfixTlsaData } from '../helpers/tlsa.js';
import { startTlsRptReceiver } from '../helpers/tlsrpt-receiver.js';
import { startUnbound, type UnboundHandle } from '../helpers/unbound.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * TLS-RPT (RFC 8460) reports of sessions under real `sts` and `tlsa`
 * policies. One private unbound serves an unsigned zone with two MTA-STS
 * domains (policies from a node:https server with a test CA) and a zone
 * signed with ldns-signzone for DANE; every MX host is the private Postfix
 * (127.0.0.1, one port), whose certificate names mx.sts.test. Each domain
 * publishes `_smtp._tls` with an https `rua`; `baton tlsrpt send --day
 * <today> --allow-partial` posts the reports, and the test reads the JSON:
 *   good.sts.test   enforce, mx *.sts.test               → 1 success
 *   stray.sts.test  enforce, mx mail.elsewhere.test       → refused before connecting: validation-failure
 *   next.dane.test  MX 10 mx-bad (TLSA names the CA key)  → tlsa-invalid (RFC 8460 §4.3.2.2),
 *                   MX 20 mx-good (TLSA 3 1 1 the leaf)   → then a success, the same attempt
 */
describe('TLS-RPT reports under MTA-STS and DANE policies', { timeout: 180_000 }, () => {
  let dir: string;
  let pf: PostfixSmtpd;
  let sts: MtaStsServer;
  let ub: UnboundHandle;
  let receiver: Awaited<ReturnType<typeof startTlsRptReceiver>>;
  let b: Baton;
  let tlsa: { good: string; bad: string };
  const sender = 'sender@local.test';
  const policy = (mx: string) => `version: STSv1\nmode: enforce\nmx: ${mx}\nmax_age: 86400\n`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-tlsrpt-policies-'));
    const ca = await makeTestCa(dir, 'Report Test CA');
    receiver = await startTlsRptReceiver(ca, dir);
    sts = await startMtaStsServer(ca, dir, { 'good.sts.test': policy('*.sts.test'), 'stray.sts.test': policy('mail.elsewhere.test') });
    pf = await startPostfixSmtpd({ mailboxes: ['user@good.sts.test', 'user@stray.sts.test', 'user@next.dane.test'], tlsNames: ['mx.sts.test'], listeners: { mx: {} } });
    const port = pf.port('mx');
    const { leafSpki, caSpki } = await postfixTlsaData(pf);
    tlsa = { good: `3 1 1 ${leafSpki}`, bad: `3 1 1 ${caSpki}` };
    const rua = (label: string, d: string) => `_smtp._tls.${label} IN TXT "v=TLSRPTv1; rua=${receiver.url}/${d}"`;
    const stsDomain = (label: string) => [`${label} IN MX 10 mx`, `mta-sts.${label} IN A 127.0.0.1`, `_mta-sts.${label} IN TXT "v=STSv1; id=1"`, rua(label, `${label}.sts.test`)];
    ub = await startUnbound([
      { name: 'sts.test', signed: false, records: ['mx IN A 127.0.0.1', ...stsDomain('good'), ...stsDomain('stray')] },
      {
        name: 'dane.test',
        signed: true,
        records: [
          'next IN MX 10 mx-bad', 'next IN MX 20 mx-good', 'mx-bad IN A 127.0.0.1', 'mx-good IN A 127.0.0.1',
          `_${port}._tcp.mx-bad IN TLSA ${tlsa.bad}`, `_${port}._tcp.mx-good IN TLSA ${tlsa.good}`,
          rua('next', 'next.dane.test'),
        ],
      },
    ]);
    // One file of trust anchors: Postfix's CA for the MX certificate, ours for the policy server and the report endpoint.
    const caFile = await writeTrustFile(dir, [pf.caFile, ca.cert]);
    b = await startBaton({
      config: senderConfig({
        dns: ub.server,
        // No site back-off: the refused domain shares its MX host with the good one.
        delivery: { port, caFile, connectionIdle: '1s', siteBackoff: '0s', mtaSts: { policyPort: sts.port } },
        extra: { tlsRpt: { enabled: true, organization: 'Baton E2E', contact: 'mailto:postmaster@baton.test' } },
      }),
    });
  });
  after(() => stopAll([b], [ub, pf, sts, receiver], dir));

  const explain = explainWith(() => pf, { unbound: () => ub.log(), baton: () => b.logs() });
  const deliver = async (to: string) => {
    const msg = testMessage(sender, to, `to ${to}`);
    const id = await sendVia(b.ports.mx as number, sender, [to], msg.text);
    return { id, msg };
  };

  test('sts and tlsa sessions are counted by policy and result type and reported with the policy strings', () =>
    explain(async () => {
      const good = await deliver('user@good.sts.test');
      await pf.delivered('user@good.sts.test', good.msg.messageId, 30_000);
      const next = await deliver('user@next.dane.test');
      await pf.delivered('user@next.dane.test', next.msg.messageId, 30_000);
      const stray = await deliver('user@stray.sts.test');
      // Retries wait queue.retry.first (5 min): the count read here is the count reported.
      const attempts = Number((await waitForAttempt(b, stray.id, { timeoutMs: 30_000 })).raw.attempts);
      assert.deepEqual(await maildirMessages(pf.maildir('user@stray.sts.test')), [], 'the refused MX got nothing');

      const day = new Date().toISOString().slice(0, 10);
      // The node writes its counts every few seconds: wait until all four sessions show.
      await waitFor('the counts in tlsrpt show', async () => {
        const r = await b.cli(['tlsrpt', 'show', '--day', day, '--json']);
        const counts = (JSON.parse(r.stdout) as Json).counts as Json[];
        return counts.reduce((n, c) => n + c.count, 0) >= 3 + attempts ? counts : undefined;
      }, 30_000, 250);

      const sent = await b.cli(['tlsrpt', 'send', '--day', day, '--allow-partial', '--json']);
      assert.equal(sent.code, 0, sent.stderr);
      assert.deepEqual(((JSON.parse(sent.stdout) as Json).reports as Json[]).map((r) => [r.domain, r.status]).sort(), [
        ['good.sts.test', 'sent'],
        ['next.dane.test', 'sent'],
        ['stray.sts.test', 'sent'],
      ]);
      const report = (path: string) => receiver.reports.find((r) => r.path === path)?.report as Json;
      const stsString = (mx: string) => ['version: STSv1', 'mode: enforce', `mx: ${mx}`, 'max_age: 86400'];

      // RFC 8460 §4.4: policy-type sts, the policy's lines as policy-string, its mx patterns as mx-host.
      assert.deepEqual(report('/good.sts.test').policies, [
        {
          policy: { 'policy-type': 'sts', 'policy-string': stsString('*.sts.test'), 'policy-domain': 'good.sts.test', 'mx-host': ['*.sts.test'] },
          summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 0 },
        },
      ]);
      // An MX outside the policy is never connected to (RFC 8461 §4.1): no receiving-ip.
      assert.deepEqual(report('/stray.sts.test').policies, [
        {
          policy: { 'policy-type': 'sts', 'policy-string': stsString('mail.elsewhere.test'), 'policy-domain': 'stray.sts.test', 'mx-host': ['mail.elsewhere.test'] },
          summary: { 'total-successful-session-count': 0, 'total-failure-session-count': attempts },
          'failure-details': [{ 'result-type': 'validation-failure', 'receiving-mx-hostname': 'mx.sts.test', 'failed-session-count': attempts }],
        },
      ]);
      // DANE: the policy domain is the TLSA base domain, the MX host (RFC 8460 §3), and policy-string its TLSA records.
      const byDomain = (p: Json) => String(p.policy['policy-domain']);
      assert.deepEqual([...(report('/next.dane.test').policies as Json[])].sort((x, y) => byDomain(x).localeCompare(byDomain(y))), [
        {
          policy: { 'policy-type': 'tlsa', 'policy-string': [tlsa.bad], 'policy-domain': 'mx-bad.dane.test' },
          summary: { 'total-successful-session-count': 0, 'total-failure-session-count': 1 },
          'failure-details': [{ 'result-type': 'tlsa-invalid', 'receiving-mx-hostname': 'mx-bad.dane.test', 'receiving-ip': '127.0.0.1', 'failed-session-count': 1 }],
        },
        {
          policy: { 'policy-type': 'tlsa', 'policy-string': [tlsa.good], 'policy-domain': 'mx-good.dane.test' },
          summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 0 },
        },
      ]);
      assert.equal(receiver.reports.length, 3, 'one report per domain');
    }));
});
