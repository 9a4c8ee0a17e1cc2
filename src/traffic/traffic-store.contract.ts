import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TrafficCursorMoved, type MinuteCounts, type TrafficStore } from './traffic-store.js';

/**
 * The shared suite every TrafficStore backend passes (DESIGN §9 Store).
 * `open` must return a fresh, empty store each time.
 */
export function trafficStoreContract(name: string, open: () => Promise<TrafficStore>): void {
  const MIN = 60_000;
  const HOUR = 3_600_000;
  const T0 = Date.UTC(2027, 0, 15, 8, 0, 0);
  const counts = (minute: number, c: Partial<MinuteCounts>): MinuteCounts => ({ minute, accepted: 0, delivered: 0, deferred: 0, bounced: 0, suppressed: 0, ...c });

  async function withStore(fn: (s: TrafficStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`TrafficStore contract: ${name}`, () => {
    test('a new store is empty with its cursor at 0', () =>
      withStore(async (s) => {
        assert.equal(await s.cursor(), 0);
        assert.deepEqual(await s.buckets(0, T0 + HOUR, MIN), []);
      }));

    test('batches add to their minutes; per minute and per hour sums over [from, to)', () =>
      withStore(async (s) => {
        await s.apply(0, 10, [counts(T0, { accepted: 2 }), counts(T0 + 59 * MIN, { delivered: 1 })]);
        await s.apply(10, 12, [counts(T0, { accepted: 1, bounced: 1 }), counts(T0 + HOUR, { deferred: 4, suppressed: 2 })]);
        assert.equal(await s.cursor(), 12);
        assert.deepEqual(await s.buckets(T0, T0 + 2 * HOUR, MIN), [
          { at: T0, accepted: 3, delivered: 0, deferred: 0, bounced: 1, suppressed: 0 },
          { at: T0 + 59 * MIN, accepted: 0, delivered: 1, deferred: 0, bounced: 0, suppressed: 0 },
          { at: T0 + HOUR, accepted: 0, delivered: 0, deferred: 4, bounced: 0, suppressed: 2 },
        ]);
        assert.deepEqual(await s.buckets(T0, T0 + 2 * HOUR, HOUR), [
          { at: T0, accepted: 3, delivered: 1, deferred: 0, bounced: 1, suppressed: 0 },
          { at: T0 + HOUR, accepted: 0, delivered: 0, deferred: 4, bounced: 0, suppressed: 2 },
        ]);
        assert.deepEqual(await s.buckets(T0 + MIN, T0 + HOUR, HOUR), [{ at: T0, accepted: 0, delivered: 1, deferred: 0, bounced: 0, suppressed: 0 }], 'from inclusive, to exclusive');
      }));

    test('a cursor elsewhere than `from` refuses the whole batch: TrafficCursorMoved with where it is', () =>
      withStore(async (s) => {
        await s.apply(0, 5, [counts(T0, { accepted: 1 })]);
        await assert.rejects(s.apply(3, 9, [counts(T0, { accepted: 100 }), counts(T0 + MIN, { delivered: 7 })]), (e) => e instanceof TrafficCursorMoved && e.expected === 3 && e.found === 5);
        assert.equal(await s.cursor(), 5);
        assert.deepEqual(await s.buckets(0, T0 + HOUR, HOUR), [{ at: T0, accepted: 1, delivered: 0, deferred: 0, bounced: 0, suppressed: 0 }]);
      }));

    test('an empty batch still moves the cursor (events that count in no series)', () =>
      withStore(async (s) => {
        await s.apply(0, 40, []);
        assert.equal(await s.cursor(), 40);
      }));

    test('prune drops the minutes before a time and says how many', () =>
      withStore(async (s) => {
        await s.apply(0, 1, [counts(T0, { accepted: 1 }), counts(T0 + 59 * MIN, { accepted: 1 }), counts(T0 + HOUR, { accepted: 1 })]);
        assert.equal(await s.prune(T0 + HOUR), 2);
        assert.equal(await s.prune(T0 + HOUR), 0);
        assert.deepEqual((await s.buckets(0, T0 + 2 * HOUR, HOUR)).map((b) => b.at), [T0 + HOUR]);
      }));
  });
}
