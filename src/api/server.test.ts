import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { silentLogger } from '../log/index.js';
import { ApiProblem } from './problem.js';
import { defineRoute, type ApiCaller, type ApiRoute } from './route.js';
import { buildApiServer } from './server.js';

/** The server glue with made-up routes and a fake key check (fastify's inject: no sockets). */

const callers: Record<string, ApiCaller> = {
  'k-read': { keyId: 'r', name: 'reader', scopes: ['read'], domains: [] },
  'k-send': { keyId: 's', name: 'sender', scopes: ['send'], domains: [] },
  'k-admin': { keyId: 'a', name: 'admin', scopes: ['admin'], domains: [] },
};

const seen: unknown[] = [];
const routes: ApiRoute[] = [
  defineRoute({
    method: 'GET', path: '/api/v1/things/{id}', operationId: 'getThing', summary: 's', tags: ['T'], scope: 'read',
    params: z.object({ id: z.string().regex(/^[a-z]+$/) }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(10).optional() }),
    responses: { 200: { description: 'ok' } },
    handler: (req) => ({ status: 200, body: { id: req.params.id, limit: req.query.limit ?? null, caller: req.caller?.name } }),
  }),
  defineRoute({
    method: 'POST', path: '/api/v1/things', operationId: 'addThing', summary: 's', tags: ['T'], scope: 'send',
    body: z.object({ name: z.string(), tags: z.array(z.string()).max(2).optional() }),
    bodyLimit: 100,
    responses: { 201: { description: 'ok' } },
    handler: (req) => (seen.push(req.body), { status: 201, body: req.body, headers: { location: '/x' } }),
  }),
  defineRoute({
    method: 'POST', path: '/api/v1/raw', operationId: 'raw', summary: 's', tags: ['T'], scope: 'send', body: 'raw', rawTypes: ['message/rfc822'],
    responses: { 202: { description: 'ok' } },
    handler: (req) => ({ status: 202, body: { bytes: (req.body as Buffer).length } }),
  }),
  defineRoute({ method: 'GET', path: '/api/v1/public', operationId: 'pub', summary: 's', tags: ['T'], scope: 'public', responses: { 200: { description: 'ok' } }, handler: () => ({ status: 200, body: 'hi\n', contentType: 'text/plain' }) }),
  defineRoute({ method: 'GET', path: '/api/v1/boom', operationId: 'boom', summary: 's', tags: ['T'], scope: 'public', responses: {}, handler: () => { throw new Error('secret internals'); } }),
  defineRoute({ method: 'DELETE', path: '/api/v1/gone', operationId: 'gone', summary: 's', tags: ['T'], scope: 'admin', responses: {}, handler: () => { throw new ApiProblem('conflict', 'already gone', { id: 7 }); } }),
];

function server(opts: { perSecond?: number; burst?: number; failures?: number } = {}) {
  const clock = { t: 1_000_000, now() { return this.t; } };
  const errors: unknown[] = [];
  const logger = silentLogger();
  logger.error = ((obj: unknown) => void errors.push(obj)) as typeof logger.error;
  const app = buildApiServer({
    routes,
    authenticate: async (token) => callers[token],
    bodyLimit: 1000,
    rateLimit: { perSecond: opts.perSecond ?? 1000, burst: opts.burst ?? 1000 },
    authFailures: { max: opts.failures ?? 1000, window: 60_000 },
    clock,
    logger,
  });
  return { app, clock, errors };
}

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

function assertProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, kind: string): Record<string, any> {
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.headers['content-type'], 'application/problem+json');
  const body = JSON.parse(res.body) as Record<string, any>;
  assert.equal(body.type, `https://baton.dev/problems/${kind}`);
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  return body;
}

test('a valid request reaches the handler with coerced params and query and the caller', async () => {
  const { app } = server();
  const res = await app.inject({ method: 'GET', url: '/api/v1/things/abc?limit=3', headers: auth('k-read') });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { id: 'abc', limit: 3, caller: 'reader' });
  assert.equal(res.headers['cache-control'], 'no-store');
});

test('401 without or with a bad key (WWW-Authenticate per RFC 6750 §3); public routes need none', async () => {
  const { app } = server();
  const none = await app.inject({ method: 'GET', url: '/api/v1/things/abc' });
  assertProblem(none, 401, 'unauthorized');
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="baton"');
  const bad = await app.inject({ method: 'GET', url: '/api/v1/things/abc', headers: auth('nope') });
  assertProblem(bad, 401, 'unauthorized');
  assert.equal(bad.headers['www-authenticate'], 'Bearer realm="baton", error="invalid_token"');
  const basic = await app.inject({ method: 'GET', url: '/api/v1/things/abc', headers: { authorization: 'Basic a2V5Og==' } });
  assertProblem(basic, 401, 'unauthorized');
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/public' })).body, 'hi\n');
});

test('403 for a key without the scope; admin implies read, nothing implies send', async () => {
  const { app } = server();
  const body = assertProblem(await app.inject({ method: 'GET', url: '/api/v1/things/abc', headers: auth('k-send') }), 403, 'forbidden');
  assert.equal(body.requiredScope, 'read');
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/things/abc', headers: auth('k-admin') })).statusCode, 200);
  assertProblem(await app.inject({ method: 'POST', url: '/api/v1/things', headers: auth('k-admin'), payload: { name: 'x' } }), 403, 'forbidden');
  assertProblem(await app.inject({ method: 'DELETE', url: '/api/v1/gone', headers: auth('k-read') }), 403, 'forbidden');
});

test('422 validation lists every problem with its path', async () => {
  const { app } = server();
  const res = await app.inject({ method: 'GET', url: '/api/v1/things/ABC?limit=99', headers: auth('k-read') });
  const body = assertProblem(res, 422, 'validation');
  assert.deepEqual(body.errors.map((e: { path: string }) => e.path).sort(), ['params.id', 'query.limit']);
  const post = await app.inject({ method: 'POST', url: '/api/v1/things', headers: auth('k-send'), payload: { name: 1, tags: ['a', 'b', 'c'] } });
  assert.deepEqual(assertProblem(post, 422, 'validation').errors.map((e: { path: string }) => e.path), ['body.name', 'body.tags']);
  const empty = await app.inject({ method: 'POST', url: '/api/v1/things', headers: auth('k-send') });
  assertProblem(empty, 422, 'validation');
});

test('JSON bodies: parsed for the handler; broken JSON is 400, another type 415, over the route limit 413', async () => {
  const { app } = server();
  const ok = await app.inject({ method: 'POST', url: '/api/v1/things', headers: { ...auth('k-send'), 'content-type': 'application/json; charset=utf-8' }, payload: '{"name":"n"}' });
  assert.equal(ok.statusCode, 201);
  assert.equal(ok.headers.location, '/x');
  assert.match(assertProblem(await app.inject({ method: 'POST', url: '/api/v1/things', headers: { ...auth('k-send'), 'content-type': 'application/json' }, payload: '{"name":' }), 400, 'bad-request').detail, /not valid JSON/);
  assertProblem(await app.inject({ method: 'POST', url: '/api/v1/things', headers: { ...auth('k-send'), 'content-type': 'text/plain' }, payload: 'name' }), 415, 'unsupported-media-type');
  const big = await app.inject({ method: 'POST', url: '/api/v1/things', headers: { ...auth('k-send'), 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(200) }) });
  assert.equal(assertProblem(big, 413, 'too-large').limit, 100);
});

test('raw routes take their types as bytes and refuse others with 415 naming them', async () => {
  const { app } = server();
  const ok = await app.inject({ method: 'POST', url: '/api/v1/raw', headers: { ...auth('k-send'), 'content-type': 'message/rfc822' }, payload: 'Subject: x\r\n\r\nbody\r\n' });
  assert.deepEqual(ok.json(), { bytes: 20 });
  const json = await app.inject({ method: 'POST', url: '/api/v1/raw', headers: { ...auth('k-send'), 'content-type': 'application/json' }, payload: '{}' });
  assert.deepEqual(assertProblem(json, 415, 'unsupported-media-type').accepted, ['message/rfc822']);
});

test('unauthenticated clients are refused before their body is read', async () => {
  const { app } = server();
  const res = await app.inject({ method: 'POST', url: '/api/v1/things', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(500) }) });
  assertProblem(res, 401, 'unauthorized');
});

test('unknown routes 404, known paths with another method 405 with Allow (RFC 9110 §15.5.6)', async () => {
  const { app } = server();
  assertProblem(await app.inject({ method: 'GET', url: '/api/v1/nothing' }), 404, 'not-found');
  const res = await app.inject({ method: 'PUT', url: '/api/v1/things/abc' });
  assertProblem(res, 405, 'method-not-allowed');
  assert.equal(res.headers.allow, 'GET, HEAD');
});

test('a handler\'s ApiProblem is answered as it is; an exception is a 500 that hides its message and is logged', async () => {
  const { app, errors } = server();
  const gone = assertProblem(await app.inject({ method: 'DELETE', url: '/api/v1/gone', headers: auth('k-admin') }), 409, 'conflict');
  assert.equal(gone.detail, 'already gone');
  assert.equal(gone.id, 7);
  const boom = await app.inject({ method: 'GET', url: '/api/v1/boom' });
  assertProblem(boom, 500, 'internal');
  assert.doesNotMatch(boom.body, /secret internals|at .*\.js/);
  assert.equal(errors.length, 1);
});

test('per-key rate: the burst passes, then 429 with Retry-After in whole seconds; tokens come back with time', async () => {
  const { app, clock } = server({ perSecond: 2, burst: 3 });
  const get = (key = 'k-read') => app.inject({ method: 'GET', url: '/api/v1/things/abc', headers: auth(key) });
  for (let i = 0; i < 3; i++) assert.equal((await get()).statusCode, 200);
  const limited = await get();
  assert.equal(assertProblem(limited, 429, 'rate-limited').retryAfter, 1);
  assert.equal(limited.headers['retry-after'], '1');
  assert.equal((await get('k-admin')).statusCode, 200, 'another key has its own bucket');
  clock.t += 500;
  assert.equal((await get()).statusCode, 200, 'one token back after 1/rate seconds');
  assert.equal((await get()).statusCode, 429);
});

test('failed authentications from one IP: 429 after the limit, even with a good key, until they age out', async () => {
  const { app, clock } = server({ failures: 3 });
  const get = (key: string) => app.inject({ method: 'GET', url: '/api/v1/things/abc', headers: auth(key) });
  for (let i = 0; i < 3; i++) assert.equal((await get(`guess${i}`)).statusCode, 401);
  const blocked = await get('k-read');
  assertProblem(blocked, 429, 'rate-limited');
  assert.equal(blocked.headers['retry-after'], '60');
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/public' })).statusCode, 200, 'public routes stay open');
  clock.t += 60_001;
  assert.equal((await get('k-read')).statusCode, 200);
});

test('a dashboard folder without a build is reported once and the API still answers', async () => {
  const warnings: unknown[] = [];
  const logger = silentLogger();
  logger.warn = ((obj: unknown, msg?: string) => void warnings.push([obj, msg])) as typeof logger.warn;
  const app = buildApiServer({
    routes,
    authenticate: async (token) => callers[token],
    bodyLimit: 1000,
    rateLimit: { perSecond: 1000, burst: 1000 },
    authFailures: { max: 1000, window: 60_000 },
    clock: { now: () => 1_000_000 },
    logger,
    dashboardRoot: '/nonexistent/baton-dashboard-build',
  });
  assert.equal(warnings.length, 1);
  assert.match(String((warnings[0] as unknown[])[1]), /not built.*npm run build/);
  const res = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
  assert.equal(res.statusCode, 404, 'no shell to serve: the problem+json 404');
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/public' })).statusCode, 200);
});
