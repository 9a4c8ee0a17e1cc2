import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Clock } from '../../core/index.js';
import { openSqliteSendingCounters } from '../../quotas/index.js';
import { openSqliteUserStore } from '../../users/index.js';
import { ApiProblem } from '../problem.js';
import type { ApiRequest, ApiRoute } from '../route.js';
import { userRoutes } from './users.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-user-routes-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T = Date.UTC(2026, 10, 30, 17, 20);
const clock: Clock = { now: () => T };

async function setUp(name: string) {
  const path = join(dir, `${name}.db`);
  const users = await openSqliteUserStore({ path, clock });
  const sendingCounters = openSqliteSendingCounters({ path });
  after(async () => {
    await users.close();
    await sendingCounters.close();
  });
  const routes = userRoutes({ stores: { users, sendingCounters }, clock, config: { quotas: { default: { messagesPerDay: 500 } } } });
  const route = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path) as ApiRoute;
  const call = async (method: string, path: string, req: { params?: unknown; body?: unknown }) => route(method, path).handler({ params: {}, query: {}, headers: {}, ...req } as unknown as ApiRequest);
  return { users, sendingCounters, call };
}

const problem = (kind: string) => (e: unknown) => e instanceof ApiProblem && e.kind === kind;

test('a user made over the API logs in with the password given; the answer never holds it', async () => {
  const t = await setUp('given');
  const r = await t.call('POST', '/api/v1/users', { body: { name: 'alice@a.test', domains: ['a.test'], password: 'long enough secret' } });
  assert.equal(r.status, 201);
  assert.equal((r.body as Record<string, unknown>)['password'], undefined);
  assert.ok(!JSON.stringify(r.body).includes('long enough secret'));
  assert.deepEqual(await t.users.verifyPassword('alice@a.test', 'long enough secret').then((u) => u?.domains), ['a.test']);
  await assert.rejects(t.call('POST', '/api/v1/users', { body: { name: 'alice@a.test', domains: ['a.test'], password: 'another secret' } }), problem('conflict'));
  await assert.rejects(t.call('POST', '/api/v1/users', { body: { name: 'api:shop', domains: ['a.test'], password: 'another secret' } }), problem('validation'), 'names of API keys are refused by the store');
});

test('limits and stream given at creation are the new user\'s own; a bad one makes no user', async () => {
  const t = await setUp('settings');
  const r = await t.call('POST', '/api/v1/users', { body: { name: 'erin', domains: ['e.test'], password: 'long enough secret', stream: 'bulk', limits: { messagesPerHour: 5 } } });
  assert.deepEqual((r.body as { ownLimits: object }).ownLimits, { messagesPerHour: 5 });
  assert.equal((r.body as { stream: string }).stream, 'bulk');
  await assert.rejects(t.call('POST', '/api/v1/users', { body: { name: 'frank', domains: ['e.test'], password: 'long enough secret', limits: { messagesPerHour: 0 } } }), problem('validation'));
  assert.equal(await t.users.getUser('frank'), undefined);
});

test('without a password one is generated, answered once, and works', async () => {
  const t = await setUp('generated');
  const r = await t.call('POST', '/api/v1/users', { body: { name: 'bob', domains: ['b.test'] } });
  const password = (r.body as { password: string }).password;
  assert.match(password, /^[A-Za-z0-9_-]{24}$/);
  assert.ok(await t.users.verifyPassword('bob', password));
  const listed = (await t.call('GET', '/api/v1/users', {})).body as { users: Record<string, unknown>[] };
  assert.equal(listed.users.length, 1);
  assert.equal(listed.users[0]?.['password'], undefined, 'a listing has no password');
});

test("a user's usage is the sending counters now, its limits its own over quotas.default", async () => {
  const t = await setUp('usage');
  await t.users.addUser('carol', 'pw-pw-pw-pw', ['c.test']);
  t.sendingCounters.add('carol', { messages: 1, recipients: 3 }, T);
  const r = await t.call('PATCH', '/api/v1/users/{name}', { params: { name: 'carol' }, body: { limits: { messagesPerHour: 10 } } });
  const u = r.body as { limits: Record<string, number>; ownLimits: Record<string, number>; hour: { messages: number; recipients: number }; day: { messages: number } };
  assert.deepEqual(u.limits, { messagesPerDay: 500, messagesPerHour: 10 });
  assert.deepEqual(u.ownLimits, { messagesPerHour: 10 });
  assert.deepEqual([u.hour.messages, u.hour.recipients, u.day.messages], [1, 3, 1]);
  const cleared = (await t.call('PATCH', '/api/v1/users/{name}', { params: { name: 'carol' }, body: { limits: { messagesPerHour: null } } })).body as { ownLimits: object };
  assert.deepEqual(cleared.ownLimits, {});
  await assert.rejects(t.call('PATCH', '/api/v1/users/{name}', { params: { name: 'nobody' }, body: { stream: 'bulk' } }), problem('not-found'));
});

test('a removed user can no longer log in; removing it again is a 404', async () => {
  const t = await setUp('remove');
  await t.users.addUser('dave', 'pw-pw-pw-pw', ['d.test']);
  assert.equal((await t.call('DELETE', '/api/v1/users/{name}', { params: { name: 'dave' } })).status, 204);
  assert.equal(await t.users.verifyPassword('dave', 'pw-pw-pw-pw'), undefined);
  await assert.rejects(t.call('DELETE', '/api/v1/users/{name}', { params: { name: 'dave' } }), problem('not-found'));
  await assert.rejects(t.call('GET', '/api/v1/users/{name}', { params: { name: 'dave' } }), problem('not-found'));
});
