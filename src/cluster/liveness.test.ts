import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fakeClock } from '../../test/helpers/defence-deps.js';
import { newQueueId } from '../core/index.js';
import { takeOverDeadOwners } from '../delivery/take-over.js';
import { silentLogger } from '../log/index.js';
import { openSqliteQueueStore } from '../queue/sqlite/index.js';
import type { ClusterStore, NodeRecord } from './cluster-store.js';
import { judgeOwners } from './liveness.js';
import { NodePresence } from './node-presence.js';
import { openSqliteClusterStore } from './sqlite-cluster-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-liveness-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `l${++n}.db`);

const T = 1_800_000_000_000;
const row = (owner: string, heartbeatAt: number, stoppedAt?: number): NodeRecord => ({
  nodeId: owner, name: owner, host: 'h', pid: 1, owner, roles: ['delivery'], version: '0', startedAt: T - 60_000, heartbeatAt, ...(stoppedAt !== undefined ? { stoppedAt } : {}),
});

test('judgement: silent longer than deadAfter or stopped is dead; beating is alive; self never; no row: dead once its leases ended', () => {
  const nodes = [row('beating', T - 14_000), row('silent', T - 15_001), row('stopped', T - 1_000, T - 1_000), row('me', T - 60_000)];
  const leases = [
    { owner: 'orphan-ended', count: 2, earliestUntil: T - 5, latestUntil: T },
    { owner: 'orphan-running', count: 1, earliestUntil: T - 5, latestUntil: T + 1 },
  ];
  const owners = ['beating', 'silent', 'stopped', 'me', 'orphan-ended', 'orphan-running', 'orphan-no-leases'];
  assert.deepEqual(judgeOwners({ owners, self: 'me', now: T, nodes, leases, deadAfterMs: 15_000 }), ['silent', 'stopped', 'orphan-ended']);
});

test('judgement on the fake clock: a node is taken over only after its heartbeat is deadAfter old, not before', async () => {
  const clock = fakeClock(T);
  const store = openSqliteClusterStore({ path: freshPath(), clock });
  const logger = silentLogger();
  const presence = (id: string) =>
    new NodePresence({ store, node: { nodeId: id, name: id, host: 'h', pid: 1, owner: id, roles: ['delivery'], version: '0' }, heartbeatMs: 2_000, deadAfterMs: 15_000, clock, logger });
  const a = presence('A');
  const b = presence('B');
  try {
    await a.start();
    await b.start();
    await a.beat(); // counts the live delivery nodes
    assert.equal(a.deliveryNodes(), 2);
    for (let i = 0; i < 7; i++) {
      clock.advance(2_000);
      await a.beat(); // B has stopped beating (kill -9)
    }
    assert.deepEqual(await a.deadOwners(['B']), [], '14 s of silence: still alive');
    clock.advance(1_001);
    assert.deepEqual(await a.deadOwners(['B']), ['B'], 'past 15 s: dead');
    await a.beat();
    assert.equal(a.deliveryNodes(), 1, 'connection limits are now shared by one node');
  } finally {
    await a.stop();
    await b.stop();
    await store.close();
  }
});

test('a node whose heartbeat keeps failing stops claiming before deadAfter, and claims again once a beat succeeds', async () => {
  const clock = fakeClock(T);
  const real = openSqliteClusterStore({ path: freshPath(), clock });
  let down = false;
  const store: ClusterStore = { ...real, heartbeat: (id) => (down ? Promise.reject(new Error('connection terminated')) : real.heartbeat(id)) };
  const p = new NodePresence({ store, node: { nodeId: 'A', name: 'A', host: 'h', pid: 1, owner: 'A', roles: ['delivery'], version: '0' }, heartbeatMs: 2_000, deadAfterMs: 15_000, clock, logger: silentLogger() });
  try {
    await p.start();
    down = true;
    for (let i = 0; i < 6; i++) {
      clock.advance(2_000);
      await p.beat();
    }
    assert.equal(p.mayClaim(), true, '12 s without a good beat: still claiming');
    clock.advance(1_000);
    assert.equal(p.mayClaim(), false, '13 s (deadAfter less one beat): the others may soon call it dead');
    down = false;
    await p.beat();
    assert.equal(p.mayClaim(), true);
  } finally {
    await p.stop();
    await real.close();
  }
});

test('after its own heartbeat outage a node judges nobody dead until deadAfter has passed since its first good beat (the others could not beat either)', async () => {
  const clock = fakeClock(T);
  const real = openSqliteClusterStore({ path: freshPath(), clock });
  let down = false;
  // The shared database away: every node's heartbeat fails (B's row simply stops being updated).
  const store: ClusterStore = { ...real, heartbeat: (id) => (down ? Promise.reject(new Error('connection terminated')) : real.heartbeat(id)) };
  const presence = (id: string) =>
    new NodePresence({ store, node: { nodeId: id, name: id, host: 'h', pid: 1, owner: id, roles: ['delivery'], version: '0' }, heartbeatMs: 2_000, deadAfterMs: 15_000, clock, logger: silentLogger() });
  const a = presence('A');
  const b = presence('B');
  try {
    await a.start();
    await b.start();
    down = true;
    for (let i = 0; i < 15; i++) {
      clock.advance(2_000);
      await a.beat();
    }
    assert.deepEqual(await a.deadOwners(['B']), [], 'while its own beats fail, a node judges nobody');
    down = false;
    await a.beat(); // A is back first; B's row is 30 s old, B has not had its next beat yet
    assert.deepEqual(await a.deadOwners(['B']), [], 'just back: B is not judged on a silence A shared');
    clock.advance(14_000);
    await a.beat();
    assert.deepEqual(await a.deadOwners(['B']), [], 'still within deadAfter of A\'s return');
    clock.advance(1_000);
    assert.deepEqual(await a.deadOwners(['B']), ['B'], 'B silent for deadAfter after A came back: dead');
  } finally {
    await a.stop();
    await b.stop();
    await real.close();
  }
});

test('takeover: the leases of a node with a stale heartbeat are released by a live node; a live node\'s are not', async () => {
  const path = freshPath();
  const clock = fakeClock(Date.now());
  const queue = await openSqliteQueueStore({ path });
  const cluster = openSqliteClusterStore({ path, clock });
  const mk = (id: string) =>
    new NodePresence({ store: cluster, node: { nodeId: id, name: id, host: 'elsewhere', pid: 1, owner: `other-host:1:0:${id}`, roles: ['delivery'], version: '0' }, heartbeatMs: 2_000, deadAfterMs: 15_000, clock, logger: silentLogger() });
  const me = mk('me');
  const dead = mk('dead');
  const alive = mk('alive');
  try {
    await Promise.all([me.start(), dead.start(), alive.start()]);
    for (const owner of ['other-host:1:0:dead', 'other-host:1:0:dead', 'other-host:1:0:alive']) {
      const now = Date.now();
      await queue.enqueueClaimed(
        { id: newQueueId(clock), envelope: { mailFrom: null, recipients: [{ address: { local: 'r', domain: 'x.test' } }], params: {} }, origin: { kind: 'local' }, message: Buffer.from('\r\n'), receivedAt: now, expiresAt: now + 86_400_000 },
        { owner, leaseMs: 600_000 },
      );
    }
    const run = () => takeOverDeadOwners({ store: queue, owner: 'other-host:1:0:me', logger: silentLogger(), liveness: me });
    assert.equal(await run(), 0, 'everyone beating');
    clock.advance(16_000);
    await me.beat();
    await alive.beat();
    assert.equal(await run(), 2, 'the silent node\'s two recipients');
    assert.deepEqual((await queue.leaseOwners()).sort(), ['other-host:1:0:alive']);
  } finally {
    await Promise.all([me.stop(), dead.stop(), alive.stop()]);
    await cluster.close();
    await queue.close();
  }
});
