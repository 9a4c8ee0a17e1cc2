import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import PostalMime from 'postal-mime';
import { queueShow, startBaton, type Baton } from '../helpers/baton.js';
import { maildirMessages, sendVia, testMessage, waitFor, waitForAttempt, waitForMaildir } from '../helpers/deliver-kit.js';
import { startDnsmasq, type DnsmasqHandle } from '../helpers/dnsmasq.js';
import { startPostfixSmtpd, type PostfixSmtpd } from '../helpers/postfix-smtpd.js';
import { startSmtpSink, type SmtpSinkHandle } from '../helpers/smtp-sink.js';
import { makeTestCa } from '../helpers/tls.js';
import { startTlsRptReceiver } from '../helpers/tlsrpt-receiver.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * TLS-RPT (RFC 8460) end to end: the real baton delivers under `delivery.tls:
 * required` to a Postfix smtpd with STARTTLS (a success) and to an smtp-sink
 * without it (a failure, starttls-not-supported), records both, and `baton
 * tlsrpt send` sends the day's reports to the `rua` dnsmasq publishes at
 * `_smtp._tls`: an https endpoint with a test CA and a mailbox of Baton's own
 * (mailto, through Baton's queue). Without MTA-STS or DANE the policy is
 * no-policy-found. Today's results are sent with --allow-partial: the day is
 * a parameter, nobody waits for midnight.
 */
describe('TLS-RPT reports of real deliveries', { timeout: 180_000 }, () => {
  let dir: string;
  let pf: PostfixSmtpd;
  let sink: SmtpSinkHandle;
  let dns: DnsmasqHandle;
  let receiver: Awaited<ReturnType<typeof startTlsRptReceiver>>;
  let b: Baton;
  const sender = 'sender@local.test';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-tlsrpt-e2e-'));
    const ca = await makeTestCa(dir, 'TLS-RPT Test CA');
    receiver = await startTlsRptReceiver(ca, dir);
    pf = await startPostfixSmtpd({ mailboxes: ['user@good.test'], tlsNames: ['mx.good.test'], listeners: { mx: {} } });
    // The same port as Postfix's on another loopback address: Baton has one delivery.port for every MX.
    sink = await startSmtpSink({ host: '127.0.0.2', port: pf.port('mx') });
    dns = await startDnsmasq({
      mx: { 'good.test': [{ host: 'mx.good.test', preference: 10 }], 'plain.test': [{ host: 'mx.plain.test', preference: 10 }] },
      hosts: { 'mx.good.test': ['127.0.0.1'], 'mx.plain.test': ['127.0.0.2'] },
      txt: {
        '_smtp._tls.good.test': [[`v=TLSRPTv1; rua=${receiver.url}/good,mailto:tlsrpt@local.test`]],
        '_smtp._tls.plain.test': [[`v=TLSRPTv1; rua=${receiver.url}/plain`]],
      },
    });
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        hostname: 'baton.test',
        localDomains: ['local.test'],
        local: { maildir: 'mail/{domain}/{user}' },
        dns: { servers: [dns.server], timeout: '500ms' },
        delivery: { port: pf.port('mx'), tls: 'required', connectionIdle: '1s' },
        tlsRpt: { enabled: true, organization: 'Baton E2E', contact: 'mailto:postmaster@baton.test', from: 'noreply-tlsrpt@local.test' },
      },
      env: { NODE_EXTRA_CA_CERTS: ca.cert },
    });
  });
  after(async () => {
    await b?.stop();
    await dns?.stop();
    await sink?.stop();
    await pf?.stop();
    await receiver?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('successes and failures are counted, reported once to https and mailto, and never sent again', async () => {
    const port = b.ports.mx as number;
    const good = testMessage(sender, 'user@good.test', 'over TLS');
    await sendVia(port, sender, ['user@good.test'], good.text);
    await pf.delivered('user@good.test', good.messageId, 30_000);
    const plainId = await sendVia(port, sender, ['user@plain.test'], testMessage(sender, 'user@plain.test', 'no STARTTLS there').text);
    const attempts = Number((await waitForAttempt(b, plainId, { timeoutMs: 30_000 })).raw.attempts);
    assert.ok(attempts >= 1);
    assert.match(JSON.stringify(await queueShow(b, plainId)), /STARTTLS/, 'deferred for want of STARTTLS');
    const tlsSessions = (await pf.sessions('mx')).filter((s) => s.tls).length;
    assert.equal(tlsSessions, 1, 'Postfix saw one TLS session');

    // The node writes its counts every few seconds: wait for them to show.
    const day = new Date().toISOString().slice(0, 10);
    const shown = await waitFor(
      'the counts in tlsrpt show',
      async () => {
        const r = await b.cli(['tlsrpt', 'show', '--day', day, '--json']);
        assert.equal(r.code, 0, r.stderr);
        const counts = (JSON.parse(r.stdout) as Json).counts as Json[];
        const failed = counts.filter((c) => c.reportDomain === 'plain.test').reduce((n, c) => n + c.count, 0);
        return counts.some((c) => c.reportDomain === 'good.test') && failed >= attempts ? counts : undefined;
      },
      30_000,
      250,
    );
    assert.deepEqual(
      shown.map((c) => [c.reportDomain, c.policy.type, c.resultType || 'success', c.receivingMx, c.receivingIp, c.count]).sort(),
      [
        ['good.test', 'no-policy-found', 'success', 'mx.good.test', '127.0.0.1', 1],
        ['plain.test', 'no-policy-found', 'starttls-not-supported', 'mx.plain.test', '127.0.0.2', attempts],
      ],
    );

    const refused = await b.cli(['tlsrpt', 'send', '--day', day]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /has not ended yet.*--allow-partial/);

    const sent = await b.cli(['tlsrpt', 'send', '--day', day, '--allow-partial', '--json']);
    assert.equal(sent.code, 0, sent.stderr);
    const reports = (JSON.parse(sent.stdout) as Json).reports as Json[];
    assert.deepEqual(reports.map((r) => [r.domain, r.status]), [['good.test', 'sent'], ['plain.test', 'sent']]);

    // https (RFC 8460 §5.2): one gzipped JSON report per domain, with that domain's counts.
    assert.deepEqual(receiver.reports.map((r) => [r.path, r.contentType]).sort(), [['/good', 'application/tlsrpt+gzip'], ['/plain', 'application/tlsrpt+gzip']]);
    const plain = receiver.reports.find((r) => r.path === '/plain')?.report as Json;
    assert.equal(plain['organization-name'], 'Baton E2E');
    assert.equal(plain['contact-info'], 'mailto:postmaster@baton.test');
    assert.deepEqual(plain['date-range'], { 'start-datetime': `${day}T00:00:00Z`, 'end-datetime': `${day}T23:59:59Z` });
    assert.deepEqual(plain.policies, [
      {
        policy: { 'policy-type': 'no-policy-found', 'policy-domain': 'plain.test' },
        summary: { 'total-successful-session-count': 0, 'total-failure-session-count': attempts },
        'failure-details': [{ 'result-type': 'starttls-not-supported', 'receiving-mx-hostname': 'mx.plain.test', 'receiving-ip': '127.0.0.2', 'failed-session-count': attempts }],
      },
    ]);
    const goodReport = receiver.reports.find((r) => r.path === '/good')?.report as Json;
    assert.deepEqual(goodReport.policies[0].summary, { 'total-successful-session-count': 1, 'total-failure-session-count': 0 });

    // mailto (RFC 8460 §5.3): through Baton's own queue into the local mailbox, as multipart/report.
    const mailbox = join(b.dir, 'mail', 'local.test', 'tlsrpt');
    await waitForMaildir(mailbox, 1, 30_000);
    const [mail] = await maildirMessages(mailbox);
    const parsed = await PostalMime.parse(mail?.text ?? '');
    const field = (name: string) => parsed.headers.find((h) => h.key === name)?.value;
    assert.match(field('content-type') ?? '', /^multipart\/report; report-type="tlsrpt"/);
    assert.equal(parsed.subject, `Report Domain: good.test Submitter: baton.test Report-ID: <${goodReport['report-id']}>`);
    assert.equal(field('tls-report-domain'), 'good.test');
    assert.equal(field('tls-report-submitter'), 'baton.test');
    assert.equal(parsed.from?.address, 'noreply-tlsrpt@local.test');
    const att = parsed.attachments[0];
    assert.equal(att?.mimeType, 'application/tlsrpt+gzip');
    assert.deepEqual(JSON.parse(gunzipSync(Buffer.from(att?.content as ArrayBuffer)).toString('utf8')), goodReport);

    // Sending again sends nothing: each (day, domain) report goes out once.
    const again = await b.cli(['tlsrpt', 'send', '--day', day, '--allow-partial', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(((JSON.parse(again.stdout) as Json).reports as Json[]).map((r) => [r.domain, r.status]), [['good.test', 'already'], ['plain.test', 'already']]);
    assert.equal(receiver.reports.length, 2);
    assert.equal((await maildirMessages(mailbox)).length, 1);
  });
});
