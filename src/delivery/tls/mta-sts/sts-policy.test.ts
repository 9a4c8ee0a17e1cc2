import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomText } from './fuzz-text.js';
import { MAX_AGE_LIMIT, mxMatches, parseStsPolicy, policyStrings } from './sts-policy.js';

const RFC_EXAMPLE = 'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n';

test('the policy of RFC 8461 §3.2 parses, with CRLF or LF line ends and unknown keys ignored', () => {
  const want = { mode: 'enforce', mx: ['mail.example.com', '*.example.net', 'backupmx.example.com'], maxAge: 604_800 };
  assert.deepEqual(parseStsPolicy(RFC_EXAMPLE), { ok: true, policy: want });
  assert.deepEqual(parseStsPolicy(RFC_EXAMPLE.replace(/\r\n/g, '\n').replace('max_age', 'future: x\nmax_age')), { ok: true, policy: want });
  assert.deepEqual(parseStsPolicy('version: STSv1\nmode: none\nmax_age: 86400'), { ok: true, policy: { mode: 'none', mx: [], maxAge: 86_400 } });
});

test('policies with a wrong version, mode, max_age, no mx, a bad mx, a repeated key or a malformed line are refused', () => {
  const bad = [
    RFC_EXAMPLE.replace('STSv1', 'STSv2'),
    RFC_EXAMPLE.replace('enforce', 'Enforce'),
    RFC_EXAMPLE.replace('604800', '-1'),
    RFC_EXAMPLE.replace('604800', '12345678901'),
    'version: STSv1\nmode: enforce\nmax_age: 10\n',
    RFC_EXAMPLE.replace('mail.example.com', 'mail..example.com'),
    RFC_EXAMPLE.replace('mail.example.com', 'a.*.example.com'),
    `${RFC_EXAMPLE}mode: testing\n`,
    `${RFC_EXAMPLE}this is not a line\n`,
    '',
  ];
  for (const text of bad) assert.equal(parseStsPolicy(text).ok, false, JSON.stringify(text));
});

test('max_age above one year is capped at one year (§3.2)', () => {
  const r = parseStsPolicy(RFC_EXAMPLE.replace('604800', '9999999999'));
  assert.ok(r.ok);
  assert.equal(r.policy.maxAge, MAX_AGE_LIMIT);
});

test('mx patterns match as RFC 8461 §4.1 says: exact names, and "*." for exactly one left-most label, case-insensitively', () => {
  const mx = ['mail.example.com', '*.example.net'];
  assert.equal(mxMatches('mail.example.com', mx), true);
  assert.equal(mxMatches('MAIL.Example.COM.', mx), true);
  assert.equal(mxMatches('mx1.example.net', mx), true);
  assert.equal(mxMatches('example.net', mx), false, 'the wildcard needs a label');
  assert.equal(mxMatches('a.b.example.net', mx), false, 'only one label');
  assert.equal(mxMatches('other.example.com', mx), false);
  assert.equal(mxMatches('mail.example.com.evil.test', mx), false);
});

test('policyStrings gives the RFC 8460 policy-string lines', () => {
  assert.deepEqual(policyStrings({ mode: 'testing', mx: ['a.test'], maxAge: 5 }), ['version: STSv1', 'mode: testing', 'mx: a.test', 'max_age: 5']);
});

test('fuzz: any text is a policy or a reason, never an exception; an accepted policy always has a mode, bounded max_age and mx unless none', () => {
  for (let i = 0; i < 5000; i++) {
    const text = i % 3 === 0 ? `version: STSv1\nmode: enforce\n${randomText(i, 80)}` : i % 3 === 1 ? RFC_EXAMPLE.slice(0, i % RFC_EXAMPLE.length) + randomText(i, 20) : randomText(i, 120);
    const r = parseStsPolicy(text);
    if (!r.ok) continue;
    assert.ok(['enforce', 'testing', 'none'].includes(r.policy.mode), JSON.stringify(text));
    assert.ok(r.policy.maxAge >= 0 && r.policy.maxAge <= MAX_AGE_LIMIT, JSON.stringify(text));
    assert.ok(r.policy.mode === 'none' || r.policy.mx.length > 0, JSON.stringify(text));
  }
});
