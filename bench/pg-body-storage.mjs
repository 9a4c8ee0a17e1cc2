#!/usr/bin/env node
// How to store message bodies in PostgreSQL (issue 13): a bytea column with
// STORAGE EXTERNAL (out of line, not compressed), a bytea column with the
// default STORAGE EXTENDED (out of line, pglz-compressed when that saves 25%),
// or large objects (pg_largeobject, lo_from_bytea / lo_get / lo_unlink).
// For each size, N bodies are inserted, read back and deleted, one statement
// (autocommit, synchronous_commit = on) per operation, c of them in flight,
// as the queue does: enqueue, the sender's read, the delete once delivered.
// Two kinds of body: mail text (compressible) and base64 of random bytes
// (an attachment: pglz cannot shrink it). Plain node + pg, a fresh schema.
//   node bench/pg-body-storage.mjs [--n 300] [--concurrency 8] [--url postgres://postgres@127.0.0.1:5432/test]
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const N = Number(arg('n', 300));
const C = Number(arg('concurrency', 8));
const url = arg('url', process.env.BATON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const schema = `bench_body_${process.pid}`;
const sizes = [10 * 1024, 100 * 1024, 1024 * 1024];

const pool = new pg.Pool({ connectionString: url, max: C });
pool.on('connect', (c) => c.query(`SET synchronous_commit = on; SET search_path = ${schema}`).catch(() => {}));

function body(kind, size) {
  if (kind === 'base64') return Buffer.from(randomBytes(Math.ceil((size * 3) / 4)).toString('base64').slice(0, size));
  // Mail text: varied words in lines, like a newsletter (compresses about 2-3x with pglz).
  const words = ['the', 'queue', 'relay', 'message', 'delivery', 'please', 'unsubscribe', 'account', 'order', 'shipping', 'update', 'weekly'];
  let s = '';
  let i = 0;
  while (s.length < size) s += `${words[(i * 7919) % words.length]} ${words[(i * 104729) % words.length]} ${i++}${i % 12 === 0 ? '\r\n' : ' '}`;
  return Buffer.from(s.slice(0, size));
}

const ways = {
  'bytea external': {
    setup: 'CREATE TABLE b (id integer PRIMARY KEY, body bytea NOT NULL); ALTER TABLE b ALTER COLUMN body SET STORAGE EXTERNAL',
    insert: (id, buf) => ['INSERT INTO b (id, body) VALUES ($1, $2)', [id, buf]],
    read: (id) => ['SELECT body FROM b WHERE id = $1', [id]],
    del: (id) => ['DELETE FROM b WHERE id = $1', [id]],
  },
  'bytea compressed': {
    setup: 'CREATE TABLE b (id integer PRIMARY KEY, body bytea NOT NULL)',
    insert: (id, buf) => ['INSERT INTO b (id, body) VALUES ($1, $2)', [id, buf]],
    read: (id) => ['SELECT body FROM b WHERE id = $1', [id]],
    del: (id) => ['DELETE FROM b WHERE id = $1', [id]],
  },
  // PostgreSQL 14+: LZ4 instead of pglz for the same column (needs a server built with lz4, as Debian's is).
  'bytea lz4': {
    setup: 'CREATE TABLE b (id integer PRIMARY KEY, body bytea NOT NULL); ALTER TABLE b ALTER COLUMN body SET COMPRESSION lz4',
    insert: (id, buf) => ['INSERT INTO b (id, body) VALUES ($1, $2)', [id, buf]],
    read: (id) => ['SELECT body FROM b WHERE id = $1', [id]],
    del: (id) => ['DELETE FROM b WHERE id = $1', [id]],
  },
  'large object': {
    setup: 'CREATE TABLE b (id integer PRIMARY KEY, lo oid NOT NULL)',
    insert: (id, buf) => ['INSERT INTO b (id, lo) VALUES ($1, lo_from_bytea(0, $2))', [id, buf]],
    read: (id) => ['SELECT lo_get(lo) AS body FROM b WHERE id = $1', [id]],
    // DELETE alone leaves the object in pg_largeobject for ever: it must be unlinked too.
    del: (id) => ['WITH d AS (DELETE FROM b WHERE id = $1 RETURNING lo) SELECT lo_unlink(lo) FROM d', [id]],
  },
};

async function phase(make) {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < N) {
        const i = next++;
        const [text, values] = make(i);
        await pool.query(text, values);
      }
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e6 / N;
}

const setupClient = new pg.Client({ connectionString: url });
await setupClient.connect();
await setupClient.query(`CREATE SCHEMA ${schema}`);
const rows = [];
let orphans = -1;
try {
  for (const kind of ['text', 'base64']) {
    for (const size of sizes) {
      const bodies = Array.from({ length: 8 }, (_, i) => body(kind, size + i));
      for (const [way, w] of Object.entries(ways)) {
        await setupClient.query(`SET search_path = ${schema}; DROP TABLE IF EXISTS b; ${w.setup}`);
        const loBefore = Number((await setupClient.query('SELECT count(*) AS n FROM pg_largeobject_metadata')).rows[0].n);
        const sizeNow = async () => Number((await setupClient.query("SELECT pg_total_relation_size('b') AS n")).rows[0].n);
        const walNow = async () => (await setupClient.query('SELECT pg_current_wal_lsn() AS l')).rows[0].l;
        const [size0, wal0] = [await sizeNow(), await walNow()];
        const ins = await phase((i) => w.insert(i, bodies[i % bodies.length]));
        // Large objects: their chunks' own size (pg_largeobject is shared by the database and reuses freed space).
        const stored =
          way === 'large object'
            ? Number((await setupClient.query("SELECT pg_total_relation_size('b') + (SELECT coalesce(sum(pg_column_size(data)), 0) FROM pg_largeobject WHERE loid IN (SELECT lo FROM b)) AS n")).rows[0].n)
            : (await sizeNow()) - size0;
        // WAL is server-wide: other sessions add a little; bodies dominate.
        const wal = Number((await setupClient.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d', [wal0])).rows[0].d) / N;
        let ok = true;
        const read = await phase((i) => {
          const q = w.read(i);
          return q;
        });
        const sample = (await pool.query(w.read(3)[0], w.read(3)[1])).rows[0].body;
        ok = Buffer.compare(sample, bodies[3 % bodies.length]) === 0;
        const del = await phase((i) => w.del(i));
        const loLeft = Number((await setupClient.query('SELECT count(*) AS n FROM pg_largeobject_metadata')).rows[0].n) - loBefore;
        rows.push({ kind, size, way, ins, read, del, total: ins + read + del, ratio: stored / (N * size), wal: wal / size, ok, loLeft });
        console.error(`${kind} ${size / 1024} KiB ${way}: insert ${ins.toFixed(3)} read ${read.toFixed(3)} delete ${del.toFixed(3)} ms/op, stored ${(stored / (N * size)).toFixed(2)}x`);
      }
    }
  }
  // A plain DELETE of the referencing row leaves the large object behind (it needs lo_unlink or the lo_manage trigger).
  await setupClient.query(`DROP TABLE IF EXISTS b; CREATE TABLE b (id integer PRIMARY KEY, lo oid NOT NULL)`);
  await setupClient.query(`INSERT INTO b SELECT i, lo_from_bytea(0, '\\x00') FROM generate_series(1, 10) i`);
  const los = (await setupClient.query('SELECT array_agg(lo) AS a FROM b')).rows[0].a;
  await setupClient.query('DELETE FROM b');
  orphans = Number((await setupClient.query('SELECT count(*) AS n FROM pg_largeobject_metadata WHERE oid = ANY($1::oid[])', [los])).rows[0].n);
  await setupClient.query('SELECT lo_unlink(o) FROM unnest($1::oid[]) o', [los]);
} finally {
  await setupClient.query(`DROP SCHEMA ${schema} CASCADE`);
  await setupClient.end();
  await pool.end();
}

console.log(`\nN = ${N} bodies per cell, ${C} in flight, one autocommit statement per operation (synchronous_commit = on)\n`);
console.log('| body | size | storage | insert ms | read ms | delete ms | total ms/msg | stored/raw | WAL/raw (insert) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const size = r.size >= 1024 * 1024 ? `${r.size / 1024 / 1024} MiB` : `${r.size / 1024} KiB`;
  console.log(`| ${r.kind} | ${size} | ${r.way} | ${r.ins.toFixed(3)} | ${r.read.toFixed(3)} | ${r.del.toFixed(3)} | ${r.total.toFixed(3)} | ${r.ratio.toFixed(2)} | ${r.wal.toFixed(2)}${r.ok ? '' : ' (READ MISMATCH)'}${r.loLeft ? ` (${r.loLeft} objects left)` : ''} |`);
}
console.log(`\nLarge objects left after DELETE of their 10 rows without lo_unlink: ${orphans} of 10`);
