import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { newWebhookSecret, signatureHeader, verifyWebhookSignature } from './signature.js';

const secret = 'whsec_test';
const body = '{"events":[{"id":7,"type":"delivered"}]}';
const t = 1_800_000_000;

test('the signature is HMAC-SHA256 of "<t>.<body>" in hex, as docs/api.md tells receivers', () => {
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  assert.equal(signatureHeader(secret, body, t), `t=${t},v1=${expected}`);
});

test('a fresh signature of the same bytes verifies; a changed body, another secret or an old timestamp does not', () => {
  const header = signatureHeader(secret, body, t);
  assert.deepEqual(verifyWebhookSignature(secret, body, header, { nowSeconds: t + 10 }), { ok: true, timestamp: t });
  assert.deepEqual(verifyWebhookSignature(secret, Buffer.from(body), header, { nowSeconds: t }), { ok: true, timestamp: t });
  assert.equal(verifyWebhookSignature(secret, body.replace('7', '8'), header, { nowSeconds: t }).ok, false);
  assert.equal(verifyWebhookSignature('whsec_other', body, header, { nowSeconds: t }).ok, false);
  const stale = verifyWebhookSignature(secret, body, header, { nowSeconds: t + 301 });
  assert.equal(stale.ok, false);
  assert.match(stale.ok ? '' : stale.reason, /more than 300 s/);
  assert.equal(verifyWebhookSignature(secret, body, header, { nowSeconds: t + 301, toleranceSeconds: 600 }).ok, true);
});

test('malformed headers are refused with a reason; one matching v1 among several is enough (rotation)', () => {
  for (const h of [undefined, '', 'v1=abc', `t=${t}`, `t=x,v1=00`]) assert.equal(verifyWebhookSignature(secret, body, h, { nowSeconds: t }).ok, false, String(h));
  const good = signatureHeader(secret, body, t).split(',')[1] as string;
  assert.equal(verifyWebhookSignature(secret, body, `t=${t},v1=${'0'.repeat(64)},${good}`, { nowSeconds: t }).ok, true);
  // The timestamp is signed: moving it breaks the signature.
  assert.equal(verifyWebhookSignature(secret, body, `t=${t + 1},${good}`, { nowSeconds: t }).ok, false);
});

test('secrets are long, random and recognisable', () => {
  const a = newWebhookSecret();
  assert.match(a, /^whsec_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, newWebhookSecret());
});
