import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { after, before, test } from 'node:test';
import { apiFetch, curl, startApiBaton, type ApiBaton, type HttpResult } from '../helpers/api.js';

/**
 * The API's frame against a real Baton, through the real curl: keys made by
 * the CLI, authentication, scopes, errors as RFC 9457 problem+json, limits,
 * and the OpenAPI document. Clients that must not share the per-IP failure
 * count bind other loopback addresses (curl --interface 127.0.0.N).
 */

let api: ApiBaton;
before(async () => {
  api = await startApiBaton({
    config: {},
    api: { bodyLimit: '1KB', rateLimit: { perSecond: 5, burst: 30 }, authFailures: { max: 5, window: '1m' } },
  });
});
after(async () => {
  await api?.stop();
});

const PROBLEMS = 'https://baton.dev/problems/';
const from = (n: number) => ['--interface', `127.0.0.${n}`];

/** A key made over the API with the admin key (quicker than a CLI process; the CLI's own test is above). */
async function keyViaApi(name: string, scopes: string[]): Promise<string> {
  const r = await api.apiFetch('/api/v1/keys', { json: { name, scopes } });
  assert.equal(r.status, 201, r.text);
  return r.body.key as string;
}

function assertProblem(r: HttpResult, status: number, kind: string): Record<string, any> {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers['content-type'], 'application/problem+json');
  assert.equal(r.body.type, PROBLEMS + kind);
  assert.equal(r.body.status, status);
  assert.equal(typeof r.body.title, 'string');
  assert.equal(typeof r.body.detail, 'string');
  return r.body as Record<string, any>;
}

test('without a key: 401 with WWW-Authenticate: Bearer (RFC 6750 §3)', async () => {
  const r = await api.curl('/api/v1/key', { key: null });
  assert.match(assertProblem(r, 401, 'unauthorized').detail, /Authorization: Bearer/);
  assert.equal(r.headers['www-authenticate'], 'Bearer realm="baton"');
});

test('an invalid key: 401 invalid_token', async () => {
  const r = await api.curl('/api/v1/key', { key: 'baton_abcdefgh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', args: from(3) });
  assertProblem(r, 401, 'unauthorized');
  assert.equal(r.headers['www-authenticate'], 'Bearer realm="baton", error="invalid_token"');
});

test('a key created by the CLI authenticates; its scope decides what it may call (403 otherwise)', async () => {
  const key = await api.createKey('reader', { scopes: ['read'] });
  assert.match(key, /^baton_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
  const me = await api.curl('/api/v1/key', { key });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual({ name: me.body.name, scopes: me.body.scopes }, { name: 'reader', scopes: ['read'] });
  const r = await api.curl('/api/v1/keys', { key });
  assert.equal(assertProblem(r, 403, 'forbidden').requiredScope, 'admin');
  assert.match(r.headers['www-authenticate'] ?? '', /error="insufficient_scope", scope="admin"/);
  const list = await api.curl('/api/v1/keys');
  assert.deepEqual(list.body.keys.map((k: { name: string }) => k.name), ['reader', 'test-admin']);
  assert.ok(!list.text.includes(key.slice(15)), 'no secret in a listing');
});

test('a key revoked by the CLI stops working within the 5 s key cache', async () => {
  const key = await keyViaApi('soon-revoked', ['read']);
  assert.equal((await api.curl('/api/v1/key', { key, args: from(4) })).status, 200);
  const r = await api.baton.cli(['apikey', 'revoke', 'soon-revoked']);
  assert.equal(r.code, 0, r.stderr);
  const revokedAt = Date.now();
  let last: HttpResult | undefined;
  // Bounded polling: the guarantee is 5 s (the cache) plus a request's time.
  while (Date.now() - revokedAt < 10_000) {
    last = await api.curl('/api/v1/key', { key, args: from(4) });
    if (last.status !== 200) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  const took = Date.now() - revokedAt;
  assertProblem(last as HttpResult, 401, 'unauthorized');
  assert.ok(took < 7000, `refused after ${took} ms`);
  assert.notEqual((await api.curl('/api/v1/keys/soon-revoked')).body.revokedAt, null);
});

test('bad JSON is 400, a wrong content type 415, an invalid body 422 with each error\'s path', async () => {
  const bad = await api.curl('/api/v1/keys', { method: 'POST', data: '{"name": ', headers: { 'content-type': 'application/json' } });
  assert.match(assertProblem(bad, 400, 'bad-request').detail, /not valid JSON/);
  assertProblem(await api.curl('/api/v1/keys', { method: 'POST', data: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported-media-type');
  const invalid = await api.curl('/api/v1/keys', { json: { name: '', scopes: ['root'] } });
  assert.deepEqual(assertProblem(invalid, 422, 'validation').errors.map((e: { path: string }) => e.path), ['body.name', 'body.scopes[0]']);
});

test('an admin key creates, changes and revokes keys over the API; 409 for a taken name, 404 for none', async () => {
  const made = await api.curl('/api/v1/keys', { json: { name: 'app', scopes: ['send'], domains: ['example.com'] } });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.headers.location, '/api/v1/keys/app');
  assert.equal((await api.curl('/api/v1/key', { key: made.body.key })).status, 403, 'a send key may not read');
  assertProblem(await api.curl('/api/v1/keys', { json: { name: 'app' } }), 409, 'conflict');
  const patched = await api.curl('/api/v1/keys/app', { method: 'PATCH', json: { stream: 'bulk', limits: { messagesPerHour: 100 } } });
  assert.deepEqual(patched.body.settings, { stream: 'bulk', limits: { messagesPerHour: 100 } });
  assert.equal((await api.curl('/api/v1/keys/app', { method: 'DELETE' })).status, 204);
  assertProblem(await api.curl('/api/v1/keys/app', { method: 'DELETE' }), 409, 'conflict');
  assertProblem(await api.curl('/api/v1/keys/nobody'), 404, 'not-found');
  assertProblem(await api.curl('/api/v1/key', { key: made.body.key, args: from(5) }), 401, 'unauthorized');
});

test('unknown routes are 404 and other methods 405 with Allow, as problem+json', async () => {
  assert.match(assertProblem(await api.curl('/api/v1/nothing-here', { key: null }), 404, 'not-found').detail, /No route GET \/api\/v1\/nothing-here/);
  const r = await api.curl('/api/v1/openapi.json', { method: 'DELETE', key: null });
  assertProblem(r, 405, 'method-not-allowed');
  assert.equal(r.headers.allow, 'GET, HEAD');
});

test('a body over api.bodyLimit (1KB here) is 413', async () => {
  const r = await api.curl('/api/v1/keys', { json: { name: 'x'.repeat(2000) } });
  assert.equal(assertProblem(r, 413, 'too-large').limit, 1024);
});

test('over the per-key rate: 429 rate-limited with Retry-After in whole seconds', async () => {
  const key = await keyViaApi('busy', ['read']);
  // 60 at once against a burst of 30 and 5/s: about half must be refused.
  const results = await Promise.all(Array.from({ length: 60 }, () => apiFetch(`${api.url}/api/v1/key`, { key })));
  const refused = results.filter((r) => r.status === 429);
  assert.ok(refused.length >= 20, `${refused.length} of 60 refused`);
  assert.equal(results.filter((r) => r.status === 200).length + refused.length, 60);
  // And through curl: 40 requests on one connection, far quicker than the 5/s refill; the last is refused.
  const earlier = Array.from({ length: 39 }, () => [`${api.url}/api/v1/key`, '-o', '/dev/null']).flat();
  const r = await curl(['-H', `Authorization: Bearer ${key}`, ...earlier, `${api.url}/api/v1/key`]);
  assertProblem(r, 429, 'rate-limited');
  assert.match(r.headers['retry-after'] ?? '', /^[1-9]\d*$/);
  assert.equal((await api.curl('/api/v1/key')).status, 200, 'other keys are not affected');
});

test('guessing keys: after 5 failures from one address, 429 even for a good key, other addresses unaffected', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await api.curl('/api/v1/key', { key: `baton_guess00${i}_${'A'.repeat(43)}`, args: from(2) })).status, 401);
  const blocked = await api.curl('/api/v1/key', { args: from(2) });
  assert.match(assertProblem(blocked, 429, 'rate-limited').detail, /failed authentications from 127\.0\.0\.2/);
  assert.match(blocked.headers['retry-after'] ?? '', /^[1-9]\d*$/);
  assert.equal((await api.curl('/api/v1/key', { args: from(6) })).status, 200);
});

test('the OpenAPI document is served without a key and is valid OpenAPI 3.1', async () => {
  const r = await api.curl('/api/v1/openapi.json', { key: null });
  assert.equal(r.status, 200);
  const result = await new Validator().validate(r.body);
  assert.equal(result.valid, true, JSON.stringify(result.errors));
  assert.ok(r.body.paths['/api/v1/keys/{name}'].delete);
});
