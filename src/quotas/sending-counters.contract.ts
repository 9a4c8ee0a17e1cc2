import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SendingCounters } from './sending-counters.js';
import { BASELINE_WEIGHT, DAY_MS, HOUR_MS } from './windows.js';

/**
 * The shared suite every SendingCounters backend passes (DESIGN §9 Store).
 * `open` returns a fresh, empty store each time; `reopen` opens the same data
 * again (after close), to show what a flush keeps.
 */
export function sendingCountersContract(name: string, open: () => Promise<{ store: SendingCounters; reopen: () => Promise<SendingCounters> }>): void {
  // 2027-01-15 13:00:00 UTC: a whole hour, mid-day.
  const T = Date.UTC(2027, 0, 15, 13);

  describe(`SendingCounters contract: ${name}`, () => {
    test('a user never counted has zeros in windows aligned to the UTC hour and day', async () => {
      const { store } = await open();
      try {
        const c = store.get('alice', T + 25 * 60_000);
        assert.deepEqual(c, { hourStart: T, hourMessages: 0, hourRecipients: 0, dayStart: Date.UTC(2027, 0, 15), dayMessages: 0, dayRecipients: 0, dayBounces: 0, dayComplaints: 0, baseline: 0 });
      } finally {
        await store.close();
      }
    });

    test('adds count per user in the hour and the day; bounces and complaints per day', async () => {
      const { store } = await open();
      try {
        store.add('alice', { messages: 1, recipients: 3 }, T + 1000);
        store.add('alice', { messages: 1, recipients: 2 }, T + 2000);
        store.add('bob', { messages: 1, recipients: 1 }, T + 3000);
        const after = store.add('alice', { bounces: 2, complaints: 1 }, T + 4000);
        assert.equal(after.hourMessages, 2);
        assert.equal(after.hourRecipients, 5);
        assert.equal(after.dayRecipients, 5);
        assert.equal(after.dayBounces, 2);
        assert.equal(after.dayComplaints, 1);
        assert.equal(store.get('bob', T + 5000).dayMessages, 1);
        assert.equal(store.get('carol', T + 5000).dayMessages, 0);
      } finally {
        await store.close();
      }
    });

    test('the next hour starts at zero and the day keeps counting; the next day starts at zero', async () => {
      const { store } = await open();
      try {
        store.add('alice', { messages: 10, recipients: 10 }, T + HOUR_MS - 1);
        const next = store.get('alice', T + HOUR_MS);
        assert.equal(next.hourStart, T + HOUR_MS);
        assert.equal(next.hourMessages, 0);
        assert.equal(next.dayMessages, 10);
        const tomorrow = store.get('alice', Date.UTC(2027, 0, 16));
        assert.equal(tomorrow.dayMessages, 0);
        assert.equal(tomorrow.dayStart, Date.UTC(2027, 0, 16));
      } finally {
        await store.close();
      }
    });

    test('an ended hour goes into the baseline, and each idle hour after it decays it', async () => {
      const { store } = await open();
      try {
        store.add('alice', { messages: 240, recipients: 240 }, T);
        assert.equal(store.get('alice', T + HOUR_MS).baseline, 240 * BASELINE_WEIGHT);
        const later = store.get('alice', T + 3 * HOUR_MS).baseline;
        assert.ok(Math.abs(later - 240 * BASELINE_WEIGHT * (1 - BASELINE_WEIGHT) ** 2) < 1e-9, String(later));
        // Reading did not change what is stored: adding later still folds from the original hour.
        const added = store.add('alice', { messages: 1 }, T + 3 * HOUR_MS);
        assert.ok(Math.abs(added.baseline - later) < 1e-9);
        assert.equal(added.hourMessages, 1);
      } finally {
        await store.close();
      }
    });

    test('flushed counts are there when the store is opened again', async () => {
      const { store, reopen } = await open();
      store.add('alice', { messages: 3, recipients: 7 }, T + 10);
      await store.flush();
      store.add('alice', { bounces: 1 }, T + 20);
      await store.close();
      const again = await reopen();
      try {
        const c = again.get('alice', T + 30);
        assert.equal(c.hourMessages, 3);
        assert.equal(c.dayRecipients, 7);
        assert.equal(c.dayBounces, 1, 'close flushes');
        assert.equal(again.get('alice', T + DAY_MS).dayMessages, 0);
      } finally {
        await again.close();
      }
    });
  });
}
