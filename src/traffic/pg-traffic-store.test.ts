import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { memoryEventStore } from '../../test/helpers/memory-events.js';
import { makeReply, type Clock } from '../core/index.js';
import type { BatonEvent } from '../events/index.js';
import { silentLogger } from '../log/index.js';
import { openPgDatabase, schemaLevels } from '../postgres/index.js';
import { latestVersion } from '../sqlite/index.js';
import { PG_TRAFFIC_SCHEMA } from './pg-traffic-migrations.js';
import { openPgTrafficStore } from './pg-traffic-store.js';
import { TrafficProjector } from './projector.js';
import { trafficView } from './series.js';
import { trafficStoreContract } from './traffic-store.contract.js';

trafficStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgTrafficStore({ db }), db);
});

const MIN = 60_000;
const T0 = Date.UTC(2027, 0, 15, 8, 0, 0);

test('the traffic concern migrates its own tables to its latest level, and no other concern', async () => {
  const db = await openTestPgDatabase();
  try {
    await openPgTrafficStore({ db });
    assert.deepEqual(await schemaLevels(db), { traffic: latestVersion(PG_TRAFFIC_SCHEMA) });
  } finally {
    await db.close();
  }
});

test('projectors on two nodes (two pools, one database) count every event exactly once', async () => {
  const a = await openTestPgDatabase({ poolSize: 2 });
  const b = openPgDatabase({ url: TEST_PG_URL, schema: a.schema, poolSize: 2 });
  const clock: Clock = { now: () => T0 };
  try {
    const events = memoryEventStore();
    const onA = await openPgTrafficStore({ db: a });
    const onB = await openPgTrafficStore({ db: b });
    const projector = (traffic: typeof onA, batch: number) => new TrafficProjector({ events, traffic, clock, logger: silentLogger(), batch });
    const accepted = (at: number): BatonEvent => ({ type: 'accepted', queueId: 'q', at, sender: 's@a.test', recipients: ['r@b.test', 'x@b.test'], size: 1, origin: { kind: 'smtp' } });
    const delivered = (at: number): BatonEvent => ({ type: 'delivered', queueId: 'q', at, recipient: 'r@b.test', attempt: 1, reply: makeReply(250, '2.0.0', 'Ok') });
    const n = 600;
    for (let i = 0; i < n; i++) events.add(accepted(T0 + (i % 3) * MIN), delivered(T0 + (i % 3) * MIN + 1));
    // Each node races the other batch by batch; the loser of each race finds the cursor moved and goes on from there.
    await Promise.all([projector(onA, 7).catchUp(), projector(onB, 11).catchUp(), projector(onA, 13).catchUp(), projector(onB, 5).catchUp()]);
    const v = await trafficView(onB, 'hour', T0 + 2 * MIN);
    assert.deepEqual(v.totals, { accepted: 2 * n, delivered: n, deferred: 0, bounced: 0, suppressed: 0 });
    assert.equal(await onA.cursor(), await events.newestEventId());
    // Applying the same batch again (a projector that did not see the race) is refused, not counted twice.
    await assert.rejects(onA.apply(0, 5, [{ minute: T0, accepted: 100, delivered: 0, deferred: 0, bounced: 0, suppressed: 0 }]), /cursor is at/);
    assert.equal((await trafficView(onA, 'hour', T0 + 2 * MIN)).totals.accepted, 2 * n);
  } finally {
    await b.close();
    await a.close();
  }
});
