import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queueShow, startBaton, type Baton } from '../helpers/baton.js';
import { maildirMessages, sendVia, testMessage, waitFor, waitForAttempt } from '../helpers/deliver-kit.js';
import { startDnsmasq, type DnsmasqHandle, type DnsZone } from '../helpers/dnsmasq.js';
import { startMtaStsServer, type MtaStsServer } from '../helpers/mta-sts-server.js';
import { senderConfig, stopAll, writeTrustFile } from '../helpers/outbound-tls-kit.js';
import { queueIdOf, startPostfixSmtpd, type PostfixSmtpd } from '../helpers/postfix-smtpd.js';
import { makeTestCa } from '../helpers/tls.js';

/**
 * MTA-STS (RFC 8461) end to end with real peers: dnsmasq serves the MX and
 * `_mta-sts` TXT records, a node:https server with its own test CA serves the
 * policies, and a private Postfix smtpd receives over STARTTLS with a
 * certificate (another test CA) naming mx.sts.test only. Baton trusts both
 * CAs through `delivery.caFile` alone (no NODE_EXTRA_CA_CERTS).
 */
describe('MTA-STS against a real policy server, DNS and Postfix', { timeout: 240_000 }, () => {
  let dir: string;
  let pf: PostfixSmtpd;
  let sts: MtaStsServer;
  let dns: DnsmasqHandle;
  let b: Baton;
  const sender = 'sender@local.test';
  const rcpt = (d: string) => `user@${d}.test`;
  const policy = (mode: string, ...mx: string[]) => `version: STSv1\nmode: ${mode}\n${mx.map((m) => `mx: ${m}\n`).join('')}max_age: 86400\n`;
  /** domain -> MX host: mx.sts.test is in Postfix's certificate, other.sts.test (the same server) is not. */
  const mxOf: Record<string, string> = {
    enforce: 'mx.sts.test',
    stranger: 'mx.sts.test',
    wrongname: 'other.sts.test',
    testing: 'other.sts.test',
    idchange: 'mx.sts.test',
    pinned: 'other.sts.test',
  };
  const policies: Record<string, string> = {
    'enforce.test': policy('enforce', '*.sts.test'),
    'stranger.test': policy('enforce', 'mail.elsewhere.test'),
    'wrongname.test': policy('enforce', 'other.sts.test'),
    'testing.test': policy('testing', '*.sts.test'),
    'idchange.test': policy('enforce', 'mail.elsewhere.test'),
  };
  const zone = (ids: Record<string, string>, port?: number): DnsZone => ({
    mx: Object.fromEntries(Object.entries(mxOf).map(([d, host]) => [`${d}.test`, [{ host, preference: 10 }]])),
    hosts: {
      'mx.sts.test': ['127.0.0.1'],
      'other.sts.test': ['127.0.0.1'],
      ...Object.fromEntries(Object.keys(policies).map((d) => [`mta-sts.${d}`, ['127.0.0.1']])),
    },
    txt: Object.fromEntries(Object.keys(policies).map((d) => [`_mta-sts.${d}`, [[`v=STSv1; id=${ids[d] ?? '1'}`]]])),
    ...(port !== undefined ? { port } : {}),
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-sts-e2e-'));
    pf = await startPostfixSmtpd({ mailboxes: Object.keys(mxOf).map(rcpt), tlsNames: ['mx.sts.test'], listeners: { mx: {} } });
    const ca = await makeTestCa(dir, 'Policy Test CA');
    sts = await startMtaStsServer(ca, dir, policies);
    dns = await startDnsmasq(zone({}));
    const caFile = await writeTrustFile(dir, [pf.caFile, ca.cert]);
    b = await startBaton({
      config: senderConfig({
        dns: dns.server,
        dnsTimeout: '300ms',
        // No site back-off: a refused domain must not hold back the others on the same MX host.
        delivery: { port: pf.port('mx'), connectionIdle: '1s', siteBackoff: '0s', caFile, mtaSts: { policyPort: sts.port } },
        extra: { routes: [{ domains: ['pinned.test'], tls: 'required-verify' }] },
      }),
    });
  });
  after(() => stopAll([b], [dns, sts, pf], dir));

  const send = async (domain: string, subject: string) => {
    const to = rcpt(domain);
    const msg = testMessage(sender, to, subject);
    const id = await sendVia(b.ports.mx as number, sender, [to], msg.text);
    return { to, msg, id };
  };
  /** The first attempt of a message expected to be deferred: its status and reason. */
  const deferred = async (domain: string, subject: string) => {
    const s = await send(domain, subject);
    await waitForAttempt(b, s.id, { timeoutMs: 30_000, intervalMs: 200 });
    const r = ((await queueShow(b, s.id)).recipients as Record<string, unknown>[])[0] ?? {};
    return { ...s, status: String(r.status), why: `${String(r.lastReply ?? '')} ${String(r.lastError ?? '')}` };
  };
  const neverArrived = async (messageId: string, to: string) => {
    assert.equal(queueIdOf(await pf.log(), messageId), undefined, 'Postfix never received the message');
    assert.deepEqual(await maildirMessages(pf.maildir(to)), []);
  };

  test('enforce, MX in the policy, certificate valid for the MX name: delivered over TLS', () =>
    pf.explain(async () => {
      const { to, msg } = await send('enforce', 'sts enforce');
      await pf.delivered(to, msg.messageId, 30_000);
      const s = await pf.sessionOf(msg.messageId);
      assert.match(s.tls ?? '', /TLS connection established from /, 'STARTTLS was used');
      assert.equal(sts.fetches('enforce.test'), 1);
    }));

  test('enforce, MX not in the policy: deferred saying so, nothing sent to the MX', () =>
    pf.explain(async () => {
      const r = await deferred('stranger', 'sts stranger');
      assert.equal(r.status, 'pending', 'deferred, not bounced');
      assert.match(r.why, /4\.7\.5/);
      assert.match(r.why, /MX host mx\.sts\.test is not in the MTA-STS policy of stranger\.test/, r.why);
      await neverArrived(r.msg.messageId, r.to);
    }));

  test('enforce, the MX certificate does not name the MX host: deferred with the certificate reason, nothing sent', () =>
    pf.explain(async () => {
      const r = await deferred('wrongname', 'sts wrong name');
      assert.equal(r.status, 'pending');
      assert.match(r.why, /does not match certificate's altnames/, r.why);
      await neverArrived(r.msg.messageId, r.to);
    }));

  test('testing, a certificate that does not name the MX host: delivered, and the failure is logged', () =>
    pf.explain(async () => {
      const { to, msg } = await send('testing', 'sts testing');
      await pf.delivered(to, msg.messageId, 30_000);
      const line = await waitFor('the testing-mode report in the log', async () => b.logs().split('\n').find((l) => l.includes('MTA-STS testing') && l.includes('testing.test')), 10_000, 100);
      assert.match(line, /"result":"certificate-host-mismatch"/);
    }));

  test('a route with required-verify trusts delivery.caFile too (the planner fallback)', () =>
    pf.explain(async () => {
      // other.sts.test is not in the certificate: refused by name, not by the chain (which caFile makes trusted).
      const r = await deferred('pinned', 'pinned route');
      assert.match(r.why, /does not match certificate's altnames/, r.why);
      assert.doesNotMatch(r.why, /unable to verify|self-signed|unable to get/, r.why);
    }));

  test('baton tls check shows the MX, the MTA-STS policy and what applies to each MX host', async () => {
    const r = await b.cli(['tls', 'check', 'stranger.test', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { mx: { hosts: { host: string }[] }; sources: { source: string; found: boolean; summary: string; details: { cached: unknown; hosts: { host: string; applies: string }[] } }[] };
    assert.deepEqual(report.mx.hosts.map((h) => h.host), ['mx.sts.test']);
    const s = report.sources.find((x) => x.source === 'mta-sts');
    assert.ok(s?.found, JSON.stringify(report));
    assert.match(s.summary, /TXT id 1; enforce, mx mail\.elsewhere\.test/);
    assert.notEqual(s.details.cached, null, 'the policy delivery cached');
    assert.match(s.details.hosts[0]?.applies ?? '', /refused/);
    const text = await b.cli(['tls', 'check', 'enforce.test']);
    assert.match(text.stdout, /mx\.sts\.test: required-verify/, text.stdout);
  });

  test('a new TXT id makes Baton fetch the policy again and apply the new one', () =>
    pf.explain(async () => {
      const first = await deferred('idchange', 'before the id change');
      assert.match(first.why, /not in the MTA-STS policy/);
      const before = sts.fetches('idchange.test');
      sts.policies.set('idchange.test', policy('enforce', 'mx.sts.test'));
      const port = dns.port;
      await dns.stop();
      dns = await startDnsmasq(zone({ 'idchange.test': '2' }, port));
      const { to, msg } = await send('idchange', 'after the id change');
      await pf.delivered(to, msg.messageId, 30_000);
      assert.equal(sts.fetches('idchange.test'), before + 1);
    }));

  test('after a restart with the policy server down, the cached enforce policy still applies', () =>
    pf.explain(async () => {
      await sts.stop();
      await b.restart();
      const r = await deferred('stranger', 'after restart');
      assert.match(r.why, /MX host mx\.sts\.test is not in the MTA-STS policy of stranger\.test/, r.why);
      await neverArrived(r.msg.messageId, r.to);
    }));
});
