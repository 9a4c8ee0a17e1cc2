import assert from 'node:assert/strict';
import { createPublicKey, createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import { defaultSelector, dkimRecordName, dkimRecordValue, generateDkimKey, isSelector, loadPrivateKey, normalizeDomain, publicKeyValue } from './dkim-keys.js';
import { splitTxt, zoneFileStrings } from './txt-record.js';

test('an RSA-2048 key publishes its SubjectPublicKeyInfo; its record needs two TXT strings, cut at 255 bytes', async () => {
  const k = await generateDkimKey('rsa-2048');
  const spki = Buffer.from(k.publicKey, 'base64');
  assert.equal(createPublicKey({ key: spki, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength, 2048);
  const value = dkimRecordValue('rsa-2048', k.publicKey);
  assert.match(value, /^v=DKIM1; k=rsa; p=MIIB/);
  const strings = splitTxt(value);
  assert.equal(strings.length, 2);
  assert.equal(Buffer.byteLength(strings[0] as string), 255);
  assert.ok(Buffer.byteLength(strings[1] as string) <= 255);
  assert.equal(strings.join(''), value);
  assert.ok(loadPrivateKey(k.privateKey, k.publicKey));
});

test('an Ed25519 key publishes the bare 32-byte key (RFC 8463 §4.2), in one string', async () => {
  const k = await generateDkimKey('ed25519');
  assert.equal(Buffer.from(k.publicKey, 'base64').length, 32);
  assert.equal(publicKeyValue(createPublicKey(createPrivateKey({ key: k.privateKey, format: 'der', type: 'pkcs8' }))), k.publicKey);
  assert.deepEqual(splitTxt(dkimRecordValue('ed25519', k.publicKey)), [`v=DKIM1; k=ed25519; p=${k.publicKey}`]);
});

test('a private key that does not match its stored public key is refused', async () => {
  const [a, b] = await Promise.all([generateDkimKey('ed25519'), generateDkimKey('ed25519')]);
  assert.throws(() => loadPrivateKey(a.privateKey, b.publicKey), /does not match/);
});

test('TXT strings: exact 255-byte cuts, and zone-file quoting with escapes', () => {
  assert.deepEqual(splitTxt('a'.repeat(510)), ['a'.repeat(255), 'a'.repeat(255)]);
  assert.deepEqual(splitTxt('a'.repeat(511)).map((s) => s.length), [255, 255, 1]);
  assert.deepEqual(splitTxt(''), ['']);
  assert.equal(zoneFileStrings(['v=DKIM1; p=abc', 'def']), '"v=DKIM1; p=abc" "def"');
  assert.equal(zoneFileStrings(['a"b\\c']), '"a\\"b\\\\c"');
});

test('records, selectors and domains are named as DNS wants them', () => {
  assert.equal(dkimRecordName('b2026-11-rsa', 'example.com'), 'b2026-11-rsa._domainkey.example.com');
  const nov = Date.UTC(2026, 10, 15);
  assert.equal(defaultSelector(nov, 'rsa-2048', new Set()), 'b2026-11-rsa');
  assert.equal(defaultSelector(nov, 'ed25519', new Set()), 'b2026-11-ed25519');
  assert.equal(defaultSelector(nov, 'rsa-2048', new Set(['b2026-11-rsa', 'b2026-11-rsa-2'])), 'b2026-11-rsa-3');
  assert.equal(defaultSelector(Date.UTC(2027, 0, 1), 'rsa-2048', new Set()), 'b2027-01-rsa');
  assert.ok(isSelector('s1') && isSelector('a.b-c') && !isSelector('-a') && !isSelector('a_b') && !isSelector(''));
  assert.equal(normalizeDomain('Example.COM.'), 'example.com');
  assert.equal(normalizeDomain('bücher.example'), 'xn--bcher-kva.example');
  for (const bad of ['com', 'a b.example', '', '-a.example', 'exa_mple.com']) assert.equal(normalizeDomain(bad), undefined, bad);
});
