import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig, redactConfig } from './index.js';

test('bounces and complaints: off by default (no VERP domain, no complaint address), bulk VERP once a domain is set, global scopes', () => {
  const c = parseConfig({}, '/tmp');
  assert.deepEqual(c.bounces, { suppressScope: 'global', secrets: [], verp: { transactional: false, bulk: true } });
  assert.deepEqual(c.complaints, { addresses: [], suppressScope: 'global' });
});

test('a bounce domain needs a secret; ids are short and distinct; secrets are redacted by config check', () => {
  assert.throws(() => parseConfig({ bounces: { domain: 'bounces.example.com' } }, '/tmp'), /bounces\.secrets: bounces\.domain needs at least one entry/);
  assert.throws(() => parseConfig({ bounces: { domain: '*.example.com', secrets: [{ id: 'k1', secret: 'x'.repeat(16) }] } }, '/tmp'), /bounces\.domain: one domain/);
  assert.throws(() => parseConfig({ bounces: { secrets: [{ id: 'K-1', secret: 'x'.repeat(16) }] } }, '/tmp'), /id is 1-8 lower-case/);
  assert.throws(() => parseConfig({ bounces: { secrets: [{ id: 'k1', secret: 'short' }] } }, '/tmp'), /at least 16/);
  assert.throws(() => parseConfig({ bounces: { secrets: [{ id: 'k1', secret: 'x'.repeat(16) }, { id: 'k1', secret: 'y'.repeat(16) }] } }, '/tmp'), /ids must differ/);
  const c = parseConfig({ bounces: { domain: 'Bounces.Example.com', secrets: [{ id: 'k1', secret: 'a very secret value' }] } }, '/tmp');
  assert.equal(c.bounces.domain, 'bounces.example.com');
  assert.doesNotMatch(JSON.stringify(redactConfig(c)), /a very secret value/);
});

test('complaint addresses must be addresses; bounces.rules resolves against the config file', () => {
  assert.throws(() => parseConfig({ complaints: { addresses: ['not an address'] } }, '/tmp'), /complaints\.addresses\.0/);
  assert.equal(parseConfig({ bounces: { rules: 'rules.yaml' } }, '/etc/baton').bounces.rules, '/etc/baton/rules.yaml');
});
