import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentScanner } from './content-scanner.js';
import { readInChunks, type DataOutcome, type DataProblem, type DataRules } from '../../test/helpers/data-reader-kit.js';

const RULES: DataRules = { maxSize: 1 << 20, maxLine: 1000, normalizeBareLineEndings: false, allow8bit: false };

/** Feed `wire` to a fresh DataReader in the given chunks; report where and how it ended. */
function read(wire: Buffer, cuts: readonly number[], rules: Partial<DataRules> = {}): DataOutcome {
  return readInChunks(wire, cuts, { ...RULES, ...rules });
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function message(wire: string, rules: Partial<DataRules> = {}): string {
  const o = read(b(wire), [], rules);
  assert.equal(o.kind, 'end', `${JSON.stringify(wire)}: ${JSON.stringify(o)}`);
  assert.ok(o.kind === 'end' && o.message, `${JSON.stringify(wire)}: ${o.kind === 'end' ? o.problem : ''}`);
  return o.message.toString('latin1');
}

function problemOf(wire: string, rules: Partial<DataRules> = {}): DataProblem | undefined {
  const o = read(b(wire), [], rules);
  assert.equal(o.kind, 'end', JSON.stringify(wire));
  return o.kind === 'end' ? o.problem : undefined;
}

test('a plain message ends at CRLF.CRLF and leaves the next command', () => {
  const wire = 'Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n';
  const o = read(b(wire), []);
  assert.equal(o.kind, 'end');
  assert.ok(o.kind === 'end');
  assert.equal(o.message?.toString(), 'Subject: hi\r\n\r\nbody\r\n');
  assert.equal(wire.slice(o.at), 'QUIT\r\n');
});

test('empty message: "." right after the 354', () => {
  const o = read(b('.\r\nRSET\r\n'), []);
  assert.ok(o.kind === 'end');
  assert.equal(o.at, 3);
  assert.equal(o.message?.length, 0);
});

test('dot-unstuffing (RFC 5321 §4.5.2)', () => {
  assert.equal(message('..\r\n.\r\n'), '.\r\n');
  assert.equal(message('...x\r\n.\r\n'), '..x\r\n');
  assert.equal(message('a\r\n..b\r\n.\r\n'), 'a\r\n.b\r\n');
  // A leading dot not doubled by the client is still removed, as the RFC says.
  assert.equal(message('.x\r\n.\r\n'), 'x\r\n');
  // Dots elsewhere in a line are content.
  assert.equal(message('a.\r\n a\r\n .\r\n.\r\n'), 'a.\r\n a\r\n .\r\n');
});

test('data ends only on CRLF "." CRLF', () => {
  assert.equal(read(b('a\r\n. \r\n'), []).kind, 'open');
  assert.equal(read(b('a\r\n.x\r\n'), []).kind, 'open');
  assert.equal(read(b('a\r\n .\r\n'), []).kind, 'open');
  assert.equal(read(b('a\r\n.\r'), []).kind, 'open');
  assert.equal(read(b('a\r.\r\n'), []).kind, 'open', 'CR "." CRLF is not an end');
  assert.equal(read(b('a\r\n.\r.\r\n'), []).kind, 'open');
});

test('"\\n.\\n", "\\r\\n.\\n", "\\n.\\r\\n" are reported as smuggling, with consumed after the LF', () => {
  for (const [wire, at] of [
    ['a\n.\nMAIL FROM:<x@y.z>\r\n', 4],
    ['a\r\n.\nMAIL FROM:<x@y.z>\r\n', 5],
    ['a\n.\r\nMAIL FROM:<x@y.z>\r\n', 5],
    ['.\nRCPT TO:<x@y.z>\r\n', 2], // right after DATA's own CRLF: "\r\n.\n"
    ['\n.\r\n', 4],
    ['a\r\n..\r\nb\n.\r\n', 12],
  ] as const) {
    const o = read(b(wire), []);
    assert.equal(o.kind, 'smuggling', JSON.stringify(wire));
    assert.ok(o.kind === 'smuggling');
    assert.equal(o.at, at, JSON.stringify(wire));
  }
});

test('smuggling is reported in normalize mode too (the end would be ambiguous downstream)', () => {
  for (const wire of ['a\n.\n', 'a\r\n.\n', 'a\n.\r\n']) {
    assert.equal(read(b(wire), [], { normalizeBareLineEndings: true }).kind, 'smuggling', JSON.stringify(wire));
  }
});

test('a bare LF line ending followed by a real CRLF line resets the smuggling watch', () => {
  const o = read(b('a\nb\r\n.\r\n'), []);
  assert.ok(o.kind === 'end');
  assert.equal(o.problem, 'bare-line-ending');
  assert.equal(message('a\nb\r\n.\r\n', { normalizeBareLineEndings: true }), 'a\r\nb\r\n');
});

test('bare CR and bare LF: rejected, or rewritten as CRLF', () => {
  for (const wire of ['a\nb\r\n.\r\n', 'a\rb\r\n.\r\n', 'a\r\r\n.\r\n', '.\rx\r\n.\r\n', 'a\r.\r\n.\r\n', '\n\r\n.\r\n']) {
    assert.equal(problemOf(wire), 'bare-line-ending', JSON.stringify(wire));
  }
  const norm = { normalizeBareLineEndings: true };
  assert.equal(message('a\nb\r\n.\r\n', norm), 'a\r\nb\r\n');
  assert.equal(message('a\rb\r\n.\r\n', norm), 'a\r\nb\r\n');
  assert.equal(message('a\r\r\n.\r\n', norm), 'a\r\n\r\n');
  assert.equal(message('.\rx\r\n.\r\n', norm), '\r\nx\r\n');
  assert.equal(message('a\n\n\r\n.\r\n', norm), 'a\r\n\r\n\r\n');
});

test('NUL is refused (by the message-format check, from the scanner\'s facts)', () => {
  assert.equal(problemOf('a\x00b\r\n.\r\n'), 'nul');
  assert.equal(problemOf('\x00\r\n.\r\n', { allow8bit: true }), 'nul');
});

test('8-bit bytes need allow8bit', () => {
  assert.equal(problemOf('caf\xe9\r\n.\r\n'), 'eight-bit');
  assert.equal(message('caf\xe9\r\n\xff\x80\r\n.\r\n', { allow8bit: true }), 'caf\xe9\r\n\xff\x80\r\n');
});

test('line length limit is exact: maxLine bytes including CRLF pass, one more fails', () => {
  const maxLine = 20;
  const fits = 'x'.repeat(maxLine - 2);
  assert.equal(message(`${fits}\r\n${fits}\r\n.\r\n`, { maxLine }), `${fits}\r\n${fits}\r\n`);
  assert.equal(problemOf(`${fits}x\r\n.\r\n`, { maxLine }), 'line-too-long');
  assert.equal(problemOf(`ok\r\n${fits}x\r\n.\r\n`, { maxLine }), 'line-too-long');
  // A stuffed dot does not count: the limit applies to the content.
  assert.equal(message(`.${fits}\r\n.\r\n`, { maxLine }), `${fits}\r\n`);
  // Split inside the long line: still counted across chunks.
  const wire = b(`${fits}x\r\n.\r\n`);
  for (let cut = 1; cut < wire.length; cut++) {
    const o = read(wire, [cut], { maxLine });
    assert.ok(o.kind === 'end' && o.problem === 'line-too-long', `cut ${cut}`);
  }
});

test('size limit is exact: maxSize bytes pass, one more fails', () => {
  const body = 'abc\r\ndefgh\r\n';
  assert.equal(message(`${body}.\r\n`, { maxSize: body.length }), body);
  assert.equal(problemOf(`${body}.\r\n`, { maxSize: body.length - 1 }), 'too-big');
  assert.equal(message('.\r\n', { maxSize: 0 }), '');
  // Normalisation adds bytes, and they count.
  assert.equal(problemOf('a\nb\r\n.\r\n', { maxSize: 5, normalizeBareLineEndings: true }), 'too-big');
  assert.equal(message('a\nb\r\n.\r\n', { maxSize: 6, normalizeBareLineEndings: true }), 'a\r\nb\r\n');
});

test('reading goes on to the terminator after a problem, so the session stays in step', () => {
  const wire = `${'x'.repeat(50)}\r\nmore\r\n.\r\nQUIT\r\n`;
  const o = read(b(wire), [], { maxLine: 20 });
  assert.ok(o.kind === 'end');
  assert.equal(o.problem, 'line-too-long');
  assert.equal(wire.slice(o.at), 'QUIT\r\n');
});

test('ContentScanner alone (BDAT): a CR as the last byte is a bare CR', () => {
  const s = new ContentScanner(RULES);
  s.push(b('abc\r'));
  assert.deepEqual(s.finish(), { ok: false, problem: 'bare-line-ending' });
  const n = new ContentScanner({ ...RULES, normalizeBareLineEndings: true });
  n.push(b('abc\r'));
  const f = n.finish();
  assert.ok(f.ok);
  assert.equal(f.message.toString(), 'abc\r\n');
  const split = new ContentScanner(RULES);
  split.push(b('abc\r'));
  split.push(b('\ndef'));
  const g = split.finish();
  assert.ok(g.ok);
  assert.equal(g.message.toString(), 'abc\r\ndef');
  assert.equal(split.size, 8);
});
