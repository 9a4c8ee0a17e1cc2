import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { TEST_PG_URL, openTestPgDatabase } from '../../../test/helpers/pg.js';
import type { BatonEvent } from '../../events/index.js';
import { openPgQueueStore } from './index.js';

/**
 * The outbox's gap problem: event ids are drawn at insert and become visible
 * at commit, in another order. A cursor reader must never move past an id
 * that a still-running transaction will commit later.
 */
const T = 1_700_000_000_000;
const ev = (n: number): BatonEvent => ({ type: 'shaped', at: T + n, scope: `s${n}`, action: 'slowed', rate: n });
const INSERT = `INSERT INTO events (at, type, queue_id, data, schema_version) VALUES ($1, 'shaped', NULL, $2, 1) RETURNING id`;

async function side(schema: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  await c.query(`SET search_path = ${schema}`);
  return c;
}

test('an event whose transaction is still open is not skipped by a reader that saw a later one commit', async () => {
  const db = await openTestPgDatabase();
  const store = await openPgQueueStore({ db });
  const open = await side(db.schema);
  try {
    await open.query('BEGIN');
    const early = (await open.query<{ id: string }>(INSERT, [T + 1, JSON.stringify(ev(1))])).rows[0]?.id;
    await store.append([ev(2)]);
    const late = (await store.readEvents(0, 10)).map((e) => e.id);
    assert.deepEqual(late, [], 'while id ' + early + ' may still commit, the later event is not handed out');
    await open.query('COMMIT');
    const all = await store.readEvents(0, 10);
    assert.deepEqual(all.map((e) => e.id), [Number(early), Number(early) + 1]);
    assert.deepEqual(all.map((e) => (e.event.type === 'shaped' ? e.event.scope : '')), ['s1', 's2']);
  } finally {
    await open.end();
    await store.close();
    await db.close();
  }
});

test('a transaction that started first but drew its event id last does not let the reader skip (where tx < xmin fails)', async () => {
  const db = await openTestPgDatabase();
  const store = await openPgQueueStore({ db });
  const a = await side(db.schema);
  const b = await side(db.schema);
  try {
    // A gets its transaction id first (its first write, as a record's recipient update does) ...
    await a.query('BEGIN');
    const xa = (await a.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]?.x;
    // ... B, younger, draws event id N and stays open ...
    await b.query('BEGIN');
    const n = Number((await b.query<{ id: string }>(INSERT, [T + 1, JSON.stringify(ev(1))])).rows[0]?.id);
    const xb = (await b.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]?.x;
    assert.ok(BigInt(xa ?? 0) < BigInt(xb ?? 0));
    // ... A draws N + 1 and commits.
    await a.query(INSERT, [T + 2, JSON.stringify(ev(2))]);
    await a.query('COMMIT');
    // The xmin rule would hand out N + 1 now (A's xid is below every running one), and a reader would skip N.
    const xminRule = async (): Promise<number[]> =>
      (await db.query<{ id: number }>('SELECT id FROM events WHERE id > 0 AND tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY id')).rows.map((r) => r.id);
    let byXmin = await xminRule();
    // Other databases on this server may have a transaction open for a moment: xmin is server-wide.
    for (let i = 0; i < 100 && byXmin.length === 0; i++) byXmin = (await new Promise((r) => setTimeout(r, 20)), await xminRule());
    assert.deepEqual(byXmin, [n + 1], 'the xmin rule alone would skip N');
    assert.deepEqual((await store.readEvents(0, 10)).map((e) => e.id), [], 'readEvents waits for B instead');
    await b.query('COMMIT');
    assert.deepEqual((await store.readEvents(0, 10)).map((e) => e.id), [n, n + 1]);
  } finally {
    await a.end();
    await b.end();
    await store.close();
    await db.close();
  }
});

test('a reader pages through events written by many concurrent transactions without a gap', async () => {
  const db = await openTestPgDatabase({ poolSize: 8 });
  const store = await openPgQueueStore({ db });
  try {
    const seen: number[] = [];
    let cursor = 0;
    let writing = true;
    const writers = (async () => {
      for (let round = 0; round < 30; round++) await Promise.all(Array.from({ length: 8 }, (_, i) => store.append([ev(round * 8 + i)])));
      writing = false;
    })();
    while (writing || seen.length < 240) {
      const page = await store.readEvents(cursor, 7);
      for (const e of page) seen.push(e.id);
      cursor = page.at(-1)?.id ?? cursor;
      if (!writing && page.length === 0) break;
    }
    await writers;
    const all = (await db.query<{ id: number }>('SELECT id FROM events ORDER BY id')).rows.map((r) => r.id);
    assert.deepEqual(seen, all, 'every committed event, once, in id order');
  } finally {
    await store.close();
    await db.close();
  }
});
