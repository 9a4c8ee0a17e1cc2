import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { capHeaders, foldField, formatDate, has8bit, headerValue, normaliseLines, splitMessage } from './mime.js';

describe('mime helpers', () => {
  test('formatDate writes RFC 5322 dates with a numeric zone', () => {
    assert.equal(formatDate(Date.UTC(2026, 0, 5, 7, 8, 9)), 'Mon, 5 Jan 2026 07:08:09 +0000');
  });
  test('foldField folds at white space before 78 characters and hard-splits giant words', () => {
    const folded = foldField('Diagnostic-Code', 'smtp; ' + 'word '.repeat(40).trim());
    for (const line of folded.slice(0, -2).split('\r\n')) assert.ok(line.length <= 78, line);
    assert.match(folded, /\r\n $|\r\n [^\r\n]+\r\n$/);
    const giant = foldField('X', 'y'.repeat(2000));
    for (const line of giant.slice(0, -2).split('\r\n')) assert.ok(line.length <= 998);
    assert.ok(giant.startsWith('X: yyy'));
    assert.equal(giant.replace(/[\r\n ]/g, ''), 'X:' + 'y'.repeat(2000));
  });
  test('splitMessage splits at the first empty line, with or without a body', () => {
    const a = splitMessage(Buffer.from('A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore\r\n'));
    assert.equal(a.headers.toString(), 'A: 1\r\nB: 2\r\n');
    assert.equal(a.body.toString(), 'body\r\n\r\nmore\r\n');
    assert.equal(splitMessage(Buffer.from('A: 1')).headers.toString(), 'A: 1\r\n');
    assert.equal(splitMessage(Buffer.from('\r\nbody')).headers.length, 0);
  });
  test('capHeaders cuts at a field boundary, keeping folded fields whole', () => {
    const h = Buffer.from('A: 1\r\nB: 2\r\n 3\r\nC: 4\r\n');
    assert.equal(capHeaders(h, 14).toString(), 'A: 1\r\n');
    assert.equal(capHeaders(h, 17).toString(), 'A: 1\r\nB: 2\r\n 3\r\n');
    assert.equal(capHeaders(h, 100).toString(), h.toString());
  });
  test('headerValue unfolds and ignores case; normaliseLines and has8bit', () => {
    assert.equal(headerValue(Buffer.from('X: a\r\nmessage-id: <a@b>\r\n  tail\r\n'), 'Message-ID'), '<a@b>  tail');
    assert.equal(normaliseLines(Buffer.from('a\nb\rc\r\n')).data.toString(), 'a\r\nb\r\nc\r\n');
    assert.equal(normaliseLines(Buffer.from('x'.repeat(999))).longLines, true);
    assert.equal(has8bit(Buffer.from('plain')), false);
    assert.equal(has8bit(Buffer.from('grüß')), true);
  });
});
