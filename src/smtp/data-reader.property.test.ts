import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentScanner } from './content-scanner.js';
import { readInChunks, verdictOf, type DataRules } from '../../test/helpers/data-reader-kit.js';
import { dataPayload } from '../delivery/client/data.js';
import { prng } from '../../test/helpers/seeded-random.js';

/**
 * Property tests for the DATA reader (the SMTP smuggling defence). A seeded
 * PRNG keeps failures reproducible: the failing seed is in the message.
 */


type Rand = ReturnType<typeof prng>;

const RULES: DataRules = { maxSize: 1 << 20, maxLine: 1 << 16, normalizeBareLineEndings: false, allow8bit: true };

interface Result {
  readonly kind: 'open' | 'end' | 'smuggling';
  readonly at: number;
  readonly content: string;
}

function read(wire: Buffer, cuts: readonly number[], rules: DataRules = RULES): Result {
  const o = readInChunks(wire, cuts, rules);
  if (o.kind === 'open') return { kind: 'open', at: -1, content: '' };
  if (o.kind === 'smuggling') return { kind: 'smuggling', at: o.at, content: '' };
  return { kind: 'end', at: o.at, content: o.message ? `ok:${o.message.toString('latin1')}` : `problem:${o.problem}` };
}

/** A random line of content (no CR, LF or NUL), often starting with dots. */
function randomLine(r: Rand): string {
  const len = r.next() < 0.2 ? 0 : r.int(r.next() < 0.1 ? 300 : 12);
  let s = r.next() < 0.35 ? '.'.repeat(1 + r.int(3)) : '';
  for (let i = 0; i < len; i++) {
    const pick = r.int(10);
    s += pick === 0 ? '.' : pick === 1 ? ' ' : pick === 2 ? String.fromCharCode(0x80 + r.int(128)) : String.fromCharCode(0x21 + r.int(94));
  }
  return s;
}

function randomMessage(r: Rand): string {
  const n = r.int(8);
  let m = '';
  for (let i = 0; i < n; i++) m += `${randomLine(r)}\r\n`;
  return m;
}

/** RFC 5321 §4.5.2: double a leading dot on every line. */
function dotStuff(message: string): string {
  return message.replace(/(^|\r\n)\./g, '$1..');
}

function randomCuts(r: Rand, length: number): number[] {
  const cuts = new Set<number>();
  const n = r.int(Math.min(length, 12) + 1);
  for (let i = 0; i < n; i++) if (length > 1) cuts.add(1 + r.int(length - 1));
  return [...cuts].sort((x, y) => x - y);
}

test('round trip: stuffed message + CRLF.CRLF, split anywhere, gives the message back and stops at the terminator', () => {
  // A fixed number of seeded cases (not a wall-clock budget): the same cases on every machine.
  for (let seed = 1; seed <= 300; seed++) {
    const r = prng(seed);
    const original = randomMessage(r);
    const terminatorEnd = dotStuff(original).length + 3;
    const trailer = r.next() < 0.5 ? 'QUIT\r\n' : '.\r\n..\r\nMAIL FROM:<a@b.c>\r\n';
    const wire = Buffer.from(`${dotStuff(original)}.\r\n${trailer}`, 'latin1');
    const expected: Result = { kind: 'end', at: terminatorEnd, content: `ok:${original}` };
    assert.deepEqual(read(wire, []), expected, `seed ${seed}, whole`);
    for (let cut = 1; cut < wire.length; cut++) {
      assert.deepEqual(read(wire, [cut]), expected, `seed ${seed}, cut at ${cut}`);
    }
    for (let k = 0; k < 20; k++) {
      const cuts = randomCuts(r, wire.length);
      assert.deepEqual(read(wire, cuts), expected, `seed ${seed}, cuts ${cuts.join(',')}`);
    }
    // One byte at a time.
    assert.deepEqual(read(wire, Array.from({ length: wire.length - 1 }, (_, i) => i + 1)), expected, `seed ${seed}, bytewise`);
  }
});

/**
 * Reference for where data ends on a hostile stream: a "." line starts right
 * after an LF (or at the start, which follows DATA's CRLF). "." LF is smuggling;
 * "." CRLF is the end, or smuggling when the line before ended in a bare LF.
 */
function referenceEnd(wire: string): { kind: 'open' | 'end' | 'smuggling'; at: number } {
  for (let p = 0; p < wire.length; p++) {
    if (wire[p] !== '.' || (p > 0 && wire[p - 1] !== '\n')) continue;
    if (wire[p + 1] === '\n') return { kind: 'smuggling', at: p + 2 };
    if (wire[p + 1] === '\r' && wire[p + 2] === '\n') {
      const bareBefore = p > 0 && wire[p - 2] !== '\r';
      return { kind: bareBefore ? 'smuggling' : 'end', at: p + 3 };
    }
  }
  return { kind: 'open', at: -1 };
}

function hostileStream(r: Rand): string {
  const atoms = ['.', '.', '\r', '\n', '\r\n', 'a', '\r\n.', '\n.', '.\r', 'b c', '\xe9'];
  let s = '';
  const n = 1 + r.int(24);
  for (let i = 0; i < n; i++) s += atoms[r.int(atoms.length)];
  return s;
}

test('hostile streams: end and smuggling match the reference, and do not depend on how the stream is split', () => {
  let ends = 0;
  let smuggles = 0;
  for (let seed = 1; seed <= 3000; seed++) {
    const r = prng(seed * 7919);
    const text = hostileStream(r);
    const wire = Buffer.from(text, 'latin1');
    for (const normalize of [false, true]) {
      const rules = { ...RULES, normalizeBareLineEndings: normalize };
      const whole = read(wire, [], rules);
      const ref = referenceEnd(text);
      assert.deepEqual({ kind: whole.kind, at: whole.at }, ref, `seed ${seed} ${JSON.stringify(text)}`);
      if (whole.kind === 'end') ends++;
      if (whole.kind === 'smuggling') smuggles++;
      for (let cut = 1; cut < wire.length; cut++) {
        assert.deepEqual(read(wire, [cut], rules), whole, `seed ${seed} ${JSON.stringify(text)} normalize=${normalize} cut ${cut}`);
      }
      const cuts = randomCuts(r, wire.length);
      assert.deepEqual(read(wire, cuts, rules), whole, `seed ${seed} ${JSON.stringify(text)} cuts ${cuts.join(',')}`);
    }
  }
  // The generator must actually reach both outcomes, or the test proves little.
  assert.ok(ends > 50 && smuggles > 50, `ends ${ends}, smuggles ${smuggles}`);
});

test('after a clean end in reject mode, the content has only CRLF line endings', () => {
  for (let seed = 1; seed <= 2000; seed++) {
    const r = prng(seed * 104729);
    const wire = Buffer.from(hostileStream(r), 'latin1');
    for (const normalize of [false, true]) {
      const res = read(wire, [], { ...RULES, normalizeBareLineEndings: normalize });
      if (res.kind !== 'end' || !res.content.startsWith('ok:')) continue;
      const content = res.content.slice(3);
      assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(content), `seed ${seed}: bare line ending passed: ${JSON.stringify(content)}`);
      if (!normalize) {
        // Reject mode passes content only when the wire had no bare CR/LF before the end.
        const before = wire.subarray(0, res.at).toString('latin1');
        assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(before), `seed ${seed}`);
      }
    }
  }
});

test('outbound dataPayload then inbound DataReader gives the message back (CRLF-terminated)', () => {
  for (let seed = 1; seed <= 500; seed++) {
    const r = prng(seed * 31337);
    let original = randomMessage(r);
    if (r.next() < 0.3) original += randomLine(r); // no final CRLF: the sender adds one
    const wire = Buffer.concat(dataPayload(Buffer.from(original, 'latin1')));
    const expected = original === '' || original.endsWith('\r\n') ? original : `${original}\r\n`;
    const res = read(wire, randomCuts(r, wire.length));
    assert.deepEqual(res, { kind: 'end', at: wire.length, content: `ok:${expected}` }, `seed ${seed}`);
  }
});

test('ContentScanner (the BDAT path) gives the same verdict however the content is split', () => {
  const atoms = ['\r', '\n', '\r\n', 'a', '.', '\xe9', '\x00', 'xxxxxxxx'];
  for (let seed = 1; seed <= 1500; seed++) {
    const r = prng(seed * 65537);
    let text = '';
    for (let n = r.int(20); n > 0; n--) text += atoms[r.int(atoms.length)];
    const content = Buffer.from(text, 'latin1');
    const rules: DataRules = {
      maxSize: 10 + r.int(40),
      maxLine: 4 + r.int(20),
      normalizeBareLineEndings: r.next() < 0.5,
      allow8bit: r.next() < 0.5,
    };
    const verdict = (cuts: readonly number[]): string => {
      const sc = new ContentScanner(rules);
      const bounds = [0, ...cuts, content.length];
      for (let k = 0; k + 1 < bounds.length; k++) sc.push(content.subarray(bounds[k], bounds[k + 1]));
      const v = verdictOf(sc, rules.allow8bit);
      return 'message' in v ? `ok:${v.message.toString('latin1')}` : `problem:${v.problem}`;
    };
    // Whether the content passes, what is kept, and which problem is named must not depend on the split.
    const whole = verdict([]);
    for (let cut = 1; cut < content.length; cut++) {
      assert.equal(verdict([cut]), whole, `seed ${seed} ${JSON.stringify(text)} ${JSON.stringify(rules)} cut ${cut}`);
    }
    assert.equal(verdict(randomCuts(r, content.length)), whole, `seed ${seed}`);
  }
});

test('the problem reported does not depend on how the content was split', () => {
  const rules: DataRules = { maxSize: 10, maxLine: 1000, normalizeBareLineEndings: false, allow8bit: false };
  const content = Buffer.from('0123456789abc\x00\r\n', 'latin1');
  const verdict = (cuts: readonly number[]): string | undefined => {
    const sc = new ContentScanner(rules);
    const bounds = [0, ...cuts, content.length];
    for (let k = 0; k + 1 < bounds.length; k++) sc.push(content.subarray(bounds[k], bounds[k + 1]));
    const v = verdictOf(sc, rules.allow8bit);
    return 'problem' in v ? v.problem : undefined;
  };
  const whole = verdict([]);
  for (let cut = 1; cut < content.length; cut++) assert.equal(verdict([cut]), whole, `cut ${cut}`);
});
