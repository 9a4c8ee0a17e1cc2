#!/usr/bin/env node
// The traffic rollup (src/traffic) at size, on the real SQLite files:
//  1. projection: N events (default 100,000: accepted, delivered, deferred,
//     bounced, suppressed in a relay's proportions, one minute of mail per
//     2,000 events) appended to the real events outbox, then counted by the
//     TrafficProjector; prints events/s;
//  2. the route: a full week of minutes at ~1,000 messages a minute (10,080
//     rows), then GET /api/v1/stats/traffic's handler for hour, day and week,
//     median and worst of R runs;
//  3. for scale, what the rollup saves: the same N events summed per minute
//     straight from the events table, as each request would have to without
//     it (a week at that rate is ~20 M events).
//   npm run build && node bench/traffic-stats.mjs [--events N] [--runs R]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { statsRoutes } from '../dist/src/api/routes/stats.js';
import { makeReply } from '../dist/src/core/index.js';
import { silentLogger } from '../dist/src/log/index.js';
import { openSqliteQueueStore } from '../dist/src/queue/index.js';
import { openSqliteTrafficStore, TrafficProjector } from '../dist/src/traffic/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const total = arg('events', 100_000);
const runs = arg('runs', 30);
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const MIN = 60_000;
const reply = makeReply(250, '2.0.0', 'Ok');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const worst = (xs) => Math.max(...xs);

const dir = mkdtempSync(join(tmpdir(), 'baton-traffic-bench-'));
const path = join(dir, 'queue.db');
try {
  const clock = { now: () => NOW };
  const queue = await openSqliteQueueStore({ path, clock });
  // 1 000 messages a minute, about 2 000 events: events spread over total/2000 minutes before NOW.
  const minutes = Math.ceil(total / 2000);
  const start = NOW - minutes * MIN;
  const at = (i) => start + Math.floor((i / total) * minutes * MIN);
  const BATCH = 1000;
  for (let i = 0; i < total; i += BATCH) {
    const events = [];
    for (let k = i; k < Math.min(total, i + BATCH); k++) {
      const r = k % 100;
      const t = at(k);
      if (r < 48) events.push({ type: 'accepted', queueId: `Q${k}`, at: t, sender: 's@brand.test', recipients: ['a@gmail.test'], size: 2000, origin: { kind: 'smtp' } });
      else if (r < 93) events.push({ type: 'delivered', queueId: `Q${k}`, at: t, recipient: 'a@gmail.test', attempt: 1, reply, remoteMta: 'mx.gmail.test' });
      else if (r < 97) events.push({ type: 'deferred', queueId: `Q${k}`, at: t, recipient: 'a@gmail.test', attempt: 1, error: 'timeout', nextAttemptAt: t + MIN });
      else if (r < 99) events.push({ type: 'bounced', queueId: `Q${k}`, at: t, recipient: 'a@gmail.test', attempt: 1, reply: makeReply(550, '5.1.1', 'no') });
      else events.push({ type: 'suppressed', queueId: `Q${k}`, at: t, recipient: 'a@gmail.test', reason: 'hard-bounce', scope: 'global' });
    }
    await queue.append(events);
  }
  const traffic = openSqliteTrafficStore({ path });
  const projector = new TrafficProjector({ events: queue, traffic, clock, logger: silentLogger() });
  let t0 = performance.now();
  await projector.catchUp();
  const projectMs = performance.now() - t0;
  console.log(`projection: ${total} events in ${projectMs.toFixed(0)} ms = ${Math.round(total / (projectMs / 1000))} events/s (batches of 500, one commit each)`);

  // Without the rollup: sum the same events per minute from the events table on every request.
  const db = new Database(path, { readonly: true });
  const scan = db.prepare(`SELECT (at / 60000) * 60000 AS minute, type, count(*) FROM events WHERE id >= 1 AND type IN ('accepted','delivered','deferred','bounced','expired','suppressed') GROUP BY 1, 2`);
  const scans = [];
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    scan.all();
    scans.push(performance.now() - t0);
  }
  db.close();
  console.log(`without the rollup: summing those ${total} events per minute from the events table: median ${median(scans).toFixed(1)} ms (a week at 1,000 msg/min is ~20 M events: x${Math.round(20_000_000 / total)})`);

  // A full week of minutes (the rollup is bounded by time, not by mail): 10,080 rows.
  const weekTraffic = openSqliteTrafficStore({ path: join(dir, 'week.db') });
  const week = [];
  for (let m = 0; m < 7 * 24 * 60; m++) week.push({ minute: Math.floor(NOW / MIN) * MIN - m * MIN, accepted: 1000, delivered: 950, deferred: 60, bounced: 20, suppressed: 5 });
  await weekTraffic.apply(0, 1, week);
  const route = statsRoutes({ traffic: weekTraffic, clock }).find((r) => r.path === '/api/v1/stats/traffic');
  for (const range of ['hour', 'day', 'week']) {
    const times = [];
    for (let i = 0; i < runs; i++) {
      t0 = performance.now();
      const res = await route.handler({ params: {}, query: { range }, body: undefined, headers: {}, caller: undefined, ip: '127.0.0.1', signal: new AbortController().signal });
      JSON.stringify(res.body);
      times.push(performance.now() - t0);
    }
    console.log(`GET /api/v1/stats/traffic?range=${range} on a full week (10,080 minutes): median ${median(times).toFixed(2)} ms, worst ${worst(times).toFixed(2)} ms over ${runs} runs`);
  }
  await weekTraffic.close();
  await traffic.close();
  await queue.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
