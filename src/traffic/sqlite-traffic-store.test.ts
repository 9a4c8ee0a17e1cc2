import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeReply, type Clock } from '../core/index.js';
import { latestVersion } from '../sqlite/index.js';
import type { BatonEvent, StoredEvent } from '../events/index.js';
import { silentLogger } from '../log/index.js';
import { openSqliteQueueStore } from '../queue/index.js';
import { TrafficProjector } from './projector.js';
import { rollUp } from './rollup.js';
import { trafficView } from './series.js';
import { openSqliteTrafficStore } from './sqlite-traffic-store.js';
import type { MinuteCounts } from './traffic-store.js';
import { trafficStoreContract } from './traffic-store.contract.js';
import { TRAFFIC_SCHEMA } from './traffic-migrations.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-traffic-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `t${++n}.db`);

const MIN = 60_000;
const HOUR = 3_600_000;
/** A whole UTC hour (2027-01-15T08:00:00Z), so the edges below are easy to read. */
const T0 = Date.UTC(2027, 0, 15, 8, 0, 0);

const reply = makeReply(250, '2.0.0', 'Ok');
const ev = {
  accepted: (at: number, recipients: string[]): BatonEvent => ({ type: 'accepted', queueId: 'q', at, sender: 's@a.test', recipients, size: 1, origin: { kind: 'api', apiKey: 'k' } }),
  delivered: (at: number): BatonEvent => ({ type: 'delivered', queueId: 'q', at, recipient: 'r@b.test', attempt: 1, reply }),
  deferred: (at: number): BatonEvent => ({ type: 'deferred', queueId: 'q', at, recipient: 'r@b.test', attempt: 1, error: 'connection refused', nextAttemptAt: at + MIN }),
  bounced: (at: number): BatonEvent => ({ type: 'bounced', queueId: 'q', at, recipient: 'r@b.test', attempt: 1, reply: makeReply(550, '5.1.1', 'no such user') }),
  expired: (at: number): BatonEvent => ({ type: 'expired', queueId: 'q', at, recipient: 'r@b.test', attempt: 9, error: 'timed out' }),
  suppressed: (at: number): BatonEvent => ({ type: 'suppressed', queueId: 'q', at, recipient: 'gone@b.test', reason: 'hard-bounce', scope: 'global' }),
  held: (at: number): BatonEvent => ({ type: 'held', queueId: 'q', at }),
};
const stored = (events: BatonEvent[]): StoredEvent[] => events.map((event, i) => ({ id: i + 1, event }));
const counts = (minute: number, c: Partial<MinuteCounts>): MinuteCounts => ({ minute, accepted: 0, delivered: 0, deferred: 0, bounced: 0, suppressed: 0, ...c });

test('rollUp counts recipients per UTC minute: accepted by its recipients, expired as bounced, other events not at all', () => {
  const got = rollUp(
    stored([
      ev.accepted(T0 + 5 * MIN + 59_999, ['a@b.test', 'c@b.test', 'd@b.test']),
      ev.delivered(T0 + 5 * MIN),
      ev.deferred(T0 + 5 * MIN + 1),
      ev.deferred(T0 + 5 * MIN + 2),
      ev.held(T0 + 5 * MIN),
      ev.bounced(T0 + 6 * MIN),
      ev.expired(T0 + 6 * MIN + 30_000),
      ev.suppressed(T0 + 6 * MIN - 1),
      ev.accepted(T0 + 7 * MIN, []),
    ]),
  );
  assert.deepEqual(got, [counts(T0 + 5 * MIN, { accepted: 3, delivered: 1, deferred: 2, suppressed: 1 }), counts(T0 + 6 * MIN, { bounced: 2 })]);
  assert.deepEqual(rollUp([]), []);
});

trafficStoreContract('sqlite', async () => openSqliteTrafficStore({ path: freshPath() }));

test('the traffic concern migrates its own tables to its latest level, and no other concern', async () => {
  const path = freshPath();
  await openSqliteTrafficStore({ path }).close();
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema:traffic'), String(latestVersion(TRAFFIC_SCHEMA)));
    assert.equal(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema:queue'), undefined);
  } finally {
    db.close();
  }
});

test('the hour range: 60 minutes ending with the current one, zero-filled, the edges exact', async () => {
  const s = openSqliteTrafficStore({ path: freshPath() });
  try {
    const now = T0 + HOUR + 30 * MIN + 12_345; // 09:30:12.345
    const first = T0 + 31 * MIN; // 08:31, so 60 minutes through 09:30
    await s.apply(0, 1, [counts(first - MIN, { accepted: 50 }), counts(first, { accepted: 1 }), counts(T0 + HOUR + 30 * MIN, { delivered: 2 }), counts(T0 + HOUR + 31 * MIN, { bounced: 9 })]);
    const v = await trafficView(s, 'hour', now);
    assert.equal(v.bucket, 'minute');
    assert.equal(v.series.length, 60);
    assert.equal(v.from, first);
    assert.equal(v.to, T0 + HOUR + 31 * MIN);
    assert.deepEqual(v.series[0], { at: first, accepted: 1, delivered: 0, deferred: 0, bounced: 0, suppressed: 0 });
    assert.deepEqual(v.series[59], { at: T0 + HOUR + 30 * MIN, accepted: 0, delivered: 2, deferred: 0, bounced: 0, suppressed: 0 });
    assert.deepEqual(v.series[30], { at: first + 30 * MIN, accepted: 0, delivered: 0, deferred: 0, bounced: 0, suppressed: 0 }, 'a quiet minute is zeros');
    assert.ok(v.series.every((b, i) => b.at === first + i * MIN), 'every minute, in order');
    assert.deepEqual(v.totals, { accepted: 1, delivered: 2, deferred: 0, bounced: 0, suppressed: 0 }, 'the minute before the range and the one after now are left out');
  } finally {
    await s.close();
  }
});

test('the day and week ranges: whole UTC hours, 24 and 168 of them, the current hour last', async () => {
  const s = openSqliteTrafficStore({ path: freshPath() });
  try {
    const now = T0 + 59 * MIN; // within 08:00-09:00
    await s.apply(0, 1, [
      counts(T0 - 23 * HOUR, { deferred: 1 }), // first hour of the day range
      counts(T0 - 23 * HOUR - MIN, { deferred: 10 }), // the minute before it: in the week only
      counts(T0 - 167 * HOUR, { suppressed: 3 }), // first hour of the week range
      counts(T0 - 167 * HOUR - 1 * MIN, { suppressed: 100 }), // before the week
      counts(T0 + 59 * MIN, { accepted: 4 }),
      counts(T0 + 30 * MIN, { accepted: 1 }),
    ]);
    const day = await trafficView(s, 'day', now);
    assert.equal(day.bucket, 'hour');
    assert.equal(day.series.length, 24);
    assert.equal(day.from, T0 - 23 * HOUR);
    assert.equal(day.to, T0 + HOUR);
    assert.deepEqual(day.series[0], { at: T0 - 23 * HOUR, accepted: 0, delivered: 0, deferred: 1, bounced: 0, suppressed: 0 });
    assert.deepEqual(day.series[23], { at: T0, accepted: 5, delivered: 0, deferred: 0, bounced: 0, suppressed: 0 });
    assert.deepEqual(day.totals, { accepted: 5, delivered: 0, deferred: 1, bounced: 0, suppressed: 0 });

    const week = await trafficView(s, 'week', now);
    assert.equal(week.series.length, 168);
    assert.equal(week.from, T0 - 167 * HOUR);
    assert.deepEqual(week.series[0], { at: T0 - 167 * HOUR, accepted: 0, delivered: 0, deferred: 0, bounced: 0, suppressed: 3 });
    assert.deepEqual(week.totals, { accepted: 5, delivered: 0, deferred: 11, bounced: 0, suppressed: 3 });
    assert.equal(week.series.filter((b) => b.accepted + b.deferred + b.suppressed === 0).length, 168 - 4, 'every other hour is zeros');
  } finally {
    await s.close();
  }
});

test('the projector counts the outbox exactly once: across batches, a restart, and a second projector on the same file', async () => {
  const path = freshPath();
  const clock: Clock = { now: () => T0 };
  const queue = await openSqliteQueueStore({ path, clock });
  const traffic = openSqliteTrafficStore({ path });
  const projector = () => new TrafficProjector({ events: queue, traffic, clock, logger: silentLogger(), batch: 3 });
  try {
    await queue.append([ev.accepted(T0, ['a@b.test', 'c@b.test']), ev.delivered(T0 + 1), ev.deferred(T0 + 2), ev.held(T0 + 3), ev.bounced(T0 + MIN)]);
    const one = projector();
    await one.catchUp();
    await queue.append([ev.suppressed(T0 + MIN + 1), ev.expired(T0 + 2 * MIN)]);
    // Two projectors on one rollup (two processes on one file): the loser of each race finds the cursor moved.
    const two = projector();
    await Promise.all([one.catchUp(), two.catchUp(), one.catchUp()]);
    await projector().catchUp(); // a restart: starts from the stored cursor
    const v = await trafficView(traffic, 'hour', T0 + 2 * MIN);
    assert.deepEqual(v.totals, { accepted: 2, delivered: 1, deferred: 1, bounced: 2, suppressed: 1 });
    assert.deepEqual(
      v.series.slice(-3).map((b) => [b.at - T0, b.accepted, b.delivered, b.deferred, b.bounced, b.suppressed]),
      [
        [0, 2, 1, 1, 0, 0],
        [MIN, 0, 0, 0, 1, 1],
        [2 * MIN, 0, 0, 0, 1, 0],
      ],
    );
    assert.equal(await traffic.cursor(), await queue.newestEventId());
  } finally {
    await traffic.close();
    await queue.close();
  }
});
