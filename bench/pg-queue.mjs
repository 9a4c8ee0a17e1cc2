#!/usr/bin/env node
// The PostgreSQL queue store's hot path, measured on the local server (issue 13):
//  1. enqueue at concurrency 1, 20 and 100 with 10 KiB bodies: enqueues/s and
//     commits per enqueue (pg_stat_database.xact_commit of a database of its
//     own, so other sessions do not count), with group commit and without it
//     (maxBatch 1);
//  2. the delivery hand-off, enqueueClaimed + recordOutcomes(delivered) (the
//     message is removed in the same statement), at concurrency 20: wall rate,
//     this process's CPU per message and the CPU of its PostgreSQL backends
//     (/proc/<pid>/stat of the pool's connections), and SQLite's for scale.
//   npm run build && node bench/pg-queue.mjs [--messages 3000] [--url postgres://postgres@127.0.0.1:5432/postgres]
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPgDatabase } from '../dist/src/postgres/index.js';
import { openPgQueueStore } from '../dist/src/queue/postgres/index.js';
import { openSqliteQueueStore } from '../dist/src/queue/index.js';
import { newQueueId, systemClock } from '../dist/src/core/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const M = Number(arg('messages', 3000));
const adminUrl = arg('url', 'postgres://postgres@127.0.0.1:5432/postgres');
const dbName = `baton_bench_q_${process.pid}`;
const url = adminUrl.replace(/\/[^/]*$/, `/${dbName}`);
const app = `baton-bench-${process.pid}`;
const HZ = 100; // USER_HZ: /proc/<pid>/stat counts CPU in 1/100 s on Linux
const body = Buffer.alloc(10 * 1024, 'x');

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);

// Backends report their counters to pg_stat_database when idle, up to 10 s later (PostgreSQL 15 PGSTAT_IDLE_INTERVAL): wait before reading.
const settle = () => new Promise((r) => setTimeout(r, 11_000));
const commits = async () => Number((await admin.query('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1', [dbName])).rows[0].n);
const backendTicks = async () => {
  const pids = (await admin.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app])).rows.map((r) => r.pid);
  let t = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      t += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return t;
};
const req = () => {
  const now = Date.now();
  return {
    id: newQueueId(systemClock),
    envelope: { mailFrom: { local: 'sender', domain: 'bench.test' }, recipients: [{ address: { local: 'rcpt', domain: 'sink.test' } }], params: {} },
    origin: { kind: 'smtp', clientIp: '127.0.0.1' },
    message: body,
    receivedAt: now,
    expiresAt: now + 86_400_000,
    events: [{ type: 'accepted', queueId: '', at: now, sender: 'sender@bench.test', recipients: ['rcpt@sink.test'], size: body.length, origin: { kind: 'local' } }],
  };
};

async function run(store, n, c, one, pg) {
  // Warm: connections, prepared statements, and the JIT (the first cell would otherwise pay for it).
  for (let i = 0; i < 25; i++) await Promise.all(Array.from({ length: Math.min(c, 8) }, () => one(store)));
  if (pg) await settle();
  const [c0, t0, cpu0, w0] = pg ? [await commits(), await backendTicks(), process.cpuUsage(), process.hrtime.bigint()] : [0, 0, process.cpuUsage(), process.hrtime.bigint()];
  let next = 0;
  await Promise.all(Array.from({ length: c }, async () => { while (next++ < n) await one(store); }));
  const wall = Number(process.hrtime.bigint() - w0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const out = { rate: n / wall, nodeMs: (cpu.user + cpu.system) / 1000 / n };
  if (pg) {
    const ticks = await backendTicks();
    await settle();
    Object.assign(out, { commits: ((await commits()) - c0) / n, pgMs: ((ticks - t0) * 1000) / HZ / n });
  }
  return out;
}

const enqueue = (s) => s.enqueue(req());
const handOff = async (s) => {
  const claimed = await s.enqueueClaimed(req(), { owner: 'bench', leaseMs: 60_000 });
  const r = await s.recordOutcomes(claimed.recipients.map((x) => ({ rowId: x.rowId, kind: 'delivered', events: [] })), { owner: 'bench', now: Date.now() });
  if (r.removed.length !== 1) throw new Error('not removed');
};

const results = [];
try {
  for (const [label, maxBatch] of [['group commit', 100], ['no group commit (maxBatch 1)', 1]]) {
    for (const c of [1, 20, 100]) {
      const db = openPgDatabase({ url, poolSize: 10, applicationName: app });
      const store = await openPgQueueStore({ db, maxBatch });
      const r = await run(store, c === 1 ? Math.min(M, 1000) : M, c, enqueue, true);
      results.push({ what: `enqueue, ${label}`, c, ...r });
      console.error(results.at(-1));
      await db.query('TRUNCATE messages, recipients, events');
      await store.close();
      await db.close();
    }
  }
  {
    const db = openPgDatabase({ url, poolSize: 10, applicationName: app });
    const store = await openPgQueueStore({ db });
    const r = await run(store, M, 20, handOff, true);
    results.push({ what: 'enqueueClaimed + recordOutcomes(delivered), PostgreSQL', c: 20, ...r });
    console.error(results.at(-1));
    await store.close();
    await db.close();
  }
  {
    const dir = mkdtempSync(join(tmpdir(), 'baton-pgq-bench-'));
    const store = await openSqliteQueueStore({ path: join(dir, 'q.db') });
    const r = await run(store, M, 20, handOff, false);
    results.push({ what: 'enqueueClaimed + recordOutcomes(delivered), SQLite (for scale)', c: 20, ...r });
    console.error(results.at(-1));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}

const f = (x, d = 2) => (x === undefined ? '—' : x.toFixed(d));
console.log(`\n${M} messages of 10 KiB, 1 recipient (c = 1: ${Math.min(M, 1000)}), pool of 10 connections, synchronous_commit = on\n`);
console.log('| what | concurrency | msgs/s | commits/msg | node CPU ms/msg | PG backends CPU ms/msg |');
console.log('|---|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.what} | ${r.c} | ${f(r.rate, 0)} | ${f(r.commits, 3)} | ${f(r.nodeMs, 3)} | ${f(r.pgMs, 3)} |`);
