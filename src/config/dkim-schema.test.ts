import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig, redactConfig } from './index.js';

test('dkim defaults: t= on, no x=, checks every 5m, retire after 7d, no automatic rotation, no secret', () => {
  const { dkim } = parseConfig({}, '/b');
  assert.deepEqual(dkim, { timestamp: true, checkInterval: 300_000, retireAfter: 7 * 86_400_000 });
});

test('dkim.secret is redacted by config check; dkim.secretFile is a path, resolved against the config file', () => {
  const c = parseConfig({ dkim: { secret: 'a very secret secret value', expiry: '7d', rotateEvery: '90d' } }, '/b');
  const text = JSON.stringify(redactConfig(c));
  assert.doesNotMatch(text, /very secret/);
  assert.match(text, /"secret":"\*+"/);
  assert.equal(c.dkim.expiry, 7 * 86_400_000);
  assert.equal(parseConfig({ dkim: { secretFile: 'keys/dkim.secret' } }, '/b').dkim.secretFile, '/b/keys/dkim.secret');
});

test('dkim config errors name the key: both secrets, a short secret, out-of-range durations', () => {
  assert.throws(() => parseConfig({ dkim: { secret: 'x'.repeat(20), secretFile: 'f' } }), /set either dkim\.secret or dkim\.secretFile/);
  assert.throws(() => parseConfig({ dkim: { secret: 'short' } }), /dkim\.secret: must be at least 16 characters/);
  assert.throws(() => parseConfig({ dkim: { expiry: '1m' } }), /dkim\.expiry: must be between 1h and 365d/);
  assert.throws(() => parseConfig({ dkim: { rotateEvery: '1h' } }), /dkim\.rotateEvery/);
  assert.throws(() => parseConfig({ dkim: { sign: true } }), /dkim/);
});
