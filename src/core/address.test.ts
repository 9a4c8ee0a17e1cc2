import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMailbox, isAsciiMailbox, parseMailbox, parsePath, sameDomain, type ParsedPath } from './address.js';

const ASCII = { utf8: false, allowNull: false };
const UTF8 = { utf8: true, allowNull: false };

function ok(text: string, opts = ASCII): { local: string; domain: string; rest: string } {
  const r = parsePath(text, opts);
  assert.ok(r.ok, `${text} should parse: ${JSON.stringify(r)}`);
  assert.ok(r.mailbox, `${text} should have a mailbox`);
  return { ...r.mailbox, rest: r.rest };
}

function problem(text: string, opts = ASCII): string {
  const r: ParsedPath = parsePath(text, opts);
  assert.equal(r.ok, false, `${text} should be refused`);
  return r.ok ? '' : r.problem;
}

test('plain addresses and the rest of the line', () => {
  assert.deepEqual(ok('<user@example.com>'), { local: 'user', domain: 'example.com', rest: '' });
  assert.deepEqual(ok('<first.last+tag@sub.example.com> SIZE=10 BODY=8BITMIME'), {
    local: 'first.last+tag',
    domain: 'sub.example.com',
    rest: 'SIZE=10 BODY=8BITMIME',
  });
  assert.deepEqual(ok("<!#$%&'*+-/=?^_`{|}~@x.org>").local, "!#$%&'*+-/=?^_`{|}~");
});

test('null path "<>" only where allowed', () => {
  const r = parsePath('<> SIZE=5', { utf8: false, allowNull: true });
  assert.deepEqual(r, { ok: true, mailbox: null, rest: 'SIZE=5' });
  assert.equal(problem('<>'), 'syntax');
  assert.equal(formatMailbox(null), '');
});

test('domain is lower-cased, local part keeps its case (RFC 5321 §2.4)', () => {
  const m = ok('<John.Doe@Example.COM>');
  assert.equal(m.local, 'John.Doe');
  assert.equal(m.domain, 'example.com');
  assert.ok(sameDomain('EXAMPLE.com', 'example.COM'));
  assert.equal(formatMailbox({ local: 'John', domain: 'example.com' }), 'John@example.com');
});

test('quoted local parts', () => {
  assert.equal(ok('<"john doe"@example.com>').local, '"john doe"');
  assert.equal(ok('<"a@b"@example.com>').local, '"a@b"');
  assert.equal(ok('<"a>b"@example.com>').local, '"a>b"', 'a ">" inside quotes does not end the path');
  assert.equal(ok('<"a\\"b"@example.com>').local, '"a\\"b"', 'quoted-pair');
  assert.equal(ok('<""@example.com>').local, '""');
  assert.equal(problem('<"a"b"@example.com>'), 'syntax');
  assert.equal(problem('<"unterminated@example.com>'), 'syntax');
  assert.equal(problem('<"a\\"@example.com>'), 'syntax', 'the closing quote is escaped');
  assert.equal(problem('<"tab\there"@example.com>'), 'syntax');
});

test('source routes are refused', () => {
  assert.equal(problem('<@relay.example:user@example.com>'), 'source-route');
  assert.equal(problem('<@a,@b:user@example.com>'), 'source-route');
});

test('trailing dot, empty labels, bad labels are refused', () => {
  for (const bad of [
    '<user@example.com.>',
    '<user@.example.com>',
    '<user@example..com>',
    '<user@-example.com>',
    '<user@example-.com>',
    '<user@exa_mple.com>',
    '<user@>',
    '<@example.com>',
    '<user@example.com',
    'user@example.com',
    ' <user@example.com>',
    '<user@example.com>SIZE=1',
    '<us er@example.com>',
    '<.user@example.com>',
    '<user.@example.com>',
    '<us..er@example.com>',
    '<user>',
    '<user@exa<mple.com>',
    '<user@example.com\r>',
  ]) {
    const p = problem(bad);
    assert.ok(p === 'syntax' || p === 'source-route', `${bad}: ${p}`);
  }
});

test('address literals', () => {
  assert.equal(ok('<user@[192.0.2.1]>').domain, '[192.0.2.1]');
  assert.equal(ok('<user@[IPv6:2001:db8::1]>').domain.toLowerCase(), '[ipv6:2001:db8::1]');
  for (const bad of ['<user@[256.0.0.1]>', '<user@[1.2.3]>', '<user@[1.2.3.4.5]>', '<user@[example.com]>', '<user@[2001:db8::1]>', '<user@[1.2.3.4>', '<user@[IPv6:zz::1]>']) {
    assert.equal(problem(bad), 'syntax', bad);
  }
});

test('length limits of RFC 5321 §4.5.3.1', () => {
  const local64 = 'a'.repeat(64);
  assert.equal(ok(`<${local64}@example.com>`).local, local64);
  assert.equal(problem(`<${'a'.repeat(65)}@example.com>`), 'too-long');

  // Path: 256 octets including the angle brackets (§4.5.3.1.3).
  const label = 'b'.repeat(63);
  const domainFor = (len: number): string => {
    // Labels of 63 joined by dots, trimmed to exactly len characters with a final label of at least 1.
    let d = '';
    while (d.length < len) d += (d ? '.' : '') + label;
    d = d.slice(0, len);
    return d.endsWith('.') ? `${d.slice(0, -1)}c` : d;
  };
  const local = 'u';
  const exact = `<${local}@${domainFor(256 - 2 - 2)}>`;
  assert.equal(exact.length, 256);
  assert.equal(ok(exact).domain.length, 252);
  const over = `<${local}@${domainFor(256 - 2 - 2 + 1)}>`;
  assert.equal(over.length, 257);
  assert.equal(problem(over), 'too-long');

  // Octets, not characters: 32 two-byte characters fill the 64-octet local part.
  assert.ok(ok(`<${'é'.repeat(32)}@example.com>`, UTF8));
  assert.equal(problem(`<${'é'.repeat(33)}@example.com>`, UTF8), 'too-long');
});

test('non-ASCII needs utf8 (RFC 6531 §3.3)', () => {
  assert.equal(problem('<josé@example.com>'), 'non-ascii');
  assert.equal(problem('<user@bücher.de>'), 'non-ascii');
  assert.equal(problem('<"josé"@example.com>'), 'non-ascii');
  const m = ok('<josé@Bücher.DE>', UTF8);
  assert.equal(m.local, 'josé');
  assert.equal(m.domain, 'bücher.de');
  assert.equal(isAsciiMailbox(m), false);
  assert.equal(isAsciiMailbox({ local: 'jose', domain: 'example.com' }), true);
  assert.equal(ok('<"josé"@example.com>', UTF8).local, '"josé"');
});

test('parseMailbox wraps parsePath for bare addresses', () => {
  assert.deepEqual(parseMailbox('Alice@Example.org'), { local: 'Alice', domain: 'example.org' });
  assert.deepEqual(parseMailbox('josé@example.org'), { local: 'josé', domain: 'example.org' });
  assert.equal(parseMailbox('josé@example.org', false), undefined);
  assert.equal(parseMailbox(''), undefined);
  assert.equal(parseMailbox('@a:b@c'), undefined);
});

test('parseMailbox refuses text after a ">" (it is for whole addresses, not paths)', () => {
  assert.equal(parseMailbox('a@b.c> X'), undefined);
  assert.equal(parseMailbox('a@b.c> <evil@x.org'), undefined);
});

test('an IPv6 address literal must be a valid IPv6 address', () => {
  for (const bad of ['<u@[IPv6:1:2:3:4:5:6:7:8:9]>', '<u@[IPv6::::::]>', '<u@[IPv6:1.2.3.4.5]>', '<u@[IPv6:12345::1]>']) {
    assert.equal(problem(bad), 'syntax', bad);
  }
});
