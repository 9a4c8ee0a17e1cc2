import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fakeClock } from '../../../test/helpers/defence-deps.js';
import type { EventStore } from '../../events/index.js';
import { memoryEventStore, rejectedAt } from '../../../test/helpers/memory-events.js';
import { openSqliteTrafficStore } from '../../traffic/index.js';
import { openSqliteWebhookStore, WebhookAdmin } from '../../webhooks/index.js';
import { ApiProblem } from '../problem.js';
import type { ApiRequest, ApiRoute } from '../route.js';
import { statsRoutes } from './stats.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-stats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2027, 0, 15, 8, 0, 0);
const MIN = 60_000;
const request = (query: unknown = {}): ApiRequest => ({ params: {}, query, body: undefined, headers: {}, caller: undefined, ip: '127.0.0.1', signal: new AbortController().signal });
const route = (routes: ApiRoute[], path: string) => routes.find((r) => r.path === path) as ApiRoute;

test('GET /api/v1/stats/traffic: the range as ISO buckets with totals, read scope; the query is validated by its schema', async () => {
  const traffic = openSqliteTrafficStore({ path: join(dir, 'traffic.db') });
  after(() => traffic.close());
  await traffic.apply(0, 3, [{ minute: T0 + 10 * MIN, accepted: 2, delivered: 1, deferred: 0, bounced: 1, suppressed: 0 }]);
  const r = route(statsRoutes({ traffic, clock: fakeClock(T0 + 10 * MIN + 5_000) }), '/api/v1/stats/traffic');
  assert.equal(r.scope, 'read');
  assert.equal(r.query?.safeParse({ range: 'month' }).success, false);
  assert.deepEqual(r.query?.parse({}), { range: 'hour' });
  const res = await r.handler(request({ range: 'hour' }));
  const body = res.body as { range: string; bucket: string; from: string; to: string; series: { at: string; accepted: number }[]; totals: unknown };
  assert.equal(res.status, 200);
  assert.equal(body.bucket, 'minute');
  assert.equal(body.from, '2027-01-15T07:11:00.000Z');
  assert.equal(body.to, '2027-01-15T08:11:00.000Z');
  assert.equal(body.series.length, 60);
  assert.deepEqual(body.series.at(-1), { at: '2027-01-15T08:10:00.000Z', accepted: 2, delivered: 1, deferred: 0, bounced: 1, suppressed: 0 });
  assert.deepEqual(body.totals, { accepted: 2, delivered: 1, deferred: 0, bounced: 1, suppressed: 0 });
  assert.ok(r.responses[200]?.schema?.safeParse(body).success, 'the answer matches its documented schema');
  const week = (await r.handler(request({ range: 'week' }))).body as { bucket: string; series: unknown[] };
  assert.deepEqual([week.bucket, week.series.length], ['hour', 168]);
});

/** An outbox of `count` events, one a second from T0. */
function outbox(count: number): EventStore {
  return memoryEventStore(Array.from({ length: count }, (_, i) => rejectedAt(T0 + i * 1000)));
}

test('GET /api/v1/stats/webhooks: each endpoint with its lag, failures and newest POST, and the counts; admin scope; 503 without webhooks', async () => {
  const store = openSqliteWebhookStore({ path: join(dir, 'webhooks.db') });
  after(() => store.close());
  const clock = fakeClock(T0 + 100_000);
  const traffic = openSqliteTrafficStore({ path: join(dir, 'traffic-unused.db') });
  after(() => traffic.close());
  const admin = new WebhookAdmin({ store, events: outbox(10), clock });
  const healthy = await admin.create({ url: 'https://hooks.example/ok' });
  const behind = await admin.create({ url: 'https://hooks.example/slow', description: 'CRM' });
  const off = await admin.create({ url: 'https://hooks.example/off' });
  await store.addDelivery(healthy.id, { at: T0 + 50_000, status: 200, ok: true, durationMs: 12, events: 3, firstEventId: 8, lastEventId: 10 });
  await store.moveCursor(behind.id, 4); // events 5..10 pending, the oldest from T0 + 4 s
  await store.recordFailure(behind.id, { at: T0 + 90_000, nextAttemptAt: T0 + 120_000, error: 'HTTP 500' });
  await store.addDelivery(behind.id, { at: T0 + 90_000, status: 500, ok: false, durationMs: 30, events: 6, firstEventId: 5, lastEventId: 10, error: 'HTTP 500' });
  await admin.setEnabled(off.id, false);
  await store.moveCursor(off.id, 0); // far behind, but disabled: not in maxLagSeconds

  const r = route(statsRoutes({ traffic: traffic, clock, webhooks: { admin } }), '/api/v1/stats/webhooks');
  assert.equal(r.scope, 'admin');
  const res = await r.handler(request());
  const body = res.body as { total: number; enabled: number; disabled: number; failing: number; maxLagSeconds: number; webhooks: Record<string, unknown>[] };
  assert.deepEqual([body.total, body.enabled, body.disabled, body.failing, body.maxLagSeconds], [3, 2, 1, 1, 96]);
  assert.deepEqual(
    // Made in the same millisecond: compared by URL.
    [...body.webhooks].sort((a, b) => String(a['url']).localeCompare(String(b['url']))).map((w) => [w['url'], w['enabled'], w['failures'], w['pendingEvents'], w['lagSeconds'], w['lastError'], w['lastDelivery']]),
    [
      ['https://hooks.example/off', false, 0, 10, 100, null, null],
      ['https://hooks.example/ok', true, 0, 0, 0, null, { at: new Date(T0 + 50_000).toISOString(), ok: true, status: 200 }],
      ['https://hooks.example/slow', true, 1, 6, 96, 'HTTP 500', { at: new Date(T0 + 90_000).toISOString(), ok: false, status: 500 }],
    ],
  );
  assert.ok(r.responses[200]?.schema?.safeParse(body).success, 'the answer matches its documented schema');

  const none = route(statsRoutes({ traffic: traffic, clock }), '/api/v1/stats/webhooks');
  await assert.rejects(Promise.resolve(none.handler(request())), (e) => e instanceof ApiProblem && e.status === 503 && /not running/.test(e.message));
});
