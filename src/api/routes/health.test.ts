import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiProblem } from '../problem.js';
import type { ApiRequest, ApiRoute } from '../route.js';
import { healthRoutes, type HealthDeps } from './health.js';
import { metricsRoutes } from './metrics.js';

const request: ApiRequest = { params: {}, query: {}, body: undefined, headers: {}, caller: undefined, ip: '127.0.0.1', signal: new AbortController().signal };
const route = (routes: ApiRoute[], path: string) => routes.find((r) => r.path === path) as ApiRoute;
const deps = (over: Partial<HealthDeps> = {}): HealthDeps => ({
  storeWritable: async () => undefined,
  listeners: () => [
    { name: 'mx 127.0.0.1:2525', bound: true },
    { name: 'api 127.0.0.1:8025', bound: true },
  ],
  ...over,
});

test('/healthz answers 200 and is public', async () => {
  const r = route(healthRoutes({ readiness: deps() }), '/healthz');
  assert.equal(r.scope, 'public');
  assert.deepEqual(await r.handler(request), { status: 200, body: { status: 'ok' } });
});

test('/readyz answers 200 with every check when the store is writable and the listeners are bound', async () => {
  const res = await route(healthRoutes({ readiness: deps() }), '/readyz').handler(request);
  assert.equal(res.status, 200);
  assert.deepEqual((res.body as { checks: unknown[] }).checks.length, 3);
});

test('/readyz answers 503 problem+json naming the store when a write fails, with Retry-After', async () => {
  const r = route(healthRoutes({ readiness: deps({ storeWritable: async () => Promise.reject(new Error('SQLITE_FULL: database or disk is full')) }) }), '/readyz');
  const err = await Promise.resolve(r.handler(request)).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof ApiProblem);
  assert.equal(err.status, 503);
  assert.equal(err.headers['Retry-After'], '5');
  const body = err.body();
  assert.equal(body.type, 'https://baton.dev/problems/temporary-failure');
  assert.match(String(body.detail), /store: the store is not writable: SQLITE_FULL/);
  assert.deepEqual((body['checks'] as { name: string; ok: boolean }[]).map((c) => [c.name, c.ok]), [
    ['store', false],
    ['listener mx 127.0.0.1:2525', true],
    ['listener api 127.0.0.1:8025', true],
  ]);
});

test('/readyz does not wait for a store write that hangs: 503 after the bound', async () => {
  const r = route(healthRoutes({ readiness: deps({ storeWritable: () => new Promise(() => {}), storeTimeoutMs: 50 }) }), '/readyz');
  const err = (await Promise.resolve(r.handler(request)).then(() => undefined, (e: unknown) => e)) as ApiProblem;
  assert.equal(err.status, 503);
  assert.match(String(err.detail), /no write transaction completed within 50 ms/);
});

test('/readyz answers 503 naming a listener that is not bound', async () => {
  const r = route(healthRoutes({ readiness: deps({ listeners: () => [{ name: 'mx 127.0.0.1:2525', bound: false }] }) }), '/readyz');
  const err = (await Promise.resolve(r.handler(request)).then(() => undefined, (e: unknown) => e)) as ApiProblem;
  assert.equal(err.status, 503);
  assert.match(String(err.detail), /listener mx 127.0.0.1:2525: not bound/);
});

test('/metrics answers the exposition with its content type; a failed source is a 503, never a partial page', async () => {
  const ok = route(metricsRoutes({ metrics: { exposition: async () => '# TYPE a gauge\na 1\n', contentType: 'text/plain; version=0.0.4; charset=utf-8' } }), '/metrics');
  assert.equal(ok.scope, 'public');
  assert.deepEqual(await ok.handler(request), { status: 200, body: '# TYPE a gauge\na 1\n', contentType: 'text/plain; version=0.0.4; charset=utf-8' });
  const failing = route(metricsRoutes({ metrics: { exposition: async () => Promise.reject(new Error('store closed')), contentType: 'text/plain' } }), '/metrics');
  const err = (await Promise.resolve(failing.handler(request)).then(() => undefined, (e: unknown) => e)) as ApiProblem;
  assert.equal(err.status, 503);
});
