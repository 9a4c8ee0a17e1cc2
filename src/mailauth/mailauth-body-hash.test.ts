import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { prng } from '../../test/helpers/seeded-random.js';
import { canonicalEnd, relaxedBodyHash } from './mailauth-body-hash.js';

const require = createRequire(import.meta.url);
const { dkimBody } = require('mailauth/lib/dkim/body/index.js') as { dkimBody: (c: string, h: string) => { update(b: Buffer): void; digest(e: 'base64'): string } };

/** mailauth's own canonicalizer, the reference. */
function reference(body: Buffer): string {
  const h = dkimBody('relaxed', 'sha256');
  if (body.length > 0) h.update(body);
  return h.digest('base64');
}

test('the fast path of the relaxed body hash equals mailauth\'s canonicalizer on 3000 seeded bodies', () => {
  const atoms = ['a', 'b c', '.', ' ', '  ', '\t', '\r\n', '\r\n', '\r\n\r\n', 'é', '\r', '\n', 'word '];
  let fast = 0;
  for (let seed = 1; seed <= 3000; seed++) {
    const r = prng(seed * 7);
    let s = '';
    for (let n = r.int(30); n > 0; n--) s += atoms[r.int(atoms.length)];
    const body = Buffer.from(s, 'latin1');
    if (canonicalEnd(body) !== undefined) fast++;
    assert.equal(relaxedBodyHash([body]), reference(body), `seed ${seed}: ${JSON.stringify(s)}`);
  }
  assert.ok(fast > 100, `the fast path was taken ${fast} times`);
});

test('an ordinary body takes the fast path; empty lines at the end are dropped', () => {
  assert.equal(canonicalEnd(Buffer.from('Hello.\r\nBye.\r\n\r\n\r\n')), 'Hello.\r\nBye.\r\n'.length);
  assert.equal(canonicalEnd(Buffer.from('\r\n\r\n')), 0);
  assert.equal(canonicalEnd(Buffer.from('')), 0);
  assert.equal(canonicalEnd(Buffer.from('no final line end')), undefined);
  assert.equal(canonicalEnd(Buffer.from('two  spaces\r\n')), undefined);
  assert.equal(relaxedBodyHash([Buffer.from('a\r\n'), Buffer.from('b\r\n')]), reference(Buffer.from('a\r\nb\r\n')), 'parts go the reference way');
});
