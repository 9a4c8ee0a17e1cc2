import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { buildFlows } from '../../campaigns/flows/index.js';
import { sqliteFlowFixture, tempDir } from '../../campaigns/flows/test-fixtures.js';
import { silentLogger } from '../../log/index.js';
import { ApiProblem } from '../problem.js';
import type { ApiRequest, ApiRoute } from '../route.js';
import { validateParts } from '../validate.js';
import { eventTriggerRoutes } from './events-trigger.js';
import { flowRoutes } from './flows.js';

const dir = tempDir('baton-flow-routes-');
after(() => dir.remove());
const T = Date.UTC(2026, 11, 1, 2);
const clock = { now: () => T };

function setUp() {
  const fx = sqliteFlowFixture(dir.path());
  const flows = buildFlows({
    store: fx.store,
    mailer: { send: async () => ({ kind: 'queued', queueId: 'q' }) },
    matches: async () => true,
    suppressions: { matching: async () => new Map() },
    config: { tick: 1000, batch: 10, minWait: 60_000, retry: 1000 },
    clock,
    logger: silentLogger(),
  });
  const routes = [...flowRoutes({ flows, clock }), ...eventTriggerRoutes({ flows })];
  /** Through the route's own schemas, as the server validates, then the handler. */
  const call = async (method: string, path: string, o: { params?: unknown; query?: unknown; body?: unknown } = {}) => {
    const route = routes.find((r) => r.method === method && r.path === path) as ApiRoute;
    const v = validateParts([
      { where: 'params', schema: route.params, value: o.params ?? {} },
      { where: 'query', schema: route.query, value: o.query ?? {} },
      { where: 'body', schema: route.body === 'raw' ? undefined : route.body, value: o.body },
    ]);
    return route.handler({ ...v, headers: {}, caller: { keyId: 'k1', name: 'shop', scopes: ['admin', 'send'], domains: [] }, ip: '127.0.0.1', signal: new AbortController().signal } as ApiRequest);
  };
  return { fx, call };
}

const welcome = {
  name: 'welcome',
  trigger: { type: 'event', name: 'signed-up' },
  steps: [
    { type: 'send', template: 1, from: 'news@news.test' },
    { type: 'wait', duration: '2d' },
    { type: 'branch', if: { all: [{ attr: 'plan', op: 'eq', value: 'pro' }] }, then: [{ type: 'update', attr: 'vip', value: true }], else: [{ type: 'exit' }] },
  ],
};

test('flows: create (201, active by default, the caller as api key), get and list with counts, put, pause, resume, delete', async () => {
  const { fx, call } = setUp();
  try {
    const created = await call('POST', '/api/v1/flows', { body: welcome });
    assert.equal(created.status, 201);
    const f = created.body as { id: number };
    assert.deepEqual(created.body, { id: f.id, ...welcome, active: true, apiKey: 'shop', counts: { running: 0, waiting: 0, completed: 0, exited: 0 }, createdAt: T, updatedAt: T });
    await fx.addContact('ann@x.test');
    assert.deepEqual((await call('POST', '/api/v1/events', { body: { name: 'signed-up', contact: 'Ann@X.test', data: { plan: 'pro' } } })).body, { started: 1 });
    assert.deepEqual((await call('POST', '/api/v1/events', { body: { name: 'signed-up', contact: 'ann@x.test' } })).body, { started: 0 }, 'a live run: none started');
    assert.deepEqual(((await call('GET', '/api/v1/flows/{id}', { params: { id: String(f.id) } })).body as { counts: unknown }).counts, { running: 0, waiting: 1, completed: 0, exited: 0 });
    assert.equal(((await call('GET', '/api/v1/flows')).body as { items: unknown[] }).items.length, 1);
    const put = await call('PUT', '/api/v1/flows/{id}', { params: { id: String(f.id) }, body: { ...welcome, name: 'welcome 2', active: false } });
    assert.deepEqual([(put.body as { name: string }).name, (put.body as { active: boolean }).active, (put.body as { apiKey: string }).apiKey], ['welcome 2', false, 'shop']);
    assert.equal(((await call('PUT', '/api/v1/flows/{id}', { params: { id: String(f.id) }, body: { ...welcome, apiKey: 'news', active: false } })).body as { apiKey: string }).apiKey, 'news');
    assert.equal(((await call('POST', '/api/v1/flows/{id}/resume', { params: { id: String(f.id) } })).body as { active: boolean }).active, true);
    assert.equal(((await call('POST', '/api/v1/flows/{id}/pause', { params: { id: String(f.id) } })).body as { active: boolean }).active, false);
    assert.deepEqual((await call('POST', '/api/v1/events', { body: { name: 'signed-up', contact: 'nobody@x.test' } }).catch((e: ApiProblem) => [e.kind, e.detail])), ['not-found', 'no contact nobody@x.test']);
    assert.equal((await call('DELETE', '/api/v1/flows/{id}', { params: { id: String(f.id) } })).status, 204);
    await assert.rejects(call('GET', '/api/v1/flows/{id}', { params: { id: String(f.id) } }), (e) => e instanceof ApiProblem && e.kind === 'not-found');
  } finally {
    await fx.close();
  }
});

test('a bad flow is a 422 naming each nested step; a wait under campaigns.flows.minWait too', async () => {
  const { fx, call } = setUp();
  try {
    await assert.rejects(
      call('POST', '/api/v1/flows', { body: { ...welcome, steps: [{ type: 'branch', if: { all: [] }, then: [{ type: 'wait', duration: 'soon' }], else: [{ type: 'send', template: 1 }] }] } }),
      (e) => e instanceof ApiProblem && e.kind === 'validation' && JSON.stringify((e.extensions.errors as { path: string }[]).map((x) => x.path)) === JSON.stringify(['body.steps[0].then[0].duration', 'body.steps[0].else[0].from']),
    );
    await assert.rejects(
      call('POST', '/api/v1/flows', { body: { ...welcome, steps: [{ type: 'wait', duration: '2s' }] } }),
      (e) => e instanceof ApiProblem && e.kind === 'validation' && /at least 60000 ms/.test(e.detail ?? ''),
    );
    await assert.rejects(call('POST', '/api/v1/flows', { body: { ...welcome, trigger: { type: 'list-joined' } } }), (e) => e instanceof ApiProblem && e.kind === 'validation');
    await assert.rejects(
      call('POST', '/api/v1/flows', { body: { ...welcome, steps: [{ type: 'exit' }, { type: 'branch', if: { all: [{ attr: 'plan', op: 'like', value: 1 }] }, then: [], else: [] }] } }),
      (e) => e instanceof ApiProblem && e.kind === 'validation' && /^body\.steps\.1\.if/.test((e.extensions.errors as { path: string }[])[0]?.path ?? ''),
      'a branch condition outside the segment grammar',
    );
  } finally {
    await fx.close();
  }
});

test('runs: newest first, by contact id or address, paged by cursor', async () => {
  const { fx, call } = setUp();
  try {
    const f = (await call('POST', '/api/v1/flows', { body: welcome })).body as { id: number };
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await fx.addContact(`c${i}@x.test`));
      await call('POST', '/api/v1/events', { body: { name: 'signed-up', contact: `c${i}@x.test` } });
    }
    const p1 = (await call('GET', '/api/v1/flows/{id}/runs', { params: { id: String(f.id) }, query: { limit: '2' } })).body as { items: { address: string; state: string; nextAt: number; position: string }[]; next: string };
    assert.deepEqual(p1.items.map((r) => [r.address, r.state, r.position, r.nextAt]), [['c2@x.test', 'waiting', '0', T], ['c1@x.test', 'waiting', '0', T]]);
    const p2 = (await call('GET', '/api/v1/flows/{id}/runs', { params: { id: String(f.id) }, query: { limit: '2', cursor: p1.next } })).body as { items: { address: string }[]; next?: string };
    assert.deepEqual([p2.items.map((r) => r.address), p2.next], [['c0@x.test'], undefined]);
    const byAddress = (await call('GET', '/api/v1/flows/{id}/runs', { params: { id: String(f.id) }, query: { contact: 'C1@x.test' } })).body as { items: { contact: number }[] };
    assert.deepEqual(byAddress.items.map((r) => r.contact), [ids[1]]);
    const byId = (await call('GET', '/api/v1/flows/{id}/runs', { params: { id: String(f.id) }, query: { contact: String(ids[0]) } })).body as { items: { address: string }[] };
    assert.deepEqual(byId.items.map((r) => r.address), ['c0@x.test']);
  } finally {
    await fx.close();
  }
});
