import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieIsSecure, isLoopbackHost, parseCookieHeader, sessionCookie, sessionCookieName } from './cookie.js';

test('a Cookie header of several pairs (RFC 6265 §4.2.1) parses to names and values', () => {
  const c = parseCookieHeader('a=1; __Host-baton_session=abc_DEF-123; theme=dark');
  assert.deepEqual([...c], [['a', '1'], ['__Host-baton_session', 'abc_DEF-123'], ['theme', 'dark']]);
});

test('lenient where browsers are: no space after ";", spaces around pairs, quoted values, "=" inside a value', () => {
  assert.deepEqual([...parseCookieHeader('a=1;b=2')], [['a', '1'], ['b', '2']]);
  assert.deepEqual([...parseCookieHeader('  a = 1 ;  b=2  ')], [['a', '1'], ['b', '2']]);
  assert.deepEqual([...parseCookieHeader('q="quoted value"')], [['q', 'quoted value']]);
  assert.deepEqual([...parseCookieHeader('t=x==')], [['t', 'x==']]);
});

test('pairs without a name or "=" are skipped, an empty value kept; the first of a repeated name wins (§5.4: most specific path first)', () => {
  assert.deepEqual([...parseCookieHeader('junk; =nameless; empty=; s=first; s=second')], [['empty', ''], ['s', 'first']]);
  assert.equal(parseCookieHeader(undefined).size, 0);
  assert.equal(parseCookieHeader('').size, 0);
});

test('several Cookie headers (HTTP/2 may split them, RFC 9113 §8.2.3) are read as one', () => {
  assert.deepEqual([...parseCookieHeader(['a=1', 'b=2'])], [['a', '1'], ['b', '2']]);
});

test('a cookie name that only contains ours is not ours', () => {
  const c = parseCookieHeader('x__Host-baton_session=evil; baton_session_old=1');
  assert.equal(c.get('__Host-baton_session'), undefined);
  assert.equal(c.get('baton_session'), undefined);
});

test('the session cookie: __Host- prefix only with Secure; HttpOnly, SameSite=Strict, Path=/, no Domain, no Max-Age', () => {
  assert.equal(sessionCookieName({ secure: true }), '__Host-baton_session');
  assert.equal(sessionCookieName({ secure: false }), 'baton_session');
  assert.equal(sessionCookie({ secure: true }, 'ID'), '__Host-baton_session=ID; Path=/; HttpOnly; SameSite=Strict; Secure');
  assert.equal(sessionCookie({ secure: false }, 'ID'), 'baton_session=ID; Path=/; HttpOnly; SameSite=Strict');
  assert.equal(sessionCookie({ secure: true }, undefined), '__Host-baton_session=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0');
});

test('secureCookie auto: Secure on loopback listeners, not on others; always and never as said', () => {
  for (const h of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', 'LOCALHOST', 'api.localhost', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', 'localhost.example.com', '1270.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
  assert.equal(cookieIsSecure('auto', '127.0.0.1'), true);
  assert.equal(cookieIsSecure('auto', '0.0.0.0'), false);
  assert.equal(cookieIsSecure('always', '0.0.0.0'), true);
  assert.equal(cookieIsSecure('never', '127.0.0.1'), false);
});
