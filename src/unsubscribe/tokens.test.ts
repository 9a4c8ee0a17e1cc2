import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAILTO_PREFIX, UnsubscribeTokens, type TokenKey } from './tokens.js';

const DAY = 86_400_000;
const clockAt = (ms: number) => ({ now: () => ms });
const K1: TokenKey = { id: 'k1', secret: 'first-secret-0123456789' };
const K2: TokenKey = { id: 'k2', secret: 'second-secret-0123456789' };
const T0 = Date.UTC(2026, 10, 30);

test('a URL token names the recipient, the sending domain, the day and the key', () => {
  const tokens = new UnsubscribeTokens({ keys: [K1], clock: clockAt(T0) });
  const token = tokens.issue('Bob@Example.ORG', 'News.Example.com');
  assert.match(token, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(tokens.verify(token), { ok: true, request: { address: 'bob@example.org', domain: 'news.example.com', issuedDay: T0 / DAY, keyId: 'k1' } });
});

test('every single-character change of a URL token is refused', () => {
  const tokens = new UnsubscribeTokens({ keys: [K1], clock: clockAt(T0) });
  const token = tokens.issue('bob@example.org', 'news.example.com');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < token.length; i++) {
    const c = token[i] as string;
    const other = alphabet[(alphabet.indexOf(c) + 1) % alphabet.length] as string;
    const forged = token.slice(0, i) + other + token.slice(i + 1);
    const check = tokens.verify(forged);
    // The last character carries 2 padding bits in base64url; a change there may decode to the same bytes.
    if (Buffer.from(forged, 'base64url').equals(Buffer.from(token, 'base64url'))) continue;
    assert.equal(check.ok, false, `changed at ${i}: ${forged}`);
  }
});

test('a token made with another secret under the same key id is forged; an unlisted key id is unknown', () => {
  const ours = new UnsubscribeTokens({ keys: [K1], clock: clockAt(T0) });
  const theirs = new UnsubscribeTokens({ keys: [{ id: 'k1', secret: 'attacker-secret-0123456' }], clock: clockAt(T0) });
  assert.deepEqual(ours.verify(theirs.issue('bob@example.org', 'news.example.com')), { ok: false, problem: 'forged' });
  const other = new UnsubscribeTokens({ keys: [K2], clock: clockAt(T0) });
  assert.deepEqual(ours.verify(other.issue('bob@example.org', 'news.example.com')), { ok: false, problem: 'unknown-key' });
});

test('swapping in another address keeps the MAC and is refused', () => {
  const tokens = new UnsubscribeTokens({ keys: [K1], clock: clockAt(T0) });
  const raw = Buffer.from(tokens.issue('bob@example.org', 'news.example.com'), 'base64url');
  const at = raw.indexOf('bob');
  raw.write('rob', at, 'latin1');
  assert.deepEqual(tokens.verify(raw.toString('base64url')), { ok: false, problem: 'forged' });
});

test('rotation: the new first key signs, an old key still listed verifies, a dropped one does not', () => {
  const before = new UnsubscribeTokens({ keys: [K1], clock: clockAt(T0) });
  const old = before.issue('bob@example.org', 'news.example.com');
  const rotated = new UnsubscribeTokens({ keys: [K2, K1], clock: clockAt(T0 + 10 * DAY) });
  assert.equal(rotated.verify(old).ok, true);
  const fresh = rotated.issue('bob@example.org', 'news.example.com');
  assert.equal((rotated.verify(fresh) as { request: { keyId: string } }).request.keyId, 'k2');
  const dropped = new UnsubscribeTokens({ keys: [K2], clock: clockAt(T0 + 20 * DAY) });
  assert.deepEqual(dropped.verify(old), { ok: false, problem: 'unknown-key' });
});

test('maxAge: a token older than it is expired, one within it verifies', () => {
  const issuer = new UnsubscribeTokens({ keys: [K1], clock: clockAt(T0) });
  const token = issuer.issue('bob@example.org', 'news.example.com');
  const at = (days: number) => new UnsubscribeTokens({ keys: [K1], clock: clockAt(T0 + days * DAY), maxAgeMs: 30 * DAY });
  assert.equal(at(30).verify(token).ok, true);
  assert.deepEqual(at(31).verify(token), { ok: false, problem: 'expired' });
});

test('garbage is malformed, never an exception', () => {
  const tokens = new UnsubscribeTokens({ keys: [K1], clock: clockAt(T0) });
  for (const bad of ['', 'a', '!!!', 'AAAA', 'x'.repeat(5000), Buffer.from([1, 200, 0, 0]).toString('base64url'), Buffer.from([1, 2, 0x6b, 0x31, 0, 0, 250]).toString('base64url')]) {
    const check = tokens.verify(bad);
    assert.equal(check.ok, false, bad.slice(0, 20));
  }
});

test('a mailto token fits a 64-octet local part and verifies only for the address it was issued to', () => {
  const tokens = new UnsubscribeTokens({ keys: [K1], clock: clockAt(T0) });
  const token = tokens.issueMailto('bob@example.org', 'news.example.com');
  assert.ok(token !== undefined);
  assert.ok((MAILTO_PREFIX + token).length <= 64);
  assert.deepEqual(tokens.verifyMailto(token, 'Bob@example.org'), { ok: true, request: { address: 'bob@example.org', domain: 'news.example.com', issuedDay: T0 / DAY, keyId: 'k1' } });
  assert.deepEqual(tokens.verifyMailto(token, 'eve@example.org'), { ok: false, problem: 'forged' });
  // The two forms never stand in for each other.
  assert.equal(tokens.verify(token).ok, false);
  assert.equal(tokens.verifyMailto(tokens.issue('bob@example.org', 'news.example.com'), 'bob@example.org').ok, false);
});

test('a sending domain too long for a local part gets no mailto token', () => {
  const tokens = new UnsubscribeTokens({ keys: [K1], clock: clockAt(T0) });
  assert.equal(tokens.issueMailto('bob@example.org', 'a-rather-long-newsletter-subdomain.example.com'), undefined);
});
