import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLoginField, decodePlain, LOGIN_PASS_PROMPT, LOGIN_USER_PROMPT, SASL_MECHANISMS } from './sasl.js';
import { SaslExchange } from './sasl-exchange.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

test('decodePlain: authzid empty or equal to the user; anything else refused', () => {
  assert.deepEqual(decodePlain(b64('\0alice\0secret')), { user: 'alice', password: 'secret' });
  assert.deepEqual(decodePlain(b64('alice\0alice\0secret')), { user: 'alice', password: 'secret' });
  assert.deepEqual(decodePlain(b64('\0jösé\0pässwörd')), { user: 'jösé', password: 'pässwörd' });
  assert.deepEqual(decodePlain(b64('\0alice\0')), { user: 'alice', password: '' });
  assert.equal(decodePlain(b64('admin\0alice\0secret')), undefined, 'authzid ≠ user');
  assert.equal(decodePlain(b64('\0\0secret')), undefined, 'empty user');
  assert.equal(decodePlain(b64('alice\0secret')), undefined, 'two fields');
  assert.equal(decodePlain(b64('\0alice\0sec\0ret')), undefined, 'four fields');
  assert.equal(decodePlain(''), undefined);
});

test('base64 must be strict', () => {
  for (const bad of ['AGFsaWNlAHNlY3JldA', 'AGFs aWNl', 'AGFs*WNl', 'QQ=A', 'A===', '=', 'QQ==QQ==']) {
    assert.equal(decodeLoginField(bad), undefined, bad);
  }
  assert.equal(decodeLoginField(''), '');
  assert.equal(decodeLoginField(b64('user@example.com')), 'user@example.com');
});

test('mechanisms and prompts', () => {
  assert.deepEqual(SASL_MECHANISMS, ['PLAIN', 'LOGIN']);
  assert.equal(Buffer.from(LOGIN_USER_PROMPT, 'base64').toString(), 'Username:');
  assert.equal(Buffer.from(LOGIN_PASS_PROMPT, 'base64').toString(), 'Password:');
  assert.equal(SaslExchange.start('CRAM-MD5'), undefined);
  assert.equal(SaslExchange.start('plain'), undefined, 'the parser upper-cases; the exchange expects it done');
});

function start(mech: string): SaslExchange {
  const x = SaslExchange.start(mech);
  assert.ok(x, mech);
  return x;
}

test('PLAIN with an initial response finishes at once', () => {
  assert.deepEqual(start('PLAIN').step(b64('\0alice\0secret')), { kind: 'done', credentials: { user: 'alice', password: 'secret' } });
  assert.deepEqual(start('PLAIN').step(b64('bob\0alice\0secret')), { kind: 'malformed' });
  assert.deepEqual(start('PLAIN').step('!!!!'), { kind: 'malformed' });
});

test('PLAIN without an initial response, and with "=" (an empty one): empty challenge, then the response', () => {
  for (const initial of [undefined, '=']) {
    const x = start('PLAIN');
    assert.deepEqual(x.step(initial), { kind: 'challenge', challenge: '' });
    assert.deepEqual(x.step(b64('\0alice\0secret')), { kind: 'done', credentials: { user: 'alice', password: 'secret' } });
  }
  const empty = start('PLAIN');
  empty.step(undefined);
  assert.deepEqual(empty.step(''), { kind: 'malformed' });
});

test('LOGIN: username and password prompts', () => {
  const x = start('LOGIN');
  assert.deepEqual(x.step(undefined), { kind: 'challenge', challenge: LOGIN_USER_PROMPT });
  assert.deepEqual(x.step(b64('alice')), { kind: 'challenge', challenge: LOGIN_PASS_PROMPT });
  assert.deepEqual(x.step(b64('secret')), { kind: 'done', credentials: { user: 'alice', password: 'secret' } });
});

test('LOGIN with the username as initial response', () => {
  const x = start('LOGIN');
  assert.deepEqual(x.step(b64('alice')), { kind: 'challenge', challenge: LOGIN_PASS_PROMPT });
  assert.deepEqual(x.step(b64('')), { kind: 'done', credentials: { user: 'alice', password: '' } });
});

test('LOGIN refuses an empty or malformed username and a malformed password', () => {
  const a = start('LOGIN');
  a.step(undefined);
  assert.deepEqual(a.step(''), { kind: 'malformed' });
  assert.deepEqual(start('LOGIN').step('='), { kind: 'malformed' });
  const c = start('LOGIN');
  c.step(undefined);
  c.step(b64('alice'));
  assert.deepEqual(c.step('not base64!'), { kind: 'malformed' });
});

test('"*" cancels at every step (RFC 4954 §4)', () => {
  const p = start('PLAIN');
  p.step(undefined);
  assert.deepEqual(p.step('*'), { kind: 'cancelled' });
  const l1 = start('LOGIN');
  l1.step(undefined);
  assert.deepEqual(l1.step('*'), { kind: 'cancelled' });
  const l2 = start('LOGIN');
  l2.step(undefined);
  l2.step(b64('alice'));
  assert.deepEqual(l2.step('*'), { kind: 'cancelled' });
});
