import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import { dkimVerify } from 'mailauth';
import { dkimRecordValue, generateDkimKey } from './dkim-keys.js';
import { messageAuthorDomain, relaxedField, signMessage, splitMessage, type SigningKey } from './dkim-signer.js';

/**
 * The signer against mailauth's verifier (code we did not write) for ASCII
 * messages; test/e2e/dkim-*.test.ts checks every case, 8-bit and UTF-8
 * included, with Debian's dkimpy.
 */

const T = Date.UTC(2026, 10, 30, 12);

async function key(domain: string, selector: string, algorithm: 'rsa-2048' | 'ed25519'): Promise<{ key: SigningKey; record: string }> {
  const g = await generateDkimKey(algorithm);
  const privateKey = createPrivateKey({ key: g.privateKey, format: 'der', type: 'pkcs8' });
  return { key: { domain, selector, algorithm, privateKey }, record: dkimRecordValue(algorithm, g.publicKey) };
}

async function verify(message: Buffer, records: Record<string, string>) {
  const resolver = async (name: string) => {
    const r = records[name];
    if (r === undefined) throw Object.assign(new Error('no such name'), { code: 'ENOTFOUND' });
    return [[r]];
  };
  const got = await dkimVerify(message, { resolver, curTime: new Date(T + 1000) });
  return got.results.map((r) => ({ d: r.signingDomain, s: r.selector, result: r.status.result }));
}

const MESSAGE = Buffer.from(
  'Received: from client.test by baton.test; Mon, 30 Nov 2026 12:00:00 +0000\r\n' +
    'From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: a  folded\r\n\tsubject  \r\n' +
    'Date: Mon, 30 Nov 2026 12:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\n' +
    'Hello  world \t\r\n\r\nlast line\r\n\r\n\r\n',
);

test('an RSA and an Ed25519 key give two signatures that verify, with From oversigned and t= set', async () => {
  const rsa = await key('example.com', 'r1', 'rsa-2048');
  const ed = await key('example.com', 'e1', 'ed25519');
  const fields = await signMessage(splitMessage([MESSAGE]), [rsa.key, ed.key], { now: T, timestamp: true });
  assert.equal(fields.length, 2);
  assert.match(fields[0] as string, /a=rsa-sha256;/);
  assert.match(fields[1] as string, /a=ed25519-sha256;/);
  for (const f of fields) {
    assert.match(f, /^DKIM-Signature: v=1; a=(rsa|ed25519)-sha256; c=relaxed\/relaxed; d=example\.com;/);
    assert.match(f.replace(/\r\n\s+/g, ''), /h=Message-ID:Date:Subject:To:From:From;/, 'bottom-up, From once more than present');
    assert.match(f, new RegExp(`t=${T / 1000};`));
    assert.doesNotMatch(f, /x=/);
    assert.ok(f.split('\r\n').every((l) => l.length <= 78), `lines stay short:\n${f}`);
  }
  const signed = Buffer.concat([Buffer.from(fields.join('')), MESSAGE]);
  assert.deepEqual(await verify(signed, { 'r1._domainkey.example.com': rsa.record, 'e1._domainkey.example.com': ed.record }), [
    { d: 'example.com', s: 'r1', result: 'pass' },
    { d: 'example.com', s: 'e1', result: 'pass' },
  ]);
  // The oversigned From: a second From added on the way breaks the signature.
  const forged = Buffer.concat([Buffer.from(fields[0] as string), Buffer.from('From: mallory@evil.example\r\n'), MESSAGE]);
  assert.equal((await verify(forged, { 'r1._domainkey.example.com': rsa.record }))[0]?.result, 'fail');
});

test('t= can be left out and x= set; a message given as parts signs as the same bytes in one piece', async () => {
  const rsa = await key('example.com', 'r1', 'rsa-2048');
  const at = MESSAGE.indexOf('\r\n\r\n');
  // Cut inside the empty line that ends the header: the split must still find it.
  const parts = [Buffer.from('X-Added: yes\r\n'), MESSAGE.subarray(0, at + 2), MESSAGE.subarray(at + 2, at + 5), MESSAGE.subarray(at + 5)];
  const fields = await signMessage(splitMessage(parts), [rsa.key], { now: T, timestamp: false, expiryMs: 3_600_000 });
  assert.doesNotMatch(fields[0] as string, /t=/);
  assert.match(fields[0] as string, new RegExp(`x=${T / 1000 + 3600};`));
  const signed = Buffer.concat([Buffer.from(fields.join('')), ...parts]);
  assert.equal((await verify(signed, { 'r1._domainkey.example.com': rsa.record }))[0]?.result, 'pass');
});

test('splitMessage finds the header end in any part, or none', () => {
  const whole = splitMessage([Buffer.from('A: 1\r\nB: 2\r\n\r\nbody\r\n')]);
  assert.equal(whole.header.toString(), 'A: 1\r\nB: 2\r\n\r\n');
  assert.deepEqual(whole.fields.map((f) => f.name), ['a', 'b']);
  assert.equal(Buffer.concat(whole.body).toString(), 'body\r\n');
  for (let cut = 1; cut < 16; cut++) {
    const m = Buffer.from('A: 1\r\nB: 2\r\n\r\nbody\r\n');
    const s = splitMessage([m.subarray(0, cut), m.subarray(cut)]);
    assert.equal(s.header.toString(), 'A: 1\r\nB: 2\r\n\r\n', `cut at ${cut}`);
    assert.equal(Buffer.concat(s.body).toString(), 'body\r\n', `cut at ${cut}`);
  }
  const noBody = splitMessage([Buffer.from('A: 1\r\n')]);
  assert.equal(noBody.header.toString(), 'A: 1\r\n');
  assert.deepEqual(noBody.body, []);
  const noHeader = splitMessage([Buffer.from('\r\nbody\r\n')]);
  assert.deepEqual(noHeader.fields, []);
  assert.equal(Buffer.concat(noHeader.body).toString(), 'body\r\n');
});

test('only mail with exactly one From naming one domain has an author domain', () => {
  const domain = (text: string) => messageAuthorDomain(splitMessage([Buffer.from(text)]));
  assert.equal(domain('From: a@Example.com\r\nTo: b@x.test\r\n\r\nbody'), 'example.com');
  assert.equal(domain('FROM : "x" <a@example.com>\r\n\r\n'), 'example.com');
  assert.equal(domain('From: a@example.com,\r\n b@example.com\r\n\r\n'), 'example.com');
  assert.equal(domain('To: b@x.test\r\n\r\nFrom: a@example.com\r\n'), undefined, 'no From in the header');
  assert.equal(domain('From: a@example.com\r\nFrom: a@example.com\r\n\r\n'), undefined, 'two From fields');
});

test('relaxed header canonicalization squeezes only SP and HTAB, never the 0xA0 byte inside UTF-8 letters', () => {
  assert.equal(relaxedField('SUBJECT \t:  a \t b\r\n\t c  \r\n'), 'subject:a b c\r\n');
  // "voilà Р" in UTF-8: à is C3 A0, Cyrillic Р is D0 A0.
  const utf8 = Buffer.from('Subject: voilà Р\r\n', 'utf8').toString('latin1');
  assert.equal(Buffer.from(relaxedField(utf8), 'latin1').toString('utf8'), 'subject:voilà Р\r\n');
});
