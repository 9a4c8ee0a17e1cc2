import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfirmTokens } from './confirm-tokens.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 30);
const K1 = { id: 'k1', secret: 'confirm-test-secret-0123' };
const K2 = { id: 'k2', secret: 'another-secret-456789abc' };
const at = (t: number) => ({ now: () => t });

test('a confirmation token carries the contact and the list and verifies with the same keys', () => {
  const tokens = new ConfirmTokens({ keys: [K1], clock: at(T0), maxAgeMs: 7 * DAY });
  const t = tokens.issue(42, 7);
  assert.deepEqual(tokens.verify(t), { ok: true, request: { contactId: 42, listId: 7, issuedDay: T0 / DAY } });
});

test('a changed byte, a truncated token or another key are refused; a rotated-out signing key still verifies while listed', () => {
  const tokens = new ConfirmTokens({ keys: [K1], clock: at(T0), maxAgeMs: 7 * DAY });
  const t = tokens.issue(42, 7);
  const raw = Buffer.from(t, 'base64url');
  // Flip the last byte of the list id: another list, same MAC.
  const forged = Buffer.from(raw);
  forged[forged.length - 17] = (forged[forged.length - 17] as number) ^ 1;
  assert.deepEqual(tokens.verify(forged.toString('base64url')), { ok: false, problem: 'forged' });
  assert.deepEqual(tokens.verify(t.slice(0, -2)), { ok: false, problem: 'malformed' });
  assert.deepEqual(tokens.verify('not a token!'), { ok: false, problem: 'malformed' });
  assert.deepEqual(new ConfirmTokens({ keys: [K2], clock: at(T0), maxAgeMs: DAY }).verify(t), { ok: false, problem: 'unknown-key' });
  const rotated = new ConfirmTokens({ keys: [K2, K1], clock: at(T0), maxAgeMs: DAY });
  assert.equal(rotated.verify(t).ok, true);
  const sameIdOtherSecret = new ConfirmTokens({ keys: [{ id: 'k1', secret: 'x'.repeat(24) }], clock: at(T0), maxAgeMs: DAY });
  assert.deepEqual(sameIdOtherSecret.verify(t), { ok: false, problem: 'forged' });
});

test('a token older than the max age is expired', () => {
  const t = new ConfirmTokens({ keys: [K1], clock: at(T0), maxAgeMs: 7 * DAY }).issue(1, 2);
  assert.equal(new ConfirmTokens({ keys: [K1], clock: at(T0 + 7 * DAY), maxAgeMs: 7 * DAY }).verify(t).ok, true);
  assert.deepEqual(new ConfirmTokens({ keys: [K1], clock: at(T0 + 8 * DAY), maxAgeMs: 7 * DAY }).verify(t), { ok: false, problem: 'expired' });
});
