import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClusterStore, NodeRegistration } from './cluster-store.js';

/**
 * The shared suite every ClusterStore backend passes (DESIGN §9 Store).
 * `open` returns a fresh, empty store. What only a shared database can show
 * (two nodes racing for a lease, sharing a rate window) is in
 * pg-cluster-store.test.ts: on SQLite one node holds every lease.
 */
export function clusterStoreContract(name: string, open: () => Promise<ClusterStore>): void {
  const node = (id: string, over: Partial<NodeRegistration> = {}): NodeRegistration => ({
    nodeId: id,
    name: `node-${id}`,
    host: 'h1',
    pid: 42,
    owner: id,
    roles: ['inbound', 'delivery'],
    version: '0.1.0',
    ...over,
  });

  async function withStore(fn: (s: ClusterStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`ClusterStore contract: ${name}`, () => {
    test('a registered node reads back with its roles, beating now, not stopped', () =>
      withStore(async (s) => {
        await s.register(node('a'));
        const { now, nodes } = await s.nodes();
        assert.equal(nodes.length, 1);
        const [a] = nodes;
        assert.deepEqual({ ...a, startedAt: 0, heartbeatAt: 0 }, { ...node('a'), startedAt: 0, heartbeatAt: 0 });
        assert.ok(a && Math.abs(now - a.heartbeatAt) < 5_000, 'the heartbeat is on the same clock as now');
        assert.equal(a?.stoppedAt, undefined);
      }));

    test('heartbeats move the time forward; an unknown or stopped node gets false', () =>
      withStore(async (s) => {
        await s.register(node('a'));
        const before = (await s.nodes()).nodes[0]?.heartbeatAt ?? 0;
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(await s.heartbeat('a'), true);
        const after = (await s.nodes()).nodes[0]?.heartbeatAt ?? 0;
        assert.ok(after > before, `${after} > ${before}`);
        assert.equal(await s.heartbeat('nobody'), false);
        await s.markStopped('a');
        assert.ok((await s.nodes()).nodes[0]?.stoppedAt !== undefined);
      }));

    test('registering again under the same name replaces a stopped row (a restart), and keeps other nodes', () =>
      withStore(async (s) => {
        await s.register(node('a1', { name: 'mx1' }));
        await s.register(node('b', { name: 'mx2' }));
        await s.markStopped('a1');
        await s.register(node('a2', { name: 'mx1' }));
        assert.deepEqual((await s.nodes()).nodes.map((n) => n.nodeId).sort(), ['a2', 'b']);
        await s.register(node('crashed', { name: 'mx3' }));
        await s.register(node('c2', { name: 'mx3' }));
        assert.ok((await s.nodes()).nodes.some((n) => n.nodeId === 'crashed'), 'a crashed (not stopped) row stays for status and takeover');
      }));

    test('a leader lease is held, renewed, listed with its holder, and given up', () =>
      withStore(async (s) => {
        assert.equal(await s.acquireLeader('finisher', 'a', 10_000), true);
        assert.equal(await s.acquireLeader('finisher', 'a', 10_000), true, 'renewal by the holder');
        const { now, leases } = await s.leaders();
        assert.equal(leases.length, 1);
        assert.equal(leases[0]?.holder, 'a');
        assert.ok((leases[0]?.until ?? 0) > now);
        await s.releaseLeader('finisher', 'a');
        assert.deepEqual((await s.leaders()).leases, []);
      }));

    test('a graceful stop gives up the node\'s leader leases', () =>
      withStore(async (s) => {
        await s.register(node('a'));
        await s.acquireLeader('event-pruner', 'a', 10_000);
        await s.markStopped('a');
        assert.deepEqual((await s.leaders()).leases, []);
      }));

    test('rate tokens: never more than the limit in one window, in batches', () =>
      withStore(async (s) => {
        const grants: number[] = [];
        for (let i = 0; i < 5; i++) grants.push((await s.takeTokens('site:x', 60_000, 7, 3)).granted);
        assert.equal(grants.reduce((a, b) => a + b, 0), 7);
        assert.deepEqual(grants.slice(0, 2), [3, 3]);
        const last = await s.takeTokens('site:x', 60_000, 7, 3);
        assert.equal(last.granted, 0);
        assert.ok(last.windowEndsInMs > 0 && last.windowEndsInMs <= 60_000);
        assert.equal((await s.takeTokens('site:y', 60_000, 7, 3)).granted, 3, 'keys have their own counters');
      }));

    test('no queue leases listed while nothing is leased', () =>
      withStore(async (s) => {
        assert.deepEqual(await s.queueLeases(), []);
      }));
  });
}
