import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';

/** The API's frame, through the real curl: keys, auth, errors as problem+json, OpenAPI. */

let api: ApiBaton;
before(async () => {
  api = await startApiBaton();
});
after(async () => {
  await api?.stop();
});

const PROBLEM = 'application/problem+json';

test('without a key: 401 problem+json with WWW-Authenticate: Bearer (RFC 6750 §3)', async () => {
  const r = await api.curl('/api/v1/key', { key: null });
  assert.equal(r.status, 401);
  assert.equal(r.headers['content-type'], PROBLEM);
  assert.match(r.headers['www-authenticate'] ?? '', /^Bearer realm="baton"$/);
  assert.equal(r.body.type, 'https://baton.dev/problems/unauthorized');
  assert.equal(r.body.status, 401);
  assert.match(r.body.detail, /Authorization: Bearer/);
});

test('the OpenAPI document is public', async () => {
  const r = await api.curl('/api/v1/openapi.json', { key: null });
  assert.equal(r.status, 200);
  assert.equal(r.body.openapi, '3.1.0');
  assert.ok(r.body.paths['/api/v1/key'].get);
});

test('a key created by the CLI authenticates', async () => {
  const key = await api.createKey('reader', { scopes: ['read'] });
  assert.match(key, /^baton_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
  const r = await api.curl('/api/v1/key', { key });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.name, 'reader');
  assert.deepEqual(r.body.scopes, ['read']);
});
