import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { newQueueId, systemClock } from '../core/index.js';
import { takeOverDeadOwners } from '../delivery/take-over.js';
import { silentLogger } from '../log/index.js';
import { openPgDatabase } from '../postgres/index.js';
import { openPgQueueStore } from '../queue/postgres/index.js';
import { NodePresence } from './node-presence.js';
import { openPgClusterStore } from './pg-cluster-store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('postgresql: a node that stops beating has its leased recipients released by a live node after deadAfter, and claimed again', async () => {
  const dbA = await openTestPgDatabase({ poolSize: 4 });
  const dbB = openPgDatabase({ url: TEST_PG_URL, schema: dbA.schema, poolSize: 4 });
  const queueA = await openPgQueueStore({ db: dbA });
  const queueB = await openPgQueueStore({ db: dbB });
  const clusterA = await openPgClusterStore({ db: dbA });
  const clusterB = await openPgClusterStore({ db: dbB });
  const presence = (store: typeof clusterA, id: string) =>
    new NodePresence({ store, node: { nodeId: id, name: id, host: `host-${id}`, pid: 1, owner: `host-${id}:1:0:${id}`, roles: ['delivery'], version: '0' }, heartbeatMs: 100, deadAfterMs: 600, clock: systemClock, logger: silentLogger() });
  const a = presence(clusterA, 'A');
  const b = presence(clusterB, 'B');
  try {
    await a.start();
    await b.start();
    const now = Date.now();
    for (let i = 0; i < 3; i++) {
      await queueA.enqueueClaimed(
        { id: newQueueId(systemClock), envelope: { mailFrom: null, recipients: [{ address: { local: `r${i}`, domain: 'x.test' } }], params: {} }, origin: { kind: 'local' }, message: Buffer.from('Subject: t\r\n\r\nhi\r\n'), receivedAt: now, expiresAt: now + 86_400_000 },
        { owner: 'host-A:1:0:A', leaseMs: 600_000 },
      );
    }
    assert.deepEqual((await clusterB.queueLeases()).map((l) => [l.owner, l.count]), [['host-A:1:0:A', 3]]);
    const takeOver = () => takeOverDeadOwners({ store: queueB, owner: 'host-B:1:0:B', logger: silentLogger(), liveness: b });
    // A is killed (-9): its timer never runs again. B keeps beating.
    await a.stop().catch(() => {}); // (stop marks it stopped: undo that to model a kill)
    await dbA.query('UPDATE cluster_nodes SET stopped_at = NULL WHERE node_id = $1', ['A']);
    const killedAt = Date.now();
    assert.equal(await takeOver(), 0, 'just killed: its heartbeat is fresh, nothing taken over yet');
    let released = 0;
    while (released === 0 && Date.now() - killedAt < 3000) {
      await b.beat();
      released = await takeOver();
      if (released === 0) await sleep(50);
    }
    const tookMs = Date.now() - killedAt;
    assert.equal(released, 3);
    assert.ok(tookMs >= 600 && tookMs < 1500, `taken over ${tookMs} ms after the last heartbeat (deadAfter 600 ms), not at the 600 s lease end`);
    const claimed = await queueB.claimDue({ now: Date.now(), limit: 10, leaseMs: 60_000, owner: 'host-B:1:0:B' });
    assert.equal(claimed.flatMap((c) => c.recipients).length, 3, 'B claims the released recipients at once');
  } finally {
    await b.stop();
    await queueA.close();
    await queueB.close();
    await dbA.close();
    await dbB.close();
  }
});
