import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { newQueueId, type Clock, type QueueId } from '../../core/index.js';
import { openSqliteQueueStore, type QueueStore } from '../../queue/index.js';
import { ApiProblem } from '../problem.js';
import type { ApiRequest } from '../route.js';
import { queueActionRoutes, selectorOf } from './queue-actions.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-queue-actions-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T = 1_800_000_000_000;
const clock: Clock = { now: () => T + 10 * 3_600_000 };

test('an empty filter deletes nothing unless "all": true; hold and release select by held; a contradicting held is refused', () => {
  assert.throws(() => selectorOf('delete', {}, T), (e: unknown) => e instanceof ApiProblem && e.kind === 'validation' && /"all": true/.test(e.detail ?? ''));
  assert.deepEqual(selectorOf('delete', { all: true }, T), {});
  assert.deepEqual(selectorOf('hold', {}, T), { held: false });
  assert.deepEqual(selectorOf('release', { senderDomain: 'b.test' }, T), { senderDomain: 'b.test', held: true });
  assert.deepEqual(selectorOf('retry', { olderThan: '2h', receivedBefore: new Date(T).toISOString() }, T + 3 * 3_600_000), { receivedBefore: T });
  assert.throws(() => selectorOf('hold', { held: true }, T), (e: unknown) => e instanceof ApiProblem && e.kind === 'validation');
});

test('a bulk action walks the selection in batches and acts on every selected message once', async () => {
  const store = await openSqliteQueueStore({ path: join(dir, 'q.db'), clock });
  try {
    const ids: QueueId[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(
        await store.enqueue({
          id: newQueueId({ now: () => T + i }),
          envelope: { mailFrom: { local: 'a', domain: i < 5 ? 'bulk.test' : 'keep.test' }, recipients: [{ address: { local: 'r', domain: 'x.test' } }], params: {} },
          origin: { kind: 'smtp' },
          message: Buffer.from('x\r\n'),
          receivedAt: T + i,
          expiresAt: T + 86_400_000,
        }),
      );
    }
    const pages: number[] = [];
    const counted: QueueStore = { ...store, listIds: async (sel, page) => { const got = await store.listIds(sel, page); pages.push(got.length); return got; } };
    const hold = queueActionRoutes({ queue: counted, index: { get: async () => undefined }, clock, batch: 2 }).find((r) => r.path === '/api/v1/queue/hold');
    const req = { body: { senderDomain: 'bulk.test' }, signal: new AbortController().signal } as unknown as ApiRequest;
    const r = await hold?.handler(req);
    assert.deepEqual(r?.body, { action: 'hold', messages: 5 });
    assert.deepEqual(pages, [2, 2, 1], 'three batches of at most 2');
    assert.deepEqual((await store.list({ held: true })).map((m) => m.id).sort(), ids.slice(0, 5).sort());
  } finally {
    await store.close();
  }
});

test('a bulk action with "limit" acts page by page: "total" first, then "nextCursor" until null; the cursor keeps a relative filter fixed', async () => {
  let now = T + 10 * 3_600_000;
  const moving: Clock = { now: () => now };
  const store = await openSqliteQueueStore({ path: join(dir, 'paged.db'), clock: moving });
  try {
    for (let i = 0; i < 6; i++) {
      await store.enqueue({
        id: newQueueId({ now: () => T + i * 60_000 }),
        envelope: { mailFrom: { local: 'a', domain: 'paged.test' }, recipients: [{ address: { local: 'r', domain: 'x.test' } }], params: {} },
        origin: { kind: 'smtp' },
        message: Buffer.from('x\r\n'),
        receivedAt: T + i * 60_000,
        expiresAt: T + 86_400_000,
      });
    }
    const routes = queueActionRoutes({ queue: store, index: { get: async () => undefined }, clock: moving, batch: 2 });
    const hold = routes.find((r) => r.path === '/api/v1/queue/hold');
    const call = async (body: Record<string, unknown>) => (await hold?.handler({ body, signal: new AbortController().signal } as unknown as ApiRequest))?.body as Record<string, unknown> | undefined;
    // Received more than 9h57m before the first call: the 4 received at T..T+3min (now = T+10h).
    const filter = { senderDomain: 'paged.test', olderThan: `${10 * 60 - 3 - 1}m` };
    const first = await call({ ...filter, limit: 3 });
    assert.equal(first?.total, 4);
    assert.equal(first?.messages, 3);
    assert.equal(typeof first?.nextCursor, 'string');
    // An hour later "olderThan" would select all six: the cursor keeps the first call's instant.
    now += 3_600_000;
    const second = await call({ ...filter, limit: 3, cursor: first?.nextCursor });
    assert.deepEqual(second, { action: 'hold', messages: 1, nextCursor: null });
    assert.equal((await store.list({ held: true })).length, 4);
    // Exactly at the limit with nothing after: done in one call, cursor null.
    const release = routes.find((r) => r.path === '/api/v1/queue/release');
    const released = await release?.handler({ body: { limit: 4 }, signal: new AbortController().signal } as unknown as ApiRequest);
    assert.deepEqual(released?.body, { action: 'release', messages: 4, total: 4, nextCursor: null });
    await assert.rejects(
      call({ limit: 3, cursor: 'not-ours' }),
      (e: unknown) => e instanceof ApiProblem && e.kind === 'bad-request',
    );
  } finally {
    await store.close();
  }
});
