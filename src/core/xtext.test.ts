import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeXtext, encodeXtext } from './xtext.js';

test('xtext encodes "+", "=", space, controls and non-ASCII as +XX and leaves other printable ASCII alone (RFC 3461 §4)', () => {
  assert.equal(encodeXtext('user+tag@example.com'), 'user+2Btag@example.com');
  assert.equal(encodeXtext('a=b c'), 'a+3Db+20c');
  assert.equal(encodeXtext('tab\there'), 'tab+09here');
  assert.equal(encodeXtext('é'), '+C3+A9');
  assert.equal(encodeXtext('QQ!#$%&*~'), 'QQ!#$%&*~');
});

test('xtext decoding inverts encoding for every byte value and rejects malformed text', () => {
  let all = '';
  for (let c = 1; c < 128; c++) all += String.fromCharCode(c);
  all += 'žluťoučký 💌';
  assert.equal(decodeXtext(encodeXtext(all)), all);
  assert.equal(decodeXtext('a+2'), undefined);
  assert.equal(decodeXtext('a+2b'), undefined, 'hex must be upper case');
  assert.equal(decodeXtext('a b'), undefined);
});
