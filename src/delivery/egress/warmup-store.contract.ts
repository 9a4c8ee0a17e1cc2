import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WarmupCounters } from './warmup-store.js';

/**
 * The shared suite every WarmupCounters backend passes (DESIGN §9 Store).
 * `open` returns two handles on one fresh, empty database (two nodes).
 */
export function warmupCountersContract(name: string, open: () => Promise<readonly [WarmupCounters, WarmupCounters]>): void {
  async function withStores(fn: (a: WarmupCounters, b: WarmupCounters) => Promise<void>): Promise<void> {
    const [a, b] = await open();
    try {
      await fn(a, b);
    } finally {
      await b.close();
      await a.close();
    }
  }

  describe(`WarmupCounters contract: ${name}`, () => {
    test('takes are granted in full until the allowance, then in part, then not at all', () =>
      withStores(async (s) => {
        assert.equal(await s.take('2025-01-01', 'out1', 'google', 8, 20), 8);
        assert.equal(await s.take('2025-01-01', 'out1', 'google', 8, 20), 8);
        assert.equal(await s.take('2025-01-01', 'out1', 'google', 8, 20), 4, 'only what is left of 20');
        assert.equal(await s.take('2025-01-01', 'out1', 'google', 1, 20), 0);
        assert.deepEqual(await s.usage('2025-01-01'), [{ source: 'out1', provider: 'google', used: 20 }]);
      }));

    test('each day, source and provider has its own count', () =>
      withStores(async (s) => {
        assert.equal(await s.take('2025-01-01', 'out1', 'google', 5, 5), 5);
        assert.equal(await s.take('2025-01-02', 'out1', 'google', 5, 5), 5, 'a new day');
        assert.equal(await s.take('2025-01-01', 'out2', 'google', 5, 5), 5, 'another source');
        assert.equal(await s.take('2025-01-01', 'out1', 'other', 5, 5), 5, 'another provider');
        assert.deepEqual(await s.usage('2025-01-01'), [
          { source: 'out1', provider: 'google', used: 5 },
          { source: 'out1', provider: 'other', used: 5 },
          { source: 'out2', provider: 'google', used: 5 },
        ]);
      }));

    test('a zero allowance grants nothing and a lowered one grants nothing more', () =>
      withStores(async (s) => {
        assert.equal(await s.take('2025-01-01', 'out1', 'yahoo', 3, 0), 0);
        assert.equal(await s.take('2025-01-01', 'out1', 'yahoo', 10, 10), 10);
        assert.equal(await s.take('2025-01-01', 'out1', 'yahoo', 10, 5), 0, 'config lowered below what was taken');
        assert.deepEqual(await s.usage('2025-01-01'), [{ source: 'out1', provider: 'yahoo', used: 10 }]);
      }));

    test('prune forgets days before the given one and keeps it', () =>
      withStores(async (s) => {
        await s.take('2025-01-01', 'out1', 'google', 1, 9);
        await s.take('2025-01-02', 'out1', 'google', 1, 9);
        assert.equal(await s.prune('2025-01-02'), 1);
        assert.deepEqual(await s.usage('2025-01-01'), []);
        assert.equal((await s.usage('2025-01-02')).length, 1);
      }));

    test('two pools on two nodes racing for one source never take more than its allowance, 20 rounds', () =>
      withStores(async (a, b) => {
        for (let round = 0; round < 20; round++) {
          const day = `2025-02-${String(round + 1).padStart(2, '0')}`;
          const allowance = 20 + round;
          // Two pools share out1; each node takes small batches for each pool at once, far more than allowed.
          const takes = Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).take(day, 'out1', 'google', 1 + (i % 3), allowance));
          const granted = (await Promise.all(takes)).reduce((x, y) => x + y, 0);
          assert.equal(granted, allowance, `round ${round}: granted ${granted} of ${allowance}`);
          assert.deepEqual(await a.usage(day), [{ source: 'out1', provider: 'google', used: allowance }]);
        }
      }));
  });
}
