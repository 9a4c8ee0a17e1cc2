import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queueShow, startBaton, type Baton } from '../helpers/baton.js';
import { maildirMessages, sendVia, testMessage, waitFor, waitForAttempt } from '../helpers/deliver-kit.js';
import { explainWith, senderConfig, stopAll } from '../helpers/outbound-tls-kit.js';
import { queueIdOf, startPostfixSmtpd, type PostfixSmtpd } from '../helpers/postfix-smtpd.js';
import { startSmtpSink, type SmtpSinkHandle } from '../helpers/smtp-sink.js';
import { postfixTlsaData } from '../helpers/tlsa.js';
import { startUnbound, type UnboundHandle } from '../helpers/unbound.js';

/**
 * DANE for SMTP (RFC 7672) end to end: the real baton resolves through a
 * private unbound that validates a zone signed with ldns-signzone (the AD bit
 * is unbound's verdict, not ours), and delivers to a private Postfix smtpd with
 * STARTTLS whose certificate comes from a test CA. The TLSA records are computed
 * from that certificate and that CA. Every MX host is 127.0.0.1 on the Postfix
 * port (delivery.port), except the one without STARTTLS: an smtp-sink on
 * 127.0.0.2 on the same port.
 */
describe('DANE with a validating resolver', { timeout: 180_000 }, () => {
  let pf: PostfixSmtpd;
  let sink: SmtpSinkHandle;
  let ub: UnboundHandle;
  let b: Baton;
  let port: number;
  const sender = 'sender@local.test';
  const secure = ['ee', 'eebad', 'ta', 'taname', 'notls', 'bogus'];
  const rcpt = (d: string) => `user@${d}`;

  before(async () => {
    pf = await startPostfixSmtpd({
      mailboxes: [...secure.map((d) => rcpt(`${d}.dane.test`)), rcpt('outside.dane.test'), rcpt('next.dane.test'), rcpt('plain.test')],
      // The DANE-TA host's name is in the certificate; mx-taname's is not.
      tlsNames: ['mx-ta.dane.test'],
      listeners: { mx: {} },
    });
    const P = pf.port('mx');
    sink = await startSmtpSink({ host: '127.0.0.2', port: P });
    const { leafSpki, caSpki, caCert } = await postfixTlsaData(pf);
    const tlsa = (host: string, rdata: string) => `_${P}._tcp.${host} IN TLSA ${rdata}`;
    const mx = (d: string, host: string, ip = '127.0.0.1') => [`${d} IN MX 10 ${host}`, `${host} IN A ${ip}`];
    ub = await startUnbound([
      {
        name: 'dane.test',
        signed: true,
        records: [
          // DANE-EE by the leaf's key, beside a PKIX-EE record that must be ignored (unusable, RFC 7672 §3.1.3).
          ...mx('ee', 'mx-ee'), tlsa('mx-ee', `3 1 1 ${leafSpki}`), tlsa('mx-ee', `1 1 1 ${caSpki}`),
          // DANE-EE naming a key the server does not have.
          ...mx('eebad', 'mx-eebad'), tlsa('mx-eebad', `3 1 1 ${caSpki}`),
          // DANE-TA with the whole CA certificate (Postfix sends only its leaf, RFC 7671 §5.2.2).
          ...mx('ta', 'mx-ta'), tlsa('mx-ta', `2 0 0 ${caCert}`),
          ...mx('taname', 'mx-taname'), tlsa('mx-taname', `2 0 0 ${caCert}`),
          ...mx('notls', 'mx-notls', '127.0.0.2'), tlsa('mx-notls', `3 1 1 ${leafSpki}`),
          ...mx('bogus', 'mx-bogus'), tlsa('mx-bogus', `3 1 1 ${leafSpki}`),
          // A secure MX RRset naming a host in the unsigned zone: its addresses are insecure (RFC 7672 §2.2.2).
          'outside IN MX 10 mx.plain.test.',
          // The preferred MX fails its TLSA match; the next one matches (RFC 5321 §5.1: try the next MX).
          'next IN MX 10 mx-eebad', 'next IN MX 20 mx-ee',
        ],
        corrupt: [`_${P}._tcp.mx-bogus`],
      },
      // Unsigned: a TLSA record that matches nothing is not believed, so mail goes as today.
      { name: 'plain.test', signed: false, records: [...mx('@', 'mx'), tlsa('mx', `3 1 1 ${'00'.repeat(32)}`)] },
    ]);
    b = await startBaton({ config: senderConfig({ dns: ub.server, delivery: { port: P, connectionIdle: '1s', dane: { enabled: true } } }) });
    port = b.ports.mx as number;
  });
  after(() => stopAll([b], [ub, sink, pf]));

  const explain = explainWith(() => pf, { unbound: () => ub.log(), baton: () => b.logs() });

  const deliveredOverTls = async (to: string) => {
    const msg = testMessage(sender, to, `to ${to}`);
    await sendVia(port, sender, [to], msg.text);
    await pf.delivered(to, msg.messageId);
    const s = await pf.sessionOf(msg.messageId);
    assert.match(s.tls ?? '', /TLS connection established/, 'delivered over STARTTLS');
  };

  /** Sends one message, waits for its first attempt, and checks it is still queued (deferred) and never reached Postfix. */
  const deferredUndelivered = async (to: string) => {
    const msg = testMessage(sender, to, `to ${to}`);
    const id = await sendVia(port, sender, [to], msg.text);
    await waitForAttempt(b, id, { timeoutMs: 30_000, intervalMs: 200 });
    const r = ((await queueShow(b, id)).recipients as Record<string, unknown>[])[0] ?? {};
    assert.equal(String(r.status), 'pending', 'deferred, not bounced');
    assert.equal(queueIdOf(await pf.log(), msg.messageId), undefined, 'Postfix never received the message');
    assert.deepEqual(await maildirMessages(pf.maildir(to)), []);
    return `${String(r.lastReply ?? '')} ${String(r.lastError ?? '')}`;
  };

  test('DANE-EE (3 1 1) matching the server key: delivered over TLS', () => explain(() => deliveredOverTls(rcpt('ee.dane.test'))));

  test('DANE-TA (2 0 0) with the test CA and the MX name in the certificate: delivered over TLS', () =>
    explain(() => deliveredOverTls(rcpt('ta.dane.test'))));

  test('DANE-EE that matches nothing: deferred, no plaintext fallback, nothing delivered', () =>
    explain(async () => {
      const why = await deferredUndelivered(rcpt('eebad.dane.test'));
      assert.match(why, /no TLSA record .* matches/);
    }));

  test('a failed match on the first MX moves the attempt to the next MX, which matches: delivered', () =>
    explain(async () => {
      await deliveredOverTls(rcpt('next.dane.test'));
      const refused = b.logs().split('\n').filter((l) => l.includes('next.dane.test') && l.includes('mx-eebad.dane.test') && l.includes('connection failed'));
      assert.ok(refused.length > 0, 'the preferred MX was tried first and failed');
    }));

  test('DANE-TA where the certificate names neither the MX host nor the domain: deferred', () =>
    explain(async () => {
      const why = await deferredUndelivered(rcpt('taname.dane.test'));
      assert.match(why, /names none of mx-taname\.dane\.test, taname\.dane\.test/);
    }));

  test('a secure host with TLSA that offers no STARTTLS: deferred, the sink got nothing', () =>
    explain(async () => {
      const why = await deferredUndelivered(rcpt('notls.dane.test'));
      assert.match(why, /does not offer STARTTLS/);
      // The attempt did reach the sink (its first session is the helper's readiness probe) and sent no mail.
      await waitFor('our session at the sink', async () => (sink.counters().sess >= 2 ? true : undefined), 15_000, 100);
      assert.deepEqual(await sink.messages(), []);
    }));

  test('a bogus TLSA answer (bad signature, SERVFAIL): deferred without connecting', () =>
    explain(async () => {
      const why = await deferredUndelivered(rcpt('bogus.dane.test'));
      assert.match(why, /DANE: TLSA lookup for _\d+\._tcp\.mx-bogus\.dane\.test failed \(SERVFAIL\)/);
      // Refused before connecting: the transport logs the refusal instead of a connection.
      const lines = b.logs().split('\n').filter((l) => l.includes('mx-bogus.dane.test'));
      assert.ok(lines.some((l) => l.includes('MX host refused by the TLS policy')), lines.join('\n'));
      assert.ok(!lines.some((l) => l.includes('connection failed')), lines.join('\n'));
      assert.match(ub.log(), /validation failure <_\d+\._tcp\.mx-bogus\.dane\.test\. TLSA IN>/, "unbound's verdict: bogus");
    }));

  test('an unsigned zone: its TLSA is not believed, mail goes opportunistically as before', () =>
    explain(() => deliveredOverTls(rcpt('plain.test'))));

  test('a secure MX whose host lives in the unsigned zone: no DANE for that host, delivered opportunistically', () =>
    explain(() => deliveredOverTls(rcpt('outside.dane.test'))));
});
