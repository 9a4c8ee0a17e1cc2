import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, test } from 'node:test';
import { KeySealer, KeySealError, readDkimSecret } from './key-seal.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-seal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'correct horse battery staple';
const plain = Buffer.from('-----BEGIN PRIVATE KEY----- not really');

test('a sealed key opens with the same secret and context, and the ciphertext differs each time (random IV)', () => {
  const s = new KeySealer(SECRET);
  const a = s.seal(plain, 'example.com/s1');
  const b = s.seal(plain, 'example.com/s1');
  assert.notDeepEqual(a, b);
  assert.equal(a.indexOf(plain.subarray(0, 16)), -1, 'no plaintext in the sealed bytes');
  assert.deepEqual(new KeySealer(SECRET).open(a, 'example.com/s1'), plain);
  assert.deepEqual(s.open(b, 'example.com/s1'), plain);
});

test('another secret, another row or a flipped bit fails with a clear error, never garbage', () => {
  const sealed = new KeySealer(SECRET).seal(plain, 'example.com/s1');
  assert.throws(() => new KeySealer('another secret of length').open(sealed, 'example.com/s1'), (err: unknown) => err instanceof KeySealError && /dkim\.secret is not the secret/.test(err.message));
  assert.throws(() => new KeySealer(SECRET).open(sealed, 'example.org/s1'), KeySealError, 'the AAD binds it to its domain and selector');
  const flipped = Buffer.from(sealed);
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
  assert.throws(() => new KeySealer(SECRET).open(flipped, 'example.com/s1'), KeySealError);
  assert.throws(() => new KeySealer(SECRET).open(Buffer.from([2, 0, 0]), 'example.com/s1'), /not in a format/);
});

test('the sealer never shows its key when logged or serialised', () => {
  const s = new KeySealer(SECRET);
  assert.equal(JSON.stringify({ s }), '{"s":"[KeySealer]"}');
  assert.doesNotMatch(inspect(s, { showHidden: true }), /[0-9a-f]{32}|correct horse/);
});

test('the secret comes from dkim.secret or the first line of dkim.secretFile', () => {
  assert.equal(readDkimSecret({}), undefined);
  assert.equal(readDkimSecret({ secret: SECRET }), SECRET);
  const file = join(dir, 'secret');
  writeFileSync(file, `  ${SECRET}  \nsecond line\n`);
  assert.equal(readDkimSecret({ secretFile: file }), SECRET);
  writeFileSync(file, 'short\n');
  assert.throws(() => readDkimSecret({ secretFile: file }), /at least 16 characters/);
  assert.throws(() => readDkimSecret({ secretFile: join(dir, 'none') }), /Cannot read dkim\.secretFile .*ENOENT/);
});
