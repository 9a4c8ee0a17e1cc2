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
