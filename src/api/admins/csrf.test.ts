import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrfRefusal, isSafeMethod, tokensMatch } from './csrf.js';

const TOKEN = 'bra_aCpqK6NsNBXpfFXmgYYJl939x_eB4KKvnUwTSXY';
const HOST = '127.0.0.1:8025';

test('GET, HEAD and OPTIONS are safe (RFC 9110 §9.2.1); every other method needs the check', () => {
  for (const m of ['GET', 'head', 'OPTIONS']) assert.equal(isSafeMethod(m), true, m);
  for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'delete', 'PROPFIND']) assert.equal(isSafeMethod(m), false, m);
});

test('tokens compare whole: a prefix, a longer string, another token, nothing all fail', () => {
  assert.equal(tokensMatch(TOKEN, TOKEN), true);
  assert.equal(tokensMatch(TOKEN.slice(0, -1), TOKEN), false);
  assert.equal(tokensMatch(`${TOKEN}x`, TOKEN), false);
  assert.equal(tokensMatch(TOKEN.replace('b', 'c'), TOKEN), false);
  assert.equal(tokensMatch(undefined, TOKEN), false);
  assert.equal(tokensMatch('', TOKEN), false);
  // Multi-byte text of the same character count is not mistaken for the token.
  assert.equal(tokensMatch('é'.repeat(TOKEN.length), TOKEN), false);
});

test('our own page: Sec-Fetch-Site same-origin with the token passes', () => {
  assert.equal(csrfRefusal({ host: HOST, origin: `http://${HOST}`, 'sec-fetch-site': 'same-origin', 'x-csrf-token': TOKEN }, TOKEN), undefined);
  // A script (curl) sends neither Sec-Fetch-Site nor Origin: the token decides.
  assert.equal(csrfRefusal({ host: HOST, 'x-csrf-token': TOKEN }, TOKEN), undefined);
});

test('without the token, or with a wrong one, refused with a detail that says how to get it', () => {
  assert.match(csrfRefusal({ host: HOST, 'sec-fetch-site': 'same-origin' }, TOKEN) ?? '', /X-CSRF-Token.*GET \/api\/v1\/session/);
  assert.match(csrfRefusal({ host: HOST, 'x-csrf-token': '' }, TOKEN) ?? '', /must carry/);
  assert.match(csrfRefusal({ host: HOST, 'x-csrf-token': 'nope' }, TOKEN) ?? '', /not this session's token/);
});

test("another site or another origin of the same site is refused even with the token (Sec-Fetch-Site)", () => {
  assert.match(csrfRefusal({ host: HOST, 'sec-fetch-site': 'cross-site', 'x-csrf-token': TOKEN }, TOKEN) ?? '', /another site/);
  // http://127.0.0.1:9000 is the same site as :8025 (ports do not count), so SameSite=Strict sent the cookie.
  assert.match(csrfRefusal({ host: HOST, 'sec-fetch-site': 'same-site', 'x-csrf-token': TOKEN }, TOKEN) ?? '', /same site/);
  assert.equal(csrfRefusal({ host: HOST, 'sec-fetch-site': 'none', 'x-csrf-token': TOKEN }, TOKEN), undefined, 'none: the user typed it');
});

test('without fetch metadata, an Origin other than our Host is refused, "null" too; a matching one passes', () => {
  assert.match(csrfRefusal({ host: HOST, origin: 'http://evil.example', 'x-csrf-token': TOKEN }, TOKEN) ?? '', /Origin \(http:\/\/evil\.example\) is not this server/);
  assert.match(csrfRefusal({ host: HOST, origin: 'http://127.0.0.1:9000', 'x-csrf-token': TOKEN }, TOKEN) ?? '', /not this server/);
  assert.match(csrfRefusal({ host: HOST, origin: 'null', 'x-csrf-token': TOKEN }, TOKEN) ?? '', /not this server/);
  assert.match(csrfRefusal({ origin: `http://${HOST}`, 'x-csrf-token': TOKEN }, TOKEN) ?? '', /no Host header/);
  assert.equal(csrfRefusal({ host: HOST, origin: `HTTP://${HOST.toUpperCase()}`, 'x-csrf-token': TOKEN }, TOKEN), undefined);
});

test('behind a proxy that rewrites Host, a modern browser (Sec-Fetch-Site) still passes: the Origin is not compared then', () => {
  assert.equal(csrfRefusal({ host: '127.0.0.1:8025', origin: 'https://baton.example.com', 'sec-fetch-site': 'same-origin', 'x-csrf-token': TOKEN }, TOKEN), undefined);
});
