import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queueList, startBaton, type Baton } from '../helpers/baton.js';
import { explainWith, senderConfig, stopAll, writeTrustFile } from '../helpers/outbound-tls-kit.js';
import { entryOf, maildirMessages, waitFor } from '../helpers/deliver-kit.js';
import { startPostfixSmtpd, type PostfixSmtpd } from '../helpers/postfix-smtpd.js';
import { receivedAtPeer, returnedToSender, sendTagged, startRequireTlsPeer } from '../helpers/requiretls-peer.js';
import { makeTestCa } from '../helpers/tls.js';
import { startUnbound, type UnboundHandle } from '../helpers/unbound.js';

/**
 * REQUIRETLS (RFC 8689 §4.2.1) by MX, with the MX hosts taken from a
 * DNSSEC-validated lookup: a private unbound validates a zone signed with
 * ldns-signzone (the AD bit is unbound's verdict). Both zones have the same
 * shape: MX 10 mx1 (127.0.0.1, a private Postfix with a certificate for mx1
 * from its test CA: verified TLS, but Postfix does not implement REQUIRETLS)
 * and MX 20 mx2 (127.0.0.2 on the same port, a second real Baton with a
 * certificate for mx2 from another test CA, offering REQUIRETLS). Baton trusts
 * both CAs through `delivery.caFile` alone. The signed zone lets REQUIRETLS
 * mail go by MX (to the one host that offers it); the unsigned zone, the
 * same MX RRset without DNSSEC (and no MTA-STS), never can.
 */
describe('REQUIRETLS over MX chosen by a DNSSEC-validated lookup', { timeout: 180_000 }, () => {
  let dir: string;
  let pf: PostfixSmtpd;
  let ub: UnboundHandle;
  let a: Baton;
  let b: Baton;
  const sender = 'sender@local.test';
  const secure = 'user@dnssec.test';
  const insecure = 'user@plain.test';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-requiretls-dnssec-'));
    pf = await startPostfixSmtpd({ mailboxes: [secure, insecure], tlsNames: ['mx1.dnssec.test', 'mx1.plain.test'], listeners: { mx: {} } });
    const port = pf.port('mx');
    const ca = await makeTestCa(dir, 'Second Hop CA');
    // One delivery.port for every MX: B listens on the other loopback address, on Postfix's port.
    b = await startRequireTlsPeer({ ca, dir, hostname: 'mx2.dnssec.test', domains: ['dnssec.test', 'plain.test'], address: `127.0.0.2:${port}` });
    const mx = ['@ IN MX 10 mx1', '@ IN MX 20 mx2', 'mx1 IN A 127.0.0.1', 'mx2 IN A 127.0.0.2'];
    ub = await startUnbound([
      { name: 'dnssec.test', signed: true, records: mx },
      { name: 'plain.test', signed: false, records: mx },
    ]);
    const caFile = await writeTrustFile(dir, [pf.caFile, ca.cert]);
    // No site back-off: Postfix's refusal of REQUIRETLS mail must not hold back the plain message.
    a = await startBaton({ config: senderConfig({ dns: ub.server, delivery: { port, caFile, connectionIdle: '1s', siteBackoff: '0s' } }) });
  });
  after(() => stopAll([a, b], [ub, pf], dir));

  const explain = explainWith(() => pf, { unbound: () => ub.log(), 'baton A': () => a.logs() });
  const send = (to: string, subject: string, requireTls: boolean) => sendTagged(a.ports.mx as number, sender, to, subject, { mode: 'starttls', requireTls });

  test('a REQUIRETLS message skips the preferred MX (verified TLS, no REQUIRETLS) and is delivered to the second, which records it', () =>
    explain(async () => {
      const { r, id, msg } = await send(secure, 'requiretls by secure mx', true);
      assert.equal(r.data?.[0], 250, JSON.stringify(r));
      const atB = await receivedAtPeer(b, sender);
      assert.equal(atB.params.requireTls, true, 'B recorded REQUIRETLS');
      assert.notEqual(atB.origin.tls, undefined, 'B received it over TLS');
      assert.ok((await b.cli(['queue', 'show', atB.id, '--body'])).stdout.includes(msg.messageId), 'the same message');
      await waitFor(`${id} to leave A's queue`, async () => (await entryOf(a, id as string)) === undefined, 15_000, 200);
      // mx1 was tried first, over verified TLS, and left without a transaction: it offers no REQUIRETLS.
      const tried = a.logs().split('\n').filter((l) => l.includes('mx1.dnssec.test') && l.includes('connection failed'));
      assert.ok(tried.some((l) => /does not offer REQUIRETLS/.test(l)), tried.join('\n'));
      await waitFor('a TLS session with Postfix that carried no mail', async () => (await pf.sessions('mx')).some((s) => s.tls !== undefined && s.commands !== undefined && s.queueIds.length === 0), 10_000, 100);
      assert.deepEqual(await maildirMessages(pf.maildir(secure)), [], 'Postfix never received it');
    }));

  test('a message without REQUIRETLS goes to the preferred MX, Postfix', () =>
    explain(async () => {
      const before = (await queueList(b)).length;
      const { r, msg } = await send(secure, 'plain by secure mx', false);
      assert.equal(r.data?.[0], 250, JSON.stringify(r));
      await pf.delivered(secure, msg.messageId, 30_000);
      assert.match((await pf.sessionOf(msg.messageId)).tls ?? '', /TLS connection established/);
      assert.equal((await queueList(b)).length, before, 'nothing more reached B');
    }));

  test('the same MX RRset unsigned (and no MTA-STS): the REQUIRETLS message is returned at once with 5.7.30', () =>
    explain(async () => {
      const before = (await queueList(b)).length;
      const { id, msg } = await send(insecure, 'requiretls by unsigned mx', true);
      assert.ok(id);
      const { parsed, diagnostic } = await returnedToSender(a, 'sender', msg.messageId);
      assert.equal(parsed.recipients[0]?.status, '5.7.30');
      assert.match(diagnostic, /MX records of plain\.test are not DNSSEC-validated/);
      assert.deepEqual(await maildirMessages(pf.maildir(insecure)), [], 'not delivered to mx1');
      assert.equal((await queueList(b)).length, before, 'not delivered to mx2 either, though it offers REQUIRETLS');
    }));
});
