import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { z } from 'zod';
import { silentLogger } from '../../log/index.js';
import { AdminSessions, createAdmin, openSqliteAdminStore } from '../admins/index.js';
import { AuthFailureLimiter } from '../rate-limits.js';
import { defineRoute, type ApiCaller } from '../route.js';
import { buildApiServer } from '../server.js';
import { sessionRoutes } from './session.js';

/**
 * The session routes and the cookie path of ApiAuth through the real server
 * glue (fastify inject, no sockets): a login's Set-Cookie authenticates the
 * other routes, unsafe methods need the token, the shared per-IP limiter
 * counts wrong keys and wrong passwords together, a key needs no token.
 */

const dir = mkdtempSync(join(tmpdir(), 'baton-session-routes-'));
const store = openSqliteAdminStore({ path: join(dir, 'q.db') });
after(async () => (await store.close(), rmSync(dir, { recursive: true, force: true })));

const clock = { now: () => 1_800_000_000_000 };
const limiter = new AuthFailureLimiter(6, 60_000, clock);
const admins = new AdminSessions({ store, clock, logger: silentLogger(), ttlMs: 3_600_000, lockout: { max: 5, windowMs: 900_000 }, secureCookie: true, ipFailures: limiter });
const keyCaller: ApiCaller = { keyId: 'k', name: 'script', scopes: ['admin'], domains: [] };
const app = buildApiServer({
  routes: [
    ...sessionRoutes({ admins }),
    defineRoute({
      method: 'POST', path: '/api/v1/act', operationId: 'act', summary: 's', tags: ['T'], scope: 'admin', body: z.object({ n: z.number() }),
      responses: { 200: { description: 'ok' } },
      handler: (req) => ({ status: 200, body: { by: req.caller?.name, n: req.body.n } }),
    }),
  ],
  authenticate: async (token) => (token === 'good-key' ? keyCaller : undefined),
  bodyLimit: 10_000,
  rateLimit: { perSecond: 1000, burst: 1000 },
  authFailures: { max: 6, window: 60_000 },
  failureLimiter: limiter,
  sessions: admins,
  clock,
  logger: silentLogger(),
});
after(() => app.close());

const HOST = 'baton.test:8025';

async function logIn(remoteAddress = '127.0.0.1') {
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress, headers: { host: HOST }, payload: { name: 'ops', password: 'correct horse battery staple' } });
  assert.equal(res.statusCode, 200, res.body);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0] as string, setCookie, body: res.json() as { admin: string; csrfToken: string; expiresAt: string } };
}

test('login sets the cookie and answers the token; the cookie then authenticates GET /api/v1/session and other routes', async () => {
  await createAdmin(store, clock, 'ops', 'correct horse battery staple');
  const { cookie, setCookie, body } = await logIn();
  assert.match(setCookie, /^__Host-baton_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
  assert.equal(body.admin, 'ops');
  const current = await app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie, host: HOST } });
  assert.equal(current.statusCode, 200);
  assert.equal(current.headers['cache-control'], 'no-store');
  assert.deepEqual(current.json(), body);
  const acted = await app.inject({ method: 'POST', url: '/api/v1/act', headers: { cookie, host: HOST, 'x-csrf-token': body.csrfToken, 'sec-fetch-site': 'same-origin' }, payload: { n: 1 } });
  assert.deepEqual(acted.json(), { by: 'admin:ops', n: 1 });
});

test('the CSRF check runs before the body is read: 403 csrf problem, with or without a body', async () => {
  const { cookie } = await logIn();
  const res = await app.inject({ method: 'POST', url: '/api/v1/act', headers: { cookie, host: HOST }, payload: 'not even json' });
  assert.equal(res.statusCode, 403);
  assert.equal(res.headers['content-type'], 'application/problem+json');
  assert.equal(res.json().type, 'https://baton.dev/problems/csrf');
  assert.equal(res.json().title, 'The request failed the CSRF check');
});

test('a bearer key needs no token, even beside a cookie (the key decides)', async () => {
  const { cookie } = await logIn();
  const res = await app.inject({ method: 'POST', url: '/api/v1/act', headers: { cookie, authorization: 'Bearer good-key' }, payload: { n: 2 } });
  assert.deepEqual(res.json(), { by: 'script', n: 2 });
});

test('logout without the token is refused and keeps the session; with it, 204, the cookie cleared, the session gone', async () => {
  const { cookie, body } = await logIn();
  const refused = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie, host: HOST } });
  assert.equal(refused.statusCode, 403);
  const out = await app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie, host: HOST, 'x-csrf-token': body.csrfToken } });
  assert.equal(out.statusCode, 204);
  assert.equal(out.headers['set-cookie'], '__Host-baton_session=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0');
  const gone = await app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
  assert.equal(gone.statusCode, 401);
  assert.equal(gone.headers['www-authenticate'], 'Bearer realm="baton"');
  const act = await app.inject({ method: 'POST', url: '/api/v1/act', headers: { cookie, host: HOST, 'x-csrf-token': body.csrfToken }, payload: { n: 3 } });
  assert.equal(act.statusCode, 401);
});

test('a login body is validated (422) and never echoes the password', async () => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { name: 'ops', password: '' } });
  assert.equal(res.statusCode, 422);
  const long = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { name: 'ops', password: 'x'.repeat(2000) } });
  assert.equal(long.statusCode, 422);
  assert.equal(long.body.includes('xxxx'), false);
});

test('wrong keys and wrong passwords from one address draw on one failure budget', async () => {
  const ip = '10.9.9.9';
  for (let i = 0; i < 3; i++) assert.equal((await app.inject({ method: 'POST', url: '/api/v1/act', remoteAddress: ip, headers: { authorization: 'Bearer wrong' }, payload: { n: 1 } })).statusCode, 401);
  for (let i = 0; i < 3; i++) assert.equal((await app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: ip, payload: { name: `nobody${i}`, password: 'nope' } })).statusCode, 401);
  const login = await app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: ip, payload: { name: 'ops', password: 'correct horse battery staple' } });
  assert.equal(login.statusCode, 429);
  assert.equal(login.json().type, 'https://baton.dev/problems/rate-limited');
  assert.ok(Number(login.headers['retry-after']) > 0);
  const key = await app.inject({ method: 'POST', url: '/api/v1/act', remoteAddress: ip, headers: { authorization: 'Bearer good-key' }, payload: { n: 1 } });
  assert.equal(key.statusCode, 429);
});
