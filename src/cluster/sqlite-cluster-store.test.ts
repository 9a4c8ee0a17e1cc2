import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { newQueueId, systemClock } from '../core/index.js';
import { openSqliteQueueStore } from '../queue/sqlite/index.js';
import { clusterStoreContract } from './cluster-store.contract.js';
import { openSqliteClusterStore } from './sqlite-cluster-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-cluster-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `c${++n}.db`);

clusterStoreContract('sqlite', async () => openSqliteClusterStore({ path: freshPath() }));

test('sqlite: one node holds every leader lease (nobody else writes this file)', async () => {
  const s = openSqliteClusterStore({ path: freshPath() });
  try {
    assert.equal(await s.acquireLeader('finisher', 'a', 10_000), true);
    assert.equal(await s.acquireLeader('finisher', 'b', 10_000), true, 'a restarted process takes over at once');
    assert.equal((await s.leaders()).leases[0]?.holder, 'b');
  } finally {
    await s.close();
  }
});

test('sqlite: queue leases are summed per owner from the queue\'s own table in the same file', async () => {
  const path = freshPath();
  const queue = await openSqliteQueueStore({ path });
  const s = openSqliteClusterStore({ path });
  try {
    const now = Date.now();
    for (const owner of ['A', 'A', 'B']) {
      await queue.enqueueClaimed(
        {
          id: newQueueId(systemClock),
          envelope: { mailFrom: null, recipients: [{ address: { local: 'r', domain: 'x.test' } }], params: {} },
          origin: { kind: 'local' },
          message: Buffer.from('Subject: t\r\n\r\nhi\r\n'),
          receivedAt: now,
          expiresAt: now + 86_400_000,
        },
        { owner, leaseMs: 60_000 },
      );
    }
    const leases = await s.queueLeases();
    assert.deepEqual(leases.map((l) => [l.owner, l.count]), [['A', 2], ['B', 1]]);
    assert.ok((leases[0]?.earliestUntil ?? 0) > now);
  } finally {
    await s.close();
    await queue.close();
  }
});

test('sqlite: while another process holds the write lock, a heartbeat or lease renewal is skipped at once (never blocks the event loop)', async () => {
  const path = freshPath();
  const s = openSqliteClusterStore({ path });
  const other = new Database(path);
  try {
    await s.register({ nodeId: 'a', name: 'a', host: 'h', pid: 1, owner: 'a', roles: ['delivery'], version: '0' });
    other.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    assert.equal(await s.heartbeat('a'), true);
    assert.equal(await s.acquireLeader('finisher', 'a', 10_000), true);
    await s.markStopped('a');
    const ms = performance.now() - started;
    assert.ok(ms < 500, `skipped in ${ms.toFixed(0)} ms, not busy_timeout`);
    other.exec('ROLLBACK');
    assert.equal(await s.heartbeat('a'), true);
  } finally {
    other.close();
    await s.close();
  }
});
