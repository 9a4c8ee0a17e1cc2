import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor } from '../helpers/deliver-kit.js';
import { startCluster } from '../helpers/cluster.js';
import { spreadLoad } from '../helpers/cluster-load.js';

/**
 * A shaping rate holds for the cluster as a whole (issue 13): two nodes, one
 * rule `shaping.domains: [{domains: [sink.test], rate: 120/min}]`. Both nodes
 * have a backlog to the domain at once; counted from the sink's timestamps,
 * the cluster starts at most 2 transactions a second, not 2 per node.
 *
 * Pass/fail is on fixed counts: M deliveries cannot span less than
 * (M - allowance) / rate seconds, and no 10-second window holds more than
 * 20 + allowance. The allowance covers each node's initial burst and the
 * tokens a node prefetches from the shared budget; two nodes each applying the
 * rate on its own would deliver M in M / 4 seconds and 40 in 10 s, which both
 * checks fail.
 */

const M = 60;
const RATE_PER_S = 2; // 120/min
/** Tokens beyond the steady rate: two nodes' bursts and prefetched batches. */
const ALLOWANCE = 12;

describe('cluster-wide shaping', { timeout: 150_000 }, () => {
  test(`a rate of 120/min to one domain holds for two nodes together (${M} messages)`, async () => {
    const c = await startCluster({
      nodes: 2,
      config: { shaping: { domains: [{ domains: ['sink.test'], rate: '120/min' }] } },
    });
    try {
      const load = await spreadLoad({ targets: c.nodes, count: M, concurrency: 10 });
      assert.equal(load.accepted.length, M, JSON.stringify(load.codes));
      const perNode = c.nodes.map((n) => load.accepted.filter((s) => s.node === n.name).length);
      assert.ok(perNode.every((k) => k >= M / 4), `the load reached both nodes: ${perNode.join('/')}`);
      const seqs = new Set(load.accepted.map((s) => s.seq));
      const deliveries = await waitFor(
        `all ${M} at the sink`,
        async () => {
          const d = (await c.deliveries()).filter((x) => seqs.has(x.seq));
          return new Set(d.map((x) => x.seq)).size === M ? d : undefined;
        },
        100_000,
        250,
      );
      const times = deliveries.map((d) => d.at).sort((a, b) => a - b);
      const spreadS = ((times.at(-1) as number) - (times[0] as number)) / 1000;
      let peak10 = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while ((times[i] as number) - (times[j] as number) >= 10_000) j++;
        peak10 = Math.max(peak10, i - j + 1);
      }
      const minSpread = (M - ALLOWANCE) / RATE_PER_S;
      console.log(`# cluster-shaping: ${M} deliveries over ${spreadS.toFixed(1)} s (at least ${minSpread} s), at most ${peak10} in any 10 s (limit ${10 * RATE_PER_S + ALLOWANCE}); per node accepted ${perNode.join('/')}`);
      assert.ok(spreadS >= minSpread, `${M} deliveries in ${spreadS.toFixed(1)} s: faster than 120/min for the cluster`);
      assert.ok(peak10 <= 10 * RATE_PER_S + ALLOWANCE, `${peak10} deliveries within 10 s: more than 120/min allows`);
    } finally {
      await c.stop();
    }
  });
});
