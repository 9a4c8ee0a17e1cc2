import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dialog, GREET_EHLO, utf8Bytes } from '../helpers/clients.js';
import { sendVia, testMessage } from '../helpers/deliver-kit.js';
import { activeKey, startDkimRig, verifyWithDkimpy, waitForReceived, type DkimRig, type VerifiedSignature } from '../helpers/dkim.js';

/**
 * DKIM signing on the way out (issue 8): keys made by `baton dkim keygen`,
 * public keys served by a real DNS server, and every message the sink
 * receives verified by Debian's dkimpy, which looks the keys up there.
 */
describe('DKIM signing, verified by dkimpy', { timeout: 180_000 }, () => {
  let rig: DkimRig;
  let port: number;
  let seen = 0;

  before(async () => {
    // CHUNKING at the sink: the signed message also leaves Baton in BDAT chunks.
    rig = await startDkimRig({ sinkExtensions: ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES', 'SMTPUTF8', 'CHUNKING'] });
    port = rig.baton.ports.mx as number;
    await activeKey(rig, 'rsa.test', 'rsa-2048', 'r1');
    await activeKey(rig, 'ed.test', 'ed25519', 'e1');
    await activeKey(rig, 'dual.test', 'rsa-2048', 'dr');
    await activeKey(rig, 'dual.test', 'ed25519', 'de');
  });
  after(() => rig?.stop());

  /** The next message the sink receives, with dkimpy's verdict on each of its signatures. */
  async function nextVerified(): Promise<{ data: Buffer; sigs: VerifiedSignature[] }> {
    const data = (await waitForReceived(rig.sink, ++seen))[seen - 1] as Buffer;
    return { data, sigs: await verifyWithDkimpy(data, rig.dns) };
  }

  const summary = (sigs: readonly VerifiedSignature[]) => sigs.map((s) => `${s.d} ${s.s} ${s.a} ${s.ok ? 'pass' : `FAIL ${s.error ?? ''}`}`);

  test('RSA-2048 mail is signed relaxed/relaxed with From oversigned, and verifies', async () => {
    await sendVia(port, 'a@rsa.test', ['b@remote.test'], testMessage('Alice <a@rsa.test>', 'b@remote.test', 'rsa').text);
    const { sigs } = await nextVerified();
    assert.deepEqual(summary(sigs), ['rsa.test r1 rsa-sha256 pass']);
    assert.match(sigs[0]?.h ?? '', /^(?:[^:]+:)*From(?::[^:]+)*:From$/i, 'From listed twice, the last one unmatched');
    assert.match(sigs[0]?.t ?? '', /^\d{10}$/);
  });

  test('Ed25519 mail verifies (RFC 8463)', async () => {
    await sendVia(port, 'a@ed.test', ['b@remote.test'], testMessage('a@ed.test', 'b@remote.test', 'ed').text);
    assert.deepEqual(summary((await nextVerified()).sigs), ['ed.test e1 ed25519-sha256 pass']);
  });

  test('a domain with an RSA and an Ed25519 key gets both signatures, RSA on top, and a subdomain is signed with them', async () => {
    await sendVia(port, 'a@news.dual.test', ['b@remote.test'], testMessage('News <a@news.dual.test>', 'b@remote.test', 'dual').text);
    assert.deepEqual(summary((await nextVerified()).sigs), ['dual.test dr rsa-sha256 pass', 'dual.test de ed25519-sha256 pass']);
  });

  test('an 8-bit body and SMTPUTF8 header fields with "à" and "Р" (bytes 0xA0 inside UTF-8) verify', async () => {
    const latin1Body = testMessage('a@dual.test', 'b@remote.test', 'latin-1 body', 'caf\xe9 na\xefve \xa0 non-breaking\r\n');
    await sendVia(port, 'a@dual.test', ['b@remote.test'], latin1Body.text, ['BODY=8BITMIME']);
    assert.deepEqual(summary((await nextVerified()).sigs), ['dual.test dr rsa-sha256 pass', 'dual.test de ed25519-sha256 pass']);
    const utf8 = utf8Bytes(testMessage('Jürgen Рыбаков <jürgen@dual.test>', 'böb@remote.test', 'voilà  Р  à', 'Grüße, voilà — Р\r\n').text);
    await sendVia(port, 'jürgen@dual.test', ['böb@remote.test'], utf8, ['SMTPUTF8', 'BODY=8BITMIME']);
    const { data, sigs } = await nextVerified();
    assert.ok(data.includes(Buffer.from('voilà  Р  à', 'utf8')), 'the UTF-8 subject arrived as sent');
    assert.deepEqual(summary(sigs), ['dual.test dr rsa-sha256 pass', 'dual.test de ed25519-sha256 pass']);
  });

  test('mail sent into Baton with BDAT, its header cut across chunks, verifies', async () => {
    const text = testMessage('a@rsa.test', 'b@remote.test', 'bdat').text;
    const cut = text.indexOf('\r\n\r\n') + 2;
    const [c1, c2, c3] = [text.slice(0, 20), text.slice(20, cut), text.slice(cut)];
    const events = await dialog(port, [
      ...GREET_EHLO,
      { send: 'MAIL FROM:<a@rsa.test>\r\n' }, { read: true },
      { send: 'RCPT TO:<b@remote.test>\r\n' }, { read: true },
      { send: `BDAT ${c1.length}\r\n${c1}` }, { read: true },
      { send: `BDAT ${c2.length}\r\n${c2}` }, { read: true },
      { send: `BDAT ${c3.length} LAST\r\n${c3}` }, { read: true },
      { send: 'QUIT\r\n' }, { read: true },
    ]);
    assert.match(events.at(-2)?.reply?.lines.join('\n') ?? '', /^250 .*queued as/);
    const { data, sigs } = await nextVerified();
    assert.ok(data.includes(Buffer.from('Subject: bdat')));
    assert.deepEqual(summary(sigs), ['rsa.test r1 rsa-sha256 pass']);
  });

  test('one message to two destinations is signed once: both copies carry the same signature', async () => {
    await sendVia(port, 'a@ed.test', ['x@one.test', 'y@two.test'], testMessage('a@ed.test', 'x@one.test, y@two.test', 'split').text);
    const [first, second] = (await waitForReceived(rig.sink, seen + 2)).slice(seen, seen + 2) as [Buffer, Buffer];
    seen += 2;
    const signature = (m: Buffer) => /^DKIM-Signature:[^]*?\r\n(?=[^ \t])/m.exec(m.toString('latin1'))?.[0];
    assert.ok(signature(first));
    assert.equal(signature(second), signature(first));
    for (const m of [first, second]) assert.deepEqual(summary(await verifyWithDkimpy(m, rig.dns)), ['ed.test e1 ed25519-sha256 pass']);
  });

  test('mail without a From, or from a domain without a key, goes out unsigned', async () => {
    await sendVia(port, 'a@rsa.test', ['b@remote.test'], 'To: b@remote.test\r\nSubject: no from\r\n\r\nbody\r\n');
    assert.deepEqual((await nextVerified()).sigs, [], 'no From: no domain to sign for (RFC 6376 §5.1)');
    await sendVia(port, 'a@rsa.test', ['b@remote.test'], testMessage('a@nokey.test', 'b@remote.test', 'no key').text);
    assert.deepEqual((await nextVerified()).sigs, [], 'the envelope sender domain has a key, the From domain has none');
  });
});
