import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newQueueId, type QueueId } from '../../core/index.js';
import { openPgDatabase, type PgDatabase } from '../../postgres/index.js';
import { TEST_PG_URL, openTestPgDatabase } from '../../../test/helpers/pg.js';
import type { EnqueueRequest, QueueStore } from '../store.js';
import { openPgQueueStore } from './index.js';

/** Several nodes on one database: each its own pool and store, as separate processes would have. */
const T = 1_700_000_000_000;
let n = 0;

function request(rcpts: readonly string[], over: Partial<EnqueueRequest> = {}): EnqueueRequest {
  return {
    id: newQueueId({ now: () => T + n++ }),
    envelope: {
      mailFrom: { local: 'alice', domain: 'example.com' },
      recipients: rcpts.map((a) => ({ address: { local: a.split('@')[0] ?? '', domain: a.split('@')[1] ?? '' } })),
      params: {},
    },
    origin: { kind: 'local' },
    message: Buffer.from('Subject: c\r\n\r\nx\r\n'),
    receivedAt: T,
    expiresAt: T + 86_400_000,
    ...over,
  };
}

async function nodes(count: number, poolSize = 5): Promise<{ stores: QueueStore[]; dbs: PgDatabase[]; close(): Promise<void> }> {
  const first = await openTestPgDatabase({ poolSize });
  const dbs = [first, ...Array.from({ length: count - 1 }, () => openPgDatabase({ url: TEST_PG_URL, schema: first.schema, poolSize }))];
  const stores: QueueStore[] = [];
  for (const db of dbs) stores.push(await openPgQueueStore({ db }));
  return {
    stores,
    dbs,
    close: async () => {
      for (const s of stores) await s.close();
      for (const db of dbs) await db.close();
    },
  };
}

test('two nodes claiming at once never lease the same row, and every due row is claimed exactly once', async () => {
  const c = await nodes(2);
  try {
    const [a, b] = c.stores as [QueueStore, QueueStore];
    const all: number[] = [];
    for (let i = 0; i < 10; i++) {
      const born = await Promise.all(Array.from({ length: 50 }, (_, j) => a.enqueue(request([`r${j}@x.test`, `s${j}@y.test`]))));
      assert.equal(born.length, 50);
    }
    all.push(...(await c.dbs[0]?.query<{ row_id: number }>('SELECT row_id FROM recipients'))!.rows.map((r) => r.row_id));
    assert.equal(all.length, 1000);
    const got = new Map<number, string>();
    const claimer = async (s: QueueStore, owner: string): Promise<void> => {
      for (;;) {
        const claims = await s.claimDue({ now: T, limit: 7, leaseMs: 60_000, owner });
        const rows = claims.flatMap((x) => x.recipients.map((r) => r.rowId));
        if (rows.length === 0) return;
        for (const r of rows) {
          assert.equal(got.get(r), undefined, `row ${r} leased to ${got.get(r)} and to ${owner}`);
          got.set(r, owner);
        }
      }
    };
    // 20 claimers per node, 40 in all, racing over 1,000 due rows.
    await Promise.all([...Array.from({ length: 20 }, (_, i) => claimer(a, `A${i}`)), ...Array.from({ length: 20 }, (_, i) => claimer(b, `B${i}`))]);
    assert.deepEqual([...got.keys()].sort((x, y) => x - y), [...all].sort((x, y) => x - y), 'every due row claimed exactly once');
    const owners = new Set(got.values());
    assert.ok([...owners].some((o) => o.startsWith('A')) && [...owners].some((o) => o.startsWith('B')), 'both nodes took work');
    const leased = await c.dbs[0]?.query<{ n: number }>('SELECT count(*) AS n FROM recipients WHERE lease_owner IS NOT NULL');
    assert.equal(leased?.rows[0]?.n, 1000);
  } finally {
    await c.close();
  }
});

test('two nodes finishing the last two recipients of one message at once remove it exactly once, or keep it for its DSN', async () => {
  const c = await nodes(2);
  try {
    const [first, second] = c.stores as [QueueStore, QueueStore];
    for (let round = 0; round < 40; round++) {
      // Two nodes, then one node whose two workers' outcomes go in one group commit.
      const [a, b] = round < 20 ? [first, second] : [first, first];
      const bounce = round % 2 === 1; // a bounce owes the sender a DSN: the message stays, finished
      const req = request(['p@x.test', 'q@x.test']);
      await a.enqueue(req);
      const [ca] = await a.claimDue({ now: T, limit: 1, leaseMs: 60_000, owner: 'A' });
      const [cb] = await b.claimDue({ now: T, limit: 1, leaseMs: 60_000, owner: 'B' });
      const ra = ca?.recipients[0]?.rowId ?? -1;
      const rb = cb?.recipients[0]?.rowId ?? -1;
      const [x, y] = await Promise.all([
        a.recordOutcomes([{ rowId: ra, kind: 'delivered' }], { owner: 'A', now: T + 1 }),
        b.recordOutcomes([{ rowId: rb, kind: bounce ? 'bounced' : 'delivered' }], { owner: 'B', now: T + 1 }),
      ]);
      assert.deepEqual([...x.lost, ...y.lost], []);
      const removed = [...x.removed, ...y.removed];
      const finished = [...x.finished, ...y.finished];
      if (bounce) {
        assert.deepEqual([removed, finished], [[], [req.id]], `round ${round}`);
        assert.deepEqual((await a.listFinished(10)).map((m) => m.id), [req.id]);
        await a.delete(req.id, 'finished');
      } else {
        assert.deepEqual([removed, finished], [[req.id], []], `round ${round}`);
        assert.equal(await b.getMessage(req.id), undefined);
      }
    }
  } finally {
    await c.close();
  }
});

test('concurrent enqueues and outcomes share commits (group commit): one statement per batch, not per message', async () => {
  const db = await openTestPgDatabase({ poolSize: 4 });
  const store = await openPgQueueStore({ db });
  try {
    let statements = 0;
    let records = 0;
    const query = db.pool.query.bind(db.pool) as (...args: unknown[]) => unknown;
    (db.pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
      const cfg = args[0] as { name?: string };
      if (cfg.name?.startsWith('baton_q_enqueue_')) statements++;
      if (cfg.name === 'baton_q_record') records++;
      return query(...args);
    };
    const reqs = Array.from({ length: 300 }, (_, i) => request([`r${i}@g.test`], { message: Buffer.alloc(10_240, i % 256) }));
    await Promise.all(reqs.map((r) => store.enqueue(r)));
    assert.ok(statements <= 10, `300 concurrent enqueues took ${statements} statements`);
    assert.equal((await store.stats()).messages, 300);
    // One at a time, each is its own commit (nothing to wait for).
    statements = 0;
    for (const r of Array.from({ length: 5 }, () => request(['s@g.test']))) await store.enqueue(r);
    assert.equal(statements, 5);
    // Outcomes too: 300 workers recording at once share statements; each still gets its own result.
    const claims = await store.claimDue({ now: T, limit: 1_000, leaseMs: 60_000, owner: 'W' });
    assert.equal(claims.length, 305);
    records = 0;
    const results = await Promise.all(claims.map((c) => store.recordOutcomes(c.recipients.map((r) => ({ rowId: r.rowId, kind: 'delivered' as const })), { owner: 'W', now: T + 1 })));
    assert.ok(records <= 10, `300 concurrent records took ${records} statements`);
    assert.deepEqual(results.map((r) => r.removed), claims.map((c) => [c.message.id]), 'each caller hears of its own message');
    assert.equal((await store.stats()).messages, 0);
  } finally {
    await store.close();
    await db.close();
  }
});

test('in one batch, a duplicate queue id and a request PostgreSQL refuses fail alone; the others are stored', async () => {
  const db = await openTestPgDatabase();
  const store = await openPgQueueStore({ db });
  try {
    const dup = request(['a@d.test']);
    await store.enqueue(dup);
    const twice = request(['b@d.test']);
    const bad = request(['c\0nul@d.test']); // PostgreSQL text cannot hold NUL: the whole statement fails
    const good = Array.from({ length: 5 }, () => request(['e@d.test']));
    const results = await Promise.allSettled([store.enqueue(dup), store.enqueue(twice), store.enqueue({ ...twice, message: Buffer.from('again') }), store.enqueue(bad), ...good.map((g) => store.enqueue(g))]);
    const status = results.map((r) => r.status);
    assert.deepEqual(status, ['rejected', 'fulfilled', 'rejected', 'rejected', ...good.map(() => 'fulfilled')]);
    const code = (r: PromiseSettledResult<QueueId> | undefined) => (r?.status === 'rejected' ? (r.reason as { code?: string; name?: string }) : undefined);
    assert.deepEqual([code(results[0])?.name, code(results[0])?.code], ['QueueStoreError', '23505']);
    assert.equal(code(results[2])?.code, '23505');
    assert.equal(code(results[3])?.code, '22021', 'the driver error of the bad request itself');
    assert.deepEqual(await store.readBody(twice.id), twice.message);
    assert.equal((await store.stats()).messages, 7);
  } finally {
    await store.close();
    await db.close();
  }
});

test('an unreachable database rejects promptly with an error isPgUnavailable recognises', async () => {
  const { isPgUnavailable } = await import('../../postgres/index.js');
  const db = openPgDatabase({ url: 'postgres://postgres@127.0.0.1:1/test', poolSize: 2, connectTimeoutMs: 1_000 });
  try {
    const started = Date.now();
    const err = await openPgQueueStore({ db }).then(() => undefined, (e: unknown) => e);
    assert.ok(isPgUnavailable(err), String(err));
    assert.ok(Date.now() - started < 5_000);
  } finally {
    await db.close();
  }
});

test('connections killed under a working store fail only the calls in flight, never the process', async () => {
  const { isPgUnavailable } = await import('../../postgres/index.js');
  const fresh = await openTestPgDatabase();
  await fresh.close();
  // A name of its own, so the kill below touches this pool's connections only (other test files share the server).
  const name = `baton-kill-${process.pid}-${n++}`;
  const db = openPgDatabase({ url: TEST_PG_URL, schema: fresh.schema, poolSize: 4, applicationName: name });
  const store = await openPgQueueStore({ db });
  const admin = openPgDatabase({ url: TEST_PG_URL, poolSize: 1 });
  try {
    const before = request(['a@k.test']);
    await store.enqueue(before);
    let failed = 0;
    for (let round = 0; round < 3; round++) {
      const inFlight = Array.from({ length: 50 }, (_, i) => store.enqueue(request(['b@k.test'], { message: Buffer.alloc(200_000 + i, 1) })));
      const reads = Array.from({ length: 20 }, () => store.stats());
      const outcomes = Promise.allSettled([...inFlight, ...reads]);
      await new Promise((r) => setTimeout(r, 5 * round));
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
      for (const s of await outcomes) {
        if (s.status === 'rejected') {
          failed++;
          assert.ok(isPgUnavailable(s.reason), String(s.reason));
        }
      }
    }
    // The pool replaces dead connections: the store works on. A connection killed while idle in the
    // pool may fail the first call made on it (unavailable, as the caller's 451 and retry expect).
    const after = request(['c@k.test']);
    for (let attempt = 1; ; attempt++) {
      try {
        await store.enqueue(after);
        break;
      } catch (err) {
        assert.ok(isPgUnavailable(err) && attempt < 5, String(err));
      }
    }
    assert.equal((await store.getMessage(after.id))?.id, after.id);
    assert.equal((await store.getMessage(before.id))?.id, before.id);
    assert.ok(failed > 0, 'some calls were in flight when their connection died');
  } finally {
    await store.close();
    await db.close();
    await admin.close();
  }
});
