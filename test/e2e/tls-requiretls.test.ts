import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queueList, queueShow, startBaton, type Baton } from '../helpers/baton.js';
import { pySend } from '../helpers/clients.js';
import { entryOf, maildirMessages, waitFor, waitForAttempt, waitForMaildir } from '../helpers/deliver-kit.js';
import { startDnsmasq, type DnsmasqHandle } from '../helpers/dnsmasq.js';
import { freePort } from '../helpers/free-port.js';
import { stopAll } from '../helpers/outbound-tls-kit.js';
import { startPostfixSmtpd, type PostfixSmtpd } from '../helpers/postfix-smtpd.js';
import { receivedAtPeer, returnedToSender, sendTagged, startRequireTlsPeer } from '../helpers/requiretls-peer.js';
import { makeTestCa } from '../helpers/tls.js';

/**
 * REQUIRETLS (RFC 8689) end to end, with real peers: Python's smtplib as the
 * client, a real Postfix smtpd (verified TLS, but no REQUIRETLS: Postfix does
 * not implement it) and a second Baton with a certificate from a test CA that
 * the first trusts (NODE_EXTRA_CA_CERTS, like deliver-postfix). No validating
 * resolver here, so the verified REQUIRETLS path uses smarthost routes (RFC
 * 8689 §4.2.1 has no MX condition for them: the operator named the host, and
 * the certificate must verify against that name); dnsmasq's unsigned MX shows
 * the other side: such a path can never meet REQUIRETLS and is returned.
 * REQUIRETLS by MX from a DNSSEC-validated lookup: tls-requiretls-dnssec.test.ts.
 */
describe('REQUIRETLS (RFC 8689) with real peers', { timeout: 180_000 }, () => {
  let dir: string;
  let pf: PostfixSmtpd;
  let dns: DnsmasqHandle;
  let a: Baton;
  let b: Baton;
  const sender = 'sender@local.test';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-requiretls-'));
    const ca = await makeTestCa(dir, 'RequireTLS Test CA');
    pf = await startPostfixSmtpd({ mailboxes: ['user@pf.test'], listeners: { strict: {} } });
    dns = await startDnsmasq({ mx: { 'mx.test': [{ host: 'mx1.mx.test', preference: 10 }] }, hosts: { 'mx1.mx.test': ['127.0.0.1'] } });
    const dead = await freePort();
    // B, the next hop: REQUIRETLS offered on TLS; it keeps what it gets so its queue can be read.
    b = await startRequireTlsPeer({ ca, dir, hostname: 'mx.b.test', domains: ['b.test'] });
    // Both trust anchors in one file: Node reads every certificate of NODE_EXTRA_CA_CERTS.
    const anchors = join(dir, 'anchors.pem');
    await writeFile(anchors, (await readFile(pf.caFile, 'utf8')) + (await readFile(ca.cert, 'utf8')));
    a = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        local: { maildir: 'mail/{domain}/{user}' },
        dns: { servers: [dns.server], timeout: '300ms' },
        routes: [
          // opportunistic on purpose: REQUIRETLS raises it to required-verify for its messages.
          { domains: ['b.test'], smarthost: `127.0.0.1:${b.ports.mx}`, tls: 'opportunistic' },
          { domains: ['pf.test'], smarthost: pf.address('strict'), tls: 'opportunistic' },
          { domains: ['dead.test'], smarthost: `127.0.0.1:${dead}`, tls: 'opportunistic' },
        ],
      },
      env: { NODE_EXTRA_CA_CERTS: anchors },
    });
  });
  after(() => stopAll([a, b], [dns, pf], dir));

  const send = (to: string, subject: string, opts: { mode: 'plain' | 'starttls'; requireTls: boolean; header?: string }) =>
    sendTagged(a.ports.mx as number, sender, to, subject, opts);

  test('EHLO offers REQUIRETLS only after STARTTLS; MAIL FROM REQUIRETLS on plaintext gets 530 5.7.10 and nothing is queued', async () => {
    const hello = await pySend({ port: a.ports.mx as number, mode: 'starttls', mail_from: sender, rcpts: [], stop_after: 'ehlo' });
    assert.equal('requiretls' in (hello.features_before_tls ?? {}), false, JSON.stringify(hello.features_before_tls));
    assert.equal('requiretls' in (hello.features ?? {}), true, JSON.stringify(hello.features));
    const { r } = await send('user@b.test', 'plaintext requiretls', { mode: 'plain', requireTls: true });
    assert.equal(r.mail?.[0], 530, JSON.stringify(r));
    assert.match(r.mail?.[1] ?? '', /^5\.7\.10 .*STARTTLS/);
    assert.equal((await queueList(a)).length, 0);
  });

  test('on TLS: 250, and the hop through a second Baton over verified TLS carries REQUIRETLS into its queue', async () => {
    const { r, id, msg } = await send('user@b.test', 'requiretls via b', { mode: 'starttls', requireTls: true });
    assert.equal(r.mail?.[0], 250, JSON.stringify(r));
    assert.ok(id, JSON.stringify(r.data));
    const atB = await receivedAtPeer(b, sender).catch(async (err: Error) => {
      throw new Error(`${err.message}; at A: ${JSON.stringify((await entryOf(a, id as string))?.recipients[0]?.raw)}`);
    });
    assert.deepEqual(atB.params.requireTls, true, 'B recorded REQUIRETLS');
    assert.equal(atB.origin.tls !== undefined, true, 'B received it over TLS');
    await waitFor(`${id} to leave A's queue`, async () => (await entryOf(a, id as string)) === undefined, 15_000, 200);
    const body = await b.cli(['queue', 'show', atB.id, '--body']);
    assert.ok(body.stdout.includes(msg.messageId), 'the same message');
  });

  test('a verified next hop that does not offer REQUIRETLS (Postfix): deferred with 4.7.30, the queue carries the tag, nothing delivered', async () => {
    const { r, id } = await send('user@pf.test', 'requiretls to postfix', { mode: 'starttls', requireTls: true });
    assert.equal(r.mail?.[0], 250, JSON.stringify(r));
    const rcpt = await waitForAttempt(a, id as string, { timeoutMs: 20_000, intervalMs: 200 });
    assert.equal(rcpt.status, 'pending', JSON.stringify(rcpt.raw));
    assert.match(String(rcpt.raw.lastReply ?? ''), /4\.7\.30 REQUIRETLS support required: .* does not offer REQUIRETLS/);
    assert.deepEqual(((await queueShow(a, id as string)).params as Record<string, unknown>).requireTls, true);
    assert.deepEqual(await maildirMessages(pf.maildir('user@pf.test')), [], 'never delivered');
    // The same route still takes mail without REQUIRETLS: the failure was the message's, not the site's.
    const plain = await send('user@pf.test', 'no requiretls to postfix', { mode: 'starttls', requireTls: false });
    await waitForMaildir(pf.maildir('user@pf.test'), 1, 20_000);
    await waitFor(`${plain.id} delivered`, async () => (await entryOf(a, plain.id as string)) === undefined, 15_000, 200);
  });

  test('an MX without DNSSEC (and no MTA-STS) can never meet REQUIRETLS: returned at once with 5.7.30, headers only', async () => {
    const { id, msg } = await send('user@mx.test', 'requiretls by unsigned mx', { mode: 'starttls', requireTls: true });
    assert.ok(id);
    const { parsed, diagnostic, text } = await returnedToSender(a, 'sender', msg.messageId);
    assert.equal(parsed.recipients[0]?.status, '5.7.30');
    assert.match(diagnostic, /not DNSSEC-validated/);
    assert.ok(parsed.partTypes.includes('text/rfc822-headers'), `headers only (RFC 8689 §5): ${parsed.partTypes.join(', ')}`);
    assert.ok(!text.includes('SECRET-BODY-LINE'), 'the body is not returned');
  });

  test('TLS-Required: No is stored as requireTls: false (RFC 8689 §4.1); the header stays in the message', async () => {
    const { id } = await send('user@dead.test', 'tls-required no', { mode: 'plain', requireTls: false, header: 'TLS-Required: No\r\n' });
    assert.ok(id);
    const shown = await queueShow(a, id);
    assert.deepEqual((shown.params as Record<string, unknown>).requireTls, false);
    assert.match((await a.cli(['queue', 'show', id, '--body'])).stdout, /^TLS-Required: No\r?$/m, 'kept for the next hop (§4.2.2)');
  });
});
