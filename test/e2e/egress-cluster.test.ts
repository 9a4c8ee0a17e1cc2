import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { queueList } from '../helpers/baton.js';
import { startCluster } from '../helpers/cluster.js';
import { spreadLoad } from '../helpers/cluster-load.js';
import { waitFor } from '../helpers/deliver-kit.js';

/**
 * A warm-up allowance holds for a cluster (issue 14): two real baton nodes on
 * one PostgreSQL schema, one egress source on 127.0.0.21 with an allowance of
 * 15 for today, relaying through a smarthost route to a Postfix smtp-sink (the
 * provider is "other"). 40 messages are spread over both nodes: each node
 * reserves batches of the shared count, so exactly 15 reach the sink and the
 * other 25 are deferred with the warm-up reason, whichever node holds them.
 * The ramp is 15 on day 1 and 0 after, so crossing UTC midnight changes nothing.
 */
const M = 40;
const ALLOWANCE = 15;
const TODAY = new Date().toISOString().slice(0, 10);

describe('egress warm-up across a cluster', { timeout: 150_000 }, () => {
  test(`two nodes share one source's allowance of ${ALLOWANCE}: ${M} messages, exactly ${ALLOWANCE} sent`, async () => {
    const c = await startCluster({
      nodes: 2,
      config: {
        egress: {
          sources: [{ name: 'out1', address: '127.0.0.21', ehlo: 'out1.cluster.test', warmup: { start: TODAY, schedule: { other: [ALLOWANCE, ...Array<number>(30).fill(0)] } } }],
          pools: [{ name: 'main', sources: ['out1'] }],
          select: { default: 'main' },
        },
      },
    });
    try {
      const load = await spreadLoad({ targets: c.nodes, count: M, concurrency: 8 });
      assert.equal(load.accepted.length, M, JSON.stringify(load.codes));
      const perNode = c.nodes.map((n) => load.accepted.filter((s) => s.node === n.name).length);
      assert.ok(perNode.every((k) => k > ALLOWANCE / 2), `the load reached both nodes: ${perNode.join('/')}`);
      const seqs = new Set(load.accepted.map((s) => s.seq));
      const node1 = c.nodes[0];
      assert.ok(node1);
      const deferred = await waitFor(
        `${ALLOWANCE} at the sink and ${M - ALLOWANCE} deferred for the warm-up allowance`,
        async () => {
          const delivered = (await c.deliveries()).filter((d) => seqs.has(d.seq)).length;
          const q = await queueList(node1);
          const spent = q.filter((e) => /warm-up allowance/.test(String(e.recipients[0]?.raw.lastError ?? '')));
          return delivered === ALLOWANCE && spent.length === M - ALLOWANCE ? spent : undefined;
        },
        90_000,
        250,
      );
      // Every message not sent waits for tomorrow, so nothing more can arrive: the count is final.
      assert.equal(deferred.length, M - ALLOWANCE);
      assert.equal((await c.deliveries()).filter((d) => seqs.has(d.seq)).length, ALLOWANCE);
      const out = await node1.cli(['egress', 'status', '--json']);
      assert.equal(out.code, 0, out.stderr);
      const status = JSON.parse(out.stdout) as { day: string; sources: { providers: { provider: string; reserved: number; state: string }[] }[] };
      const other = status.sources[0]?.providers.find((p) => p.provider === 'other');
      if (status.day === TODAY) assert.deepEqual({ reserved: other?.reserved, state: other?.state }, { reserved: ALLOWANCE, state: 'spent' });
    } finally {
      await c.stop();
    }
  });
});
