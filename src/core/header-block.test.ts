import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyHeaderEdits, countHeader, fieldRanges, hasHeader, headerEnd, partsLength } from './header-block.js';

const msg = (s: string): Buffer => Buffer.from(s, 'latin1');
const joined = (parts: readonly Buffer[]): string => Buffer.concat(parts).toString('latin1');

test('headerEnd: offset of the body after the blank line', () => {
  assert.equal(headerEnd(msg('Subject: x\r\n\r\nbody\r\n')), 'Subject: x\r\n'.length);
  assert.equal(headerEnd(msg('\r\nbody only\r\n')), 0);
  assert.equal(headerEnd(msg('Subject: x\r\nFrom: a\r\n')), 'Subject: x\r\nFrom: a\r\n'.length, 'no body');
  assert.equal(headerEnd(msg('')), 0);
  assert.equal(headerEnd(msg('A: 1\r\n\r\n\r\n\r\n')), 'A: 1\r\n'.length, 'the first blank line');
});

test('hasHeader: case-insensitive, only in the header block, only at a line start', () => {
  const m = msg('Subject: hi\r\nmessage-id: <1@x>\r\nX-Date: no\r\n folded Date: no\r\nDATE : yes?\r\n\r\nDate: in body\r\nTo: body\r\n');
  assert.ok(hasHeader(m, 'Subject'));
  assert.ok(hasHeader(m, 'SUBJECT'));
  assert.ok(hasHeader(m, 'Message-ID'));
  assert.ok(hasHeader(m, 'date'), 'obsolete "Date :" form (RFC 5322 §4.5) still counts');
  assert.equal(hasHeader(m, 'To'), false, 'body is not header');
  const noDate = msg('Subject: hi\r\nX-Date: no\r\n Date: folded\r\n\r\nDate: body\r\n');
  assert.equal(hasHeader(noDate, 'Date'), false);
  assert.equal(hasHeader(msg('Dates: x\r\n\r\n'), 'Date'), false);
  assert.ok(hasHeader(msg('Date: x\r\n'), 'Date'), 'headers with no body');
});

test('countHeader counts fields of the header block only (RFC 5321 §6.3 loop count)', () => {
  assert.equal(countHeader(msg('Received: a\r\nreceived : b\r\nX-Received: c\r\n\r\nReceived: in body\r\n'), 'Received'), 2);
  assert.equal(countHeader(msg('Subject: none\r\n\r\n'), 'Received'), 0);
});

test('fieldRanges: one range per field, folded lines included, up to the blank line', () => {
  const m = msg('A: 1\r\nB: 2\r\n\tmore\r\n more\r\nC:3\r\n\r\nbody: x\r\n');
  const ranges = fieldRanges(m);
  assert.deepEqual(ranges.map((r) => r.name), ['a', 'b', 'c']);
  assert.deepEqual(ranges.map((r) => m.toString('latin1', r.start, r.end)), ['A: 1\r\n', 'B: 2\r\n\tmore\r\n more\r\n', 'C:3\r\n']);
  assert.deepEqual(fieldRanges(msg('\r\nbody\r\n')), []);
  assert.deepEqual(fieldRanges(msg('X: no end')).map((r) => r.end), [9], 'a header-only message without CRLF ends at its length');
});

test('applyHeaderEdits prepends in order and keeps the body as a slice, not a copy', () => {
  const m = msg('Subject: s\r\n\r\nbody\r\n');
  const parts = applyHeaderEdits(m, [{ prepend: ['Received: r\r\n'] }, { prepend: ['Date: d\r\n', 'Message-ID: <i@h>\r\n'] }]);
  assert.equal(joined(parts), 'Received: r\r\nDate: d\r\nMessage-ID: <i@h>\r\nSubject: s\r\n\r\nbody\r\n');
  assert.equal(parts[parts.length - 1]?.buffer, m.buffer, 'the original bytes are shared');
  assert.equal(partsLength(parts), Buffer.concat(parts).length);
  assert.deepEqual(applyHeaderEdits(m, []), [m], 'no edits: the message itself');
});

test('applyHeaderEdits removes every occurrence of a field, folded lines too, and never touches the body', () => {
  const m = msg('X-Baton-Stream: bulk\r\nSubject: s\r\nx-baton-stream : a\r\n b\r\nTo: t\r\n\r\nX-Baton-Stream: in body\r\n');
  const out = joined(applyHeaderEdits(m, [{ remove: ['X-Baton-Stream'] }]));
  assert.equal(out, 'Subject: s\r\nTo: t\r\n\r\nX-Baton-Stream: in body\r\n');
  const replaced = joined(applyHeaderEdits(msg('Subject: old\r\n\r\nb\r\n'), [{ remove: ['subject'], prepend: ['Subject: new\r\n'] }]));
  assert.equal(replaced, 'Subject: new\r\n\r\nb\r\n');
});

test('applyHeaderEdits removes a field only where its unfolded value matches (RFC 8601 §5: our own Authentication-Results)', () => {
  const m = msg('Authentication-Results: mx.baton.test;\r\n spf=pass\r\nAuthentication-Results: other.example; dkim=pass\r\nSubject: s\r\n\r\nb\r\n');
  const ours = { name: 'authentication-results', value: /^\s*mx\.baton\.test\s*(;|$)/i };
  const out = joined(applyHeaderEdits(m, [{ removeWhere: [ours], prepend: ['Authentication-Results: mx.baton.test; spf=none\r\n'] }]));
  assert.equal(out, 'Authentication-Results: mx.baton.test; spf=none\r\nAuthentication-Results: other.example; dkim=pass\r\nSubject: s\r\n\r\nb\r\n');
});
