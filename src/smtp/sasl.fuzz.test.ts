import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLoginField, decodePlain } from './sasl.js';
import { prng } from '../../test/helpers/seeded-random.js';

/**
 * Fuzz and properties of the AUTH argument decoders (RFC 4954 §4, RFC 4616 PLAIN,
 * LOGIN): a client's AUTH line is untrusted input read before any login, so
 * no string may make them throw, and what they accept must be exactly the
 * well-formed responses. Seeded (mulberry32), a fixed number of cases.
 */

type Rand = ReturnType<typeof prng>;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';

function randomText(r: Rand, max: number): string {
  const pieces = ['\0', 'é', '\u{1F600}', ' ', '=', 'user', '@', 'example.com', '\r\n', '*'];
  let s = '';
  for (let i = r.int(max); i > 0; i--) s += r.next() < 0.3 ? pieces[r.int(pieces.length)] : String.fromCharCode(r.int(0x250));
  return s;
}

function randomResponse(r: Rand): string {
  switch (r.int(3)) {
    case 0: {
      let s = '';
      for (let i = r.int(60); i > 0; i--) s += ALPHABET[r.int(ALPHABET.length)];
      return s;
    }
    case 1:
      return Buffer.from(randomText(r, 40)).toString('base64');
    default:
      return randomText(r, 60);
  }
}

test('decodePlain and decodeLoginField never throw, and accept only base64 (RFC 4648 §4, padded)', () => {
  const r = prng(0x5a51);
  for (let i = 0; i < 30_000; i++) {
    const s = randomResponse(r);
    const plain = decodePlain(s);
    const login = decodeLoginField(s);
    const isBase64 = /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
    if (!isBase64) {
      assert.equal(plain, undefined, JSON.stringify(s));
      assert.equal(login, undefined, JSON.stringify(s));
      continue;
    }
    assert.equal(typeof login, 'string', JSON.stringify(s));
    if (plain) {
      assert.notEqual(plain.user, '', 'an empty authcid is never a user');
      assert.ok(!plain.user.includes('\0') && !plain.password.includes('\0'), JSON.stringify(s));
    }
  }
});

test('PLAIN round trip: authzid NUL authcid NUL passwd decodes to the user and password, or is refused for the right reason', () => {
  const r = prng(0x9e3779b9);
  for (let i = 0; i < 20_000; i++) {
    const user = randomText(r, 12).replace(/\0/g, '');
    const password = randomText(r, 16).replace(/\0/g, '');
    const authz = r.next() < 0.6 ? '' : r.next() < 0.5 ? user : randomText(r, 8).replace(/\0/g, '');
    const got = decodePlain(Buffer.from(`${authz}\0${user}\0${password}`).toString('base64'));
    // RFC 4616 §2: an authzid other than the user would be a proxy login, which we refuse.
    const refusable = user === '' || (authz !== '' && authz !== user);
    // Lone surrogates do not survive UTF-8: compare with what the wire can carry.
    const wire = (t: string) => Buffer.from(t).toString('utf8');
    if (refusable) assert.equal(got, undefined);
    else assert.deepEqual(got, { user: wire(user), password: wire(password) });
  }
});

test('a PLAIN response with a NUL too many or too few is refused', () => {
  const r = prng(3);
  for (let i = 0; i < 5_000; i++) {
    const fields = Array.from({ length: r.next() < 0.5 ? 2 : 4 }, () => 'u' + randomText(r, 6).replace(/\0/g, ''));
    assert.equal(decodePlain(Buffer.from(fields.join('\0')).toString('base64')), undefined, fields.join('|'));
  }
});
