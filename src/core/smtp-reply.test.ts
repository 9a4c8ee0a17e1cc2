import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assembleReply,
  formatReply,
  formatStatus,
  isPermanent,
  isPositive,
  isTransient,
  makeReply,
  parseReplyLine,
  parseStatus,
  replyToText,
  type ParsedReplyLine,
} from './smtp-reply.js';

test('makeReply accepts a status whose class matches the first digit of the code', () => {
  const r = makeReply(550, '5.1.1', 'no such user');
  assert.equal(r.code, 550);
  assert.deepEqual(r.status, { class: 5, subject: 1, detail: 1 });
  assert.deepEqual(r.lines, ['no such user']);
});

test('makeReply refuses a status class that disagrees with the code (RFC 3463 §2)', () => {
  assert.throws(() => makeReply(250, '5.0.0', 'x'), RangeError);
  assert.throws(() => makeReply(450, '2.0.0', 'x'), RangeError);
  assert.throws(() => makeReply(550, '4.7.1', 'x'), RangeError);
  // 3xx has no enhanced class at all.
  assert.throws(() => makeReply(354, '2.0.0', 'x'), RangeError);
});

test('makeReply refuses codes outside 200-599 and malformed statuses', () => {
  for (const code of [0, 199, 600, 250.5, Number.NaN]) assert.throws(() => makeReply(code, undefined, 'x'), RangeError);
  for (const s of ['5.1', '5.1.1.1', '6.0.0', '5.1000.0', 'x.y.z', ' 5.1.1', '']) {
    assert.throws(() => makeReply(550, s, 'x'), RangeError, s);
  }
  assert.equal(makeReply(200, undefined).code, 200);
  assert.equal(makeReply(599, '5.999.999', 'x').code, 599);
});

test('makeReply without text gives one empty line', () => {
  assert.deepEqual(makeReply(250, '2.0.0').lines, ['']);
  assert.equal(formatReply(makeReply(250, undefined)), '250 \r\n');
});

test('formatReply: single line', () => {
  assert.equal(formatReply(makeReply(250, '2.1.0', 'Sender OK')), '250 2.1.0 Sender OK\r\n');
  assert.equal(formatReply(makeReply(220, undefined, 'mx ESMTP')), '220 mx ESMTP\r\n');
});

test('formatReply: multi-line uses "-" on all but the last line and the status on every line (RFC 2034 §3)', () => {
  const out = formatReply(makeReply(250, '2.0.0', 'one', 'two', 'three'));
  assert.equal(out, '250-2.0.0 one\r\n250-2.0.0 two\r\n250 2.0.0 three\r\n');
  const noStatus = formatReply(makeReply(250, undefined, 'mx', 'PIPELINING', '8BITMIME'));
  assert.equal(noStatus, '250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
});

test('parseStatus / formatStatus round trip', () => {
  for (const s of ['2.0.0', '4.4.2', '5.7.11', '5.999.999']) {
    const p = parseStatus(s);
    assert.ok(p, s);
    assert.equal(formatStatus(p), s);
  }
  for (const s of ['3.0.0', '5.0', '5.0.0 ', '5.0.0.0', '5.a.0', '5.1234.0']) assert.equal(parseStatus(s), undefined, s);
});

test('parseReplyLine: continuation, last line, bare code, junk', () => {
  assert.deepEqual(parseReplyLine('250-PIPELINING'), { code: 250, last: false, text: 'PIPELINING' });
  assert.deepEqual(parseReplyLine('250 OK'), { code: 250, last: true, text: 'OK' });
  assert.deepEqual(parseReplyLine('250'), { code: 250, last: true, text: '' });
  for (const bad of ['', '25', '199 x', '600 x', 'abc', '250x', '250:hello', '-50 x', '2.5 x']) {
    assert.equal(parseReplyLine(bad), undefined, bad);
  }
});

function lines(...raw: string[]): ParsedReplyLine[] {
  return raw.map((l) => {
    const p = parseReplyLine(l);
    assert.ok(p, l);
    return p;
  });
}

test('assembleReply lifts the enhanced status out of every line', () => {
  const r = assembleReply(lines('550-5.1.1 The email account', '550-5.1.1 does not', '550 5.1.1 exist'));
  assert.equal(r.code, 550);
  assert.deepEqual(r.status, { class: 5, subject: 1, detail: 1 });
  assert.deepEqual(r.lines, ['The email account', 'does not', 'exist']);
});

test('assembleReply keeps text when the status class disagrees with the code or is absent', () => {
  const mismatch = assembleReply(lines('550 2.0.0 odd'));
  assert.equal(mismatch.status, undefined);
  assert.deepEqual(mismatch.lines, ['2.0.0 odd']);
  const none = assembleReply(lines('220 mx.example.com ESMTP'));
  assert.equal(none.status, undefined);
  assert.deepEqual(none.lines, ['mx.example.com ESMTP']);
  // A status glued to text is not a status.
  assert.equal(assembleReply(lines('250 2.0.0OK')).status, undefined);
  assert.throws(() => assembleReply([]), RangeError);
});

test('formatReply then parse/assemble gives the same reply back', () => {
  const cases = [
    makeReply(250, '2.0.0', 'a', 'b c', 'd'),
    makeReply(452, '4.5.3', 'Too many recipients'),
    makeReply(220, undefined, 'host ESMTP'),
    makeReply(554, '5.7.1', ''),
  ];
  for (const reply of cases) {
    const wire = formatReply(reply).split('\r\n').slice(0, -1);
    const parsed = wire.map((l) => parseReplyLine(l));
    assert.ok(parsed.every((p) => p !== undefined));
    assert.deepEqual(parsed.map((p) => p?.last), wire.map((_, i) => i === wire.length - 1));
    assert.deepEqual(assembleReply(parsed as ParsedReplyLine[]), reply);
  }
});

test('replyToText and the class predicates', () => {
  assert.equal(replyToText(makeReply(550, '5.1.1', 'a', 'b')), '550 5.1.1 a b');
  assert.equal(replyToText(makeReply(250, undefined, '')), '250');
  const ok = makeReply(250, '2.0.0', 'x');
  const tmp = makeReply(451, '4.3.0', 'x');
  const perm = makeReply(554, '5.7.1', 'x');
  assert.deepEqual([isPositive(ok), isTransient(ok), isPermanent(ok)], [true, false, false]);
  assert.deepEqual([isPositive(tmp), isTransient(tmp), isPermanent(tmp)], [false, true, false]);
  assert.deepEqual([isPositive(perm), isTransient(perm), isPermanent(perm)], [false, false, true]);
});
