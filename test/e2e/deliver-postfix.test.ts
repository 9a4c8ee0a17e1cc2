import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queueShow, startBaton, type Baton } from '../helpers/baton.js';
import { startDnsmasq, type DnsmasqHandle } from '../helpers/dnsmasq.js';
import {
  entryOf,
  maildirMessages,
  sendVia,
  testMessage,
  waitFor,
  waitForAttempt,
  withoutOurReceived,
} from '../helpers/deliver-kit.js';
import { queueIdOf, startPostfixSmtpd, type PostfixSmtpd, type SmtpdSession } from '../helpers/postfix-smtpd.js';

/**
 * Outbound STARTTLS, AUTH, required-verify and BDAT against a real receiving
 * MTA (issue 16): a private Postfix smtpd (test/helpers/postfix-smtpd.ts) with a
 * certificate from a test CA, Cyrus SASL AUTH and CHUNKING, delivering into
 * Maildirs. Every claim is checked from Postfix's side: its log (TLS, SASL
 * user, the commands of each session) and the delivered file.
 *
 * Baton has no configuration key for the CA to trust (TlsClientSettings.ca in
 * src/delivery/tls-policy.ts is never set from the config), so the test CA is
 * given through Node's NODE_EXTRA_CA_CERTS.
 */
describe('delivery through a real Postfix smtpd', { timeout: 180_000 }, () => {
  let pf: PostfixSmtpd;
  let dns: DnsmasqHandle;
  let b: Baton;
  let port: number;
  const sender = 'sender@local.test';
  const relayUser = { user: 'relay@pf.test', pass: 'the right pass' };
  const wrongPass = { user: relayUser.user, pass: 'a wrong pass' };
  const domains = ['verify', 'nochunk', 'encrypt', 'wrongname', 'wrongca', 'notls', 'badauth', 'shared-bad', 'shared-good', 'mx', 'mx-wrongname'];
  const rcpt = (d: string) => `user@${d}.test`;

  before(async () => {
    pf = await startPostfixSmtpd({
      mailboxes: domains.map(rcpt),
      users: [relayUser],
      tlsNames: ['mx1.mx.test'],
      // One listener per case, so no case's failure backs off another's destination.
      listeners: {
        relay: { requireAuth: true },
        nochunk: { requireAuth: true, chunking: false },
        mismatch: { tls: 'wrong-name', requireAuth: true },
        wrongname: { tls: 'wrong-name', requireAuth: true },
        wrongca: { tls: 'wrong-ca', requireAuth: true },
        notls: { tls: 'none' },
        badauth: { requireAuth: true },
        shared: { requireAuth: true },
        mx: {},
      },
    });
    dns = await startDnsmasq({
      mx: {
        'mx.test': [{ host: 'mx1.mx.test', preference: 10 }],
        // Same server, but the MX name is not in its certificate.
        'mx-wrongname.test': [{ host: 'other.mx.test', preference: 10 }],
      },
      hosts: { 'mx1.mx.test': ['127.0.0.1'], 'other.mx.test': ['127.0.0.1'] },
    });
    const via = (listener: string, tls: string, auth: { user: string; pass: string } | undefined = relayUser) => ({
      smarthost: pf.address(listener),
      tls,
      ...(auth ? { auth } : {}),
    });
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        local: { maildir: 'mail/{domain}/{user}' },
        dns: { servers: [dns.server], timeout: '300ms' },
        // Short idle time: Postfix logs a session's command counts when it ends.
        delivery: { port: pf.port('mx'), connectionIdle: '1s' },
        routes: [
          { domains: ['verify.test'], ...via('relay', 'required-verify') },
          { domains: ['nochunk.test'], ...via('nochunk', 'required-verify') },
          { domains: ['encrypt.test'], ...via('mismatch', 'required') },
          { domains: ['wrongname.test'], ...via('wrongname', 'required-verify') },
          { domains: ['wrongca.test'], ...via('wrongca', 'required-verify') },
          { domains: ['notls.test'], ...via('notls', 'required', undefined) },
          { domains: ['badauth.test'], ...via('badauth', 'required-verify', wrongPass) },
          { domains: ['shared-bad.test'], ...via('shared', 'required-verify', wrongPass) },
          { domains: ['shared-good.test'], ...via('shared', 'required-verify') },
          { domains: ['mx.test', 'mx-wrongname.test'], tls: 'required-verify' },
        ],
      },
      env: { NODE_EXTRA_CA_CERTS: pf.caFile },
    });
    port = b.ports.mx as number;
  });
  after(async () => {
    await b?.stop();
    await dns?.stop();
    await pf?.stop();
  });

  /** The message as Baton sent it: Postfix's delivery and trace fields removed, then ours; asserts they are Postfix's. */
  const asSent = (delivered: string, to: string, withProto: string): string => {
    const m = /^Return-Path: <([^>]*)>\nX-Original-To: (\S+)\nDelivered-To: (\S+)\n(Received: [^\n]*\n(?:[ \t][^\n]*\n)*)/.exec(delivered);
    assert.ok(m, `Postfix's delivery fields first:\n${delivered.slice(0, 600)}`);
    assert.deepEqual([m[1], m[2], m[3]], [sender, to, to]);
    assert.match(m[4] as string, new RegExp(`by ${pf.hostname.replace(/\./g, '\\.')} \\(Postfix\\) with ${withProto} id `), 'RFC 3848 protocol in Postfix\'s Received');
    return withoutOurReceived(delivered.slice(m[0].length));
  };

  /**
   * Sends one message that is expected to be deferred and waits for its first
   * attempt: the recipient as `queue show --json` has it, and the smtpd
   * sessions that attempt opened on `listener` (ended, as Postfix logged them).
   */
  const deferredOnce = async (to: string, listener: string) => {
    const before = (await pf.sessions(listener)).length;
    const msg = testMessage(sender, to, `to ${to}`);
    const id = await sendVia(port, sender, [to], msg.text);
    await waitForAttempt(b, id, { timeoutMs: 20_000, intervalMs: 200 });
    const shown = await queueShow(b, id);
    const r = (shown.recipients as Record<string, unknown>[])[0] ?? {};
    const sessions = await waitFor(`the attempt's ended sessions on ${listener}`, async () => {
      const fresh = (await pf.sessions(listener)).slice(before);
      return fresh.length > 0 && fresh.every((s) => s.commands !== undefined) ? fresh : undefined;
    }, 20_000);
    return { msg, id, status: String(r.status), why: `${String(r.lastReply ?? '')} ${String(r.lastError ?? '')}`, sessions };
  };

  /**
   * Postfix's view of a client that gave up during the STARTTLS handshake: the
   * connection was lost right after STARTTLS (no EHLO over TLS, nothing after).
   * Whether smtpd counted the handshake as done depends on whether the client's
   * Finished got out before it closed, so both are accepted.
   */
  const assertGaveUpAtHandshake = (sessions: readonly SmtpdSession[]) => {
    for (const s of sessions) {
      assert.ok(s.lines.some((l) => l.startsWith('lost connection after STARTTLS')), `lost after STARTTLS: ${s.lines.join(' | ')}`);
      assert.match(s.commands?.starttls ?? '', /^(0\/)?1$/, `one STARTTLS: ${JSON.stringify(s.commands)}`);
      assert.equal(s.commands?.ehlo, '1', `no EHLO over TLS: ${JSON.stringify(s.commands)}`);
      for (const c of ['auth', 'mail', 'rcpt', 'data', 'bdat']) assert.equal(s.commands?.[c], undefined, `no ${c}: ${JSON.stringify(s.commands)}`);
    }
  };

  /** Nothing of this message reached Postfix, and the sender got no bounce. */
  const neverArrived = async (messageId: string, to: string) => {
    assert.equal(queueIdOf(await pf.log(), messageId), undefined, 'Postfix never received the message');
    assert.deepEqual(await maildirMessages(pf.maildir(to)), []);
    const dsns = await maildirMessages(join(b.dir, 'mail', 'local.test', 'sender'));
    assert.ok(!dsns.some((f) => f.text.includes(to)), 'a deferral, not a bounce');
  };

  test('smarthost with required-verify and AUTH: STARTTLS, AUTH as the configured user, BDAT, message byte-exact', () =>
    pf.explain(async () => {
      const to = rcpt('verify');
      const msg = testMessage(sender, to, 'through Postfix');
      await sendVia(port, sender, [to], msg.text);
      const delivered = await pf.delivered(to, msg.messageId);
      assert.equal(asSent(delivered, to, 'ESMTPSA'), msg.text.replace(/\r\n/g, '\n'), 'byte-exact apart from the Received fields');
      const s = await pf.sessionOf(msg.messageId);
      assert.equal(s.listener, 'relay');
      assert.match(s.tls ?? '', /^Anonymous TLS connection established from /, 'STARTTLS was used');
      assert.equal(s.saslUsername, relayUser.user, 'AUTH succeeded as the configured user');
      assert.equal(s.commands?.starttls, '1');
      assert.equal(s.commands?.auth, '1');
      assert.equal(s.commands?.bdat, '1', `BDAT, not DATA: ${JSON.stringify(s.commands)}`);
      assert.equal(s.commands?.data, undefined);
    }));

  test('a server without CHUNKING gets DATA instead of BDAT', () =>
    pf.explain(async () => {
      const to = rcpt('nochunk');
      const msg = testMessage(sender, to, 'no chunking');
      await sendVia(port, sender, [to], msg.text);
      const delivered = await pf.delivered(to, msg.messageId);
      assert.equal(asSent(delivered, to, 'ESMTPSA'), msg.text.replace(/\r\n/g, '\n'));
      const s = await pf.sessionOf(msg.messageId);
      assert.equal(s.listener, 'nochunk');
      assert.equal(s.commands?.data, '1', `DATA: ${JSON.stringify(s.commands)}`);
      assert.equal(s.commands?.bdat, undefined);
      assert.equal(s.saslUsername, relayUser.user);
    }));

  test('required (without verify) delivers over TLS to a server whose certificate names another host', () =>
    pf.explain(async () => {
      const to = rcpt('encrypt');
      const msg = testMessage(sender, to, 'encrypt only');
      await sendVia(port, sender, [to], msg.text);
      await pf.delivered(to, msg.messageId);
      const s = await pf.sessionOf(msg.messageId);
      assert.equal(s.listener, 'mismatch');
      assert.match(s.tls ?? '', /^Anonymous TLS connection established from /);
      assert.equal(s.saslUsername, relayUser.user);
    }));

  test('required-verify with a certificate for another name: deferred with a TLS reason, nothing sent', () =>
    pf.explain(async () => {
      const to = rcpt('wrongname');
      const r = await deferredOnce(to, 'wrongname');
      assert.equal(r.status, 'pending', 'deferred, not bounced');
      assert.match(r.why, /TLS/);
      assert.match(r.why, /does not match certificate's altnames: IP: 127\.0\.0\.1/, `the reason is the name: ${r.why}`);
      await neverArrived(r.msg.messageId, to);
      assertGaveUpAtHandshake(r.sessions);
    }));

  test('required-verify with a certificate from an untrusted CA: deferred with a TLS reason, nothing sent', () =>
    pf.explain(async () => {
      const to = rcpt('wrongca');
      const r = await deferredOnce(to, 'wrongca');
      assert.equal(r.status, 'pending');
      assert.match(r.why, /TLS/);
      assert.match(r.why, /unable to verify the first certificate/, `the reason is the chain: ${r.why}`);
      await neverArrived(r.msg.messageId, to);
      assertGaveUpAtHandshake(r.sessions);
    }));

  test('required TLS with a server that offers no STARTTLS: deferred, nothing sent in clear', () =>
    pf.explain(async () => {
      const to = rcpt('notls');
      const r = await deferredOnce(to, 'notls');
      assert.equal(r.status, 'pending');
      assert.match(r.why, /does not offer STARTTLS/);
      await neverArrived(r.msg.messageId, to);
      for (const s of r.sessions) {
        assert.equal(s.tls, undefined);
        for (const c of ['starttls', 'auth', 'mail', 'rcpt', 'data', 'bdat']) assert.equal(s.commands?.[c], undefined, `no ${c}: ${JSON.stringify(s.commands)}`);
      }
    }));

  test('wrong AUTH credentials: Postfix refuses them and the mail is deferred, never bounced', () =>
    pf.explain(async () => {
      const to = rcpt('badauth');
      const r = await deferredOnce(to, 'badauth');
      assert.equal(r.status, 'pending', 'a refused AUTH defers (like Postfix smtp_sasl_auth_soft_bounce)');
      assert.match(r.why, /^535 5\.7\.8 /, `the server's reply is kept: ${r.why}`);
      await neverArrived(r.msg.messageId, to);
      for (const s of r.sessions) {
        assert.match(s.tls ?? '', /^Anonymous TLS connection established from /, 'over TLS');
        assert.equal(s.commands?.auth, '0/1', `one AUTH, refused: ${JSON.stringify(s.commands)}`);
        assert.ok(s.lines.some((l) => l.includes(`authentication failed: authentication failure, sasl_username=${relayUser.user}`)), s.lines.join(' | '));
        for (const c of ['mail', 'rcpt', 'data', 'bdat']) assert.equal(s.commands?.[c], undefined, `no ${c}: ${JSON.stringify(s.commands)}`);
      }
    }));

  test('by MX with required-verify: the certificate matches the MX name, STARTTLS and BDAT, no AUTH', () =>
    pf.explain(async () => {
      const to = rcpt('mx');
      const msg = testMessage(sender, to, 'by MX through Postfix');
      await sendVia(port, sender, [to], msg.text);
      const delivered = await pf.delivered(to, msg.messageId);
      assert.equal(asSent(delivered, to, 'ESMTPS'), msg.text.replace(/\r\n/g, '\n'));
      const s = await pf.sessionOf(msg.messageId);
      assert.equal(s.listener, 'mx');
      assert.match(s.tls ?? '', /^Anonymous TLS connection established from /);
      assert.equal(s.saslUsername, undefined);
      assert.equal(s.commands?.bdat, '1', JSON.stringify(s.commands));
    }));

  test('by MX with required-verify when the MX name is not in the certificate: deferred with a TLS reason', () =>
    pf.explain(async () => {
      const to = rcpt('mx-wrongname');
      const r = await deferredOnce(to, 'mx');
      assert.equal(r.status, 'pending');
      assert.match(r.why, /TLS/);
      assert.match(r.why, /Host: other\.mx\.test\. is not in the cert's altnames/, `the reason is the MX name: ${r.why}`);
      await neverArrived(r.msg.messageId, to);
      assertGaveUpAtHandshake(r.sessions);
    }));

  // Two routes to one server with other credentials are two sites: one's
  // refused AUTH (a site-level failure) must not back the other off.
  test('a refused AUTH on one smarthost route does not hold back another route to the same server', () =>
    pf.explain(async () => {
      const bad = await deferredOnce(rcpt('shared-bad'), 'shared');
      assert.match(bad.why, /^535 /);
      const to = rcpt('shared-good');
      const msg = testMessage(sender, to, 'good credentials, same server');
      const id = await sendVia(port, sender, [to], msg.text);
      const first = await waitFor(`the first attempt on ${id}`, async () => {
        const e = await entryOf(b, id);
        if (e === undefined) return 'delivered';
        const r = e.recipients[0];
        return Number(r?.raw.attempts) >= 1 ? `deferred: ${String(r?.raw.lastReply ?? '')} ${String(r?.raw.lastError ?? '')}` : undefined;
      }, 20_000, 200);
      assert.equal(first, 'delivered', 'the route with the right password is tried on its own');
      await pf.delivered(to, msg.messageId);
    }));
});
