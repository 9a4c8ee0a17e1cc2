import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMailbox, parsePath } from '../core/index.js';
import { decodeXtext, encodeXtext } from '../core/index.js';
import { parseCommand, parseParams } from './command-parser.js';
import { parseMailParams, parseRcptParams } from './mail-params.js';
import { prng } from '../../test/helpers/seeded-random.js';

/**
 * Fuzz: random lines must never make the session-free parsers throw, and what
 * they accept must satisfy simple invariants. Seeded (mulberry32) and bounded.
 */

type Rand = ReturnType<typeof prng>;

const TOKENS = [
  'MAIL', 'FROM:', 'RCPT', 'TO:', 'EHLO', 'HELO', 'BDAT', 'LAST', 'AUTH', 'PLAIN', 'DATA', 'QUIT', 'STARTTLS', 'NOOP',
  ' ', ' ', '<', '>', '<>', '@', '"', '\\', '.', ':', ',', '=', '+', '%', '!', '[', ']', 'IPv6:', '::1', '1.2.3.4',
  'SIZE=', 'BODY=', 'NOTIFY=', 'ORCPT=', 'ENVID=', 'RET=', 'SMTPUTF8', 'rfc822;', '+40', '+2B', 'user', 'example.com',
  '\u00e9', '\u017f', '\u0131', '\ud83d\ude00', '\u0000', '\t', '\r', '9999999999', '0', '-', '*',
];

/** Either raw random bytes decoded as the session does (UTF-8), or a soup of SMTP-ish tokens. */
function randomLine(r: Rand): string {
  if (r.next() < 0.4) {
    const bytes = Buffer.alloc(r.int(80));
    for (let i = 0; i < bytes.length; i++) bytes[i] = r.next() < 0.7 ? 0x20 + r.int(95) : r.int(256);
    return bytes.toString(r.next() < 0.5 ? 'utf8' : 'latin1');
  }
  let s = '';
  const n = r.int(16);
  for (let i = 0; i < n; i++) s += TOKENS[r.int(TOKENS.length)];
  return s;
}

const LOCAL_BITS = ['a', 'B', '.', '..', '"', '\\', ' ', '%', '!', '+', '@', '\u00e9', 'x'.repeat(40), '\u0000', '>'];
const DOMAIN_BITS = ['example', '.', 'COM', '-', '[', ']', '1.2.3.4', 'IPv6:', '::1', '\u00fc', 'y'.repeat(63), '_', '>'];

/** Something shaped like a path, so that a fair share of them parse. */
function randomPath(r: Rand): string {
  let local = '';
  for (let i = 1 + r.int(4); i > 0; i--) local += LOCAL_BITS[r.int(LOCAL_BITS.length)];
  let domain = '';
  for (let i = 1 + r.int(6); i > 0; i--) domain += DOMAIN_BITS[r.int(DOMAIN_BITS.length)];
  const tail = r.next() < 0.5 ? '>' : `> ${randomLine(r)}`;
  return `<${r.next() < 0.1 ? '@x:' : ''}${local}@${domain}${tail}`;
}

const ITERATIONS = 20_000;

test('parseCommand never throws and returns a well-formed result', () => {
  const r = prng(0xc0ffee);
  for (let i = 0; i < ITERATIONS; i++) {
    const line = randomLine(r);
    const res = parseCommand(line);
    if (!res.ok) {
      assert.ok(res.problem === 'unknown' || res.problem === 'syntax', JSON.stringify(line));
      continue;
    }
    const c = res.command;
    switch (c.verb) {
      case 'BDAT':
        assert.ok(Number.isInteger(c.size) && c.size >= 0 && c.size < 2 ** 31, JSON.stringify(line));
        break;
      case 'MAIL':
      case 'RCPT':
        assert.ok(c.args.startsWith('<'), JSON.stringify(line));
        break;
      case 'EHLO':
      case 'HELO':
        assert.match(c.domain, /^[\x21-\x7e]{1,255}$/);
        break;
      case 'AUTH':
        assert.match(c.mechanism, /^[A-Z0-9_-]{1,20}$/);
        break;
      default:
        break;
    }
  }
});

test('parsePath never throws; an accepted mailbox keeps its limits and re-parses to itself', () => {
  const r = prng(0xbadd1e);
  let accepted = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const pick = r.next();
    const line = pick < 0.5 ? randomPath(r) : pick < 0.75 ? `<${randomLine(r)}` : randomLine(r);
    for (const opts of [{ utf8: false, allowNull: true }, { utf8: true, allowNull: false }]) {
      const res = parsePath(line, opts);
      if (!res.ok || res.mailbox === null) continue;
      accepted++;
      const m = res.mailbox;
      assert.equal(m.domain, m.domain.toLowerCase(), JSON.stringify(line));
      assert.ok(Buffer.byteLength(m.local) <= 64 && Buffer.byteLength(m.domain) <= 255, JSON.stringify(line));
      assert.ok(!m.domain.endsWith('.') && m.local.length > 0, JSON.stringify(line));
      if (!opts.utf8) assert.match(m.local + m.domain, /^[\x21-\x7e]*$/, JSON.stringify(line));
      const again = parsePath(`<${formatMailbox(m)}>`, opts);
      assert.ok(again.ok, JSON.stringify(line));
      assert.deepEqual(again.mailbox, m, JSON.stringify(line));
    }
  }
  assert.ok(accepted > 100, `the generator produced only ${accepted} valid paths`);
});

test('parseParams and the MAIL/RCPT parameter parsers never throw', () => {
  const r = prng(0x5eed);
  for (let i = 0; i < ITERATIONS; i++) {
    const line = randomLine(r);
    const map = parseParams(line);
    if (map) {
      for (const [k, v] of map) {
        assert.match(k, /^[A-Z0-9][A-Z0-9-]*$/, JSON.stringify(line));
        if (v !== true) assert.doesNotMatch(v, /[\x00-\x20=\x7f]/, JSON.stringify(line));
      }
    }
    parseMailParams(line, 1000);
    parseRcptParams(line);
  }
});

test('decodeXtext never throws; encodeXtext output always decodes, and ASCII round-trips', () => {
  const r = prng(0x7e47);
  for (let i = 0; i < ITERATIONS; i++) {
    const line = randomLine(r);
    const decoded = decodeXtext(line);
    if (decoded !== undefined) assert.doesNotMatch(line, /\+(?![0-9A-F]{2})/, JSON.stringify(line));
    const encoded = encodeXtext(line);
    assert.match(encoded, /^(?:[\x21-\x2a\x2c-\x3c\x3e-\x7e]|\+[0-9A-F]{2})*$/, JSON.stringify(line));
    const back = decodeXtext(encoded);
    assert.ok(back !== undefined, JSON.stringify(line));
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7f]*$/.test(line)) assert.equal(back, line, JSON.stringify(line));
  }
});
