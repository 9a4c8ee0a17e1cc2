import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IdempotencyStore, NewReservation } from './idempotency-store.js';

/**
 * The shared suite every IdempotencyStore backend passes (DESIGN §9 Store).
 * `open` must return a fresh, empty store each time.
 */
export function idempotencyStoreContract(name: string, open: () => Promise<IdempotencyStore>): void {
  const T = 1_800_000_000_000;
  const DAY = 86_400_000;
  const res = (more: Partial<NewReservation> = {}): NewReservation => ({
    owner: 'shop',
    key: 'k1',
    requestHash: 'h1',
    queueId: 'Q1',
    holder: 'p1',
    createdAt: T,
    expiresAt: T + DAY,
    ...more,
  });
  const answer = { status: 202, body: '{"id":"Q1"}', contentType: 'application/json' };

  async function withStore(fn: (s: IdempotencyStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`IdempotencyStore contract: ${name}`, () => {
    test('the first reservation wins; the second sees it pending, with its queue id and holder', () =>
      withStore(async (s) => {
        assert.deepEqual(await s.reserve(res(), T), { reserved: true });
        const again = await s.reserve(res({ queueId: 'Q2', holder: 'p2', requestHash: 'h2' }), T + 1);
        assert.equal(again.reserved, false);
        if (again.reserved) return;
        assert.deepEqual(
          { state: again.existing.state, queueId: again.existing.queueId, holder: again.existing.holder, hash: again.existing.requestHash, answer: again.existing.answer },
          { state: 'pending', queueId: 'Q1', holder: 'p1', hash: 'h1', answer: undefined },
        );
      }));

    test('keys are per owner: the same key of another API key is another reservation', () =>
      withStore(async (s) => {
        assert.equal((await s.reserve(res(), T)).reserved, true);
        assert.equal((await s.reserve(res({ owner: 'other' }), T)).reserved, true);
      }));

    test('a prepared answer is kept on the pending row; a completed one makes it done', () =>
      withStore(async (s) => {
        await s.reserve(res(), T);
        await s.prepare('shop', 'k1', 'p1', answer);
        const pending = await s.reserve(res(), T);
        assert.ok(!pending.reserved && pending.existing.state === 'pending');
        assert.deepEqual(!pending.reserved && pending.existing.answer, answer);
        await s.complete('shop', 'k1', { ...answer, status: 201 });
        const done = await s.reserve(res(), T);
        assert.ok(!done.reserved && done.existing.state === 'done');
        assert.equal(!done.reserved && done.existing.answer?.status, 201);
      }));

    test('prepare by another holder changes nothing (the reservation was taken over)', () =>
      withStore(async (s) => {
        await s.reserve(res(), T);
        await s.prepare('shop', 'k1', 'p9', answer);
        const r = await s.reserve(res(), T);
        assert.equal(!r.reserved && r.existing.answer, undefined);
      }));

    test('a released reservation frees the key; release by another holder does not', () =>
      withStore(async (s) => {
        await s.reserve(res(), T);
        await s.release('shop', 'k1', 'p2');
        assert.equal((await s.reserve(res(), T)).reserved, false);
        await s.release('shop', 'k1', 'p1');
        assert.equal((await s.reserve(res(), T)).reserved, true);
      }));

    test('a done row is never released', () =>
      withStore(async (s) => {
        await s.reserve(res(), T);
        await s.complete('shop', 'k1', answer);
        await s.release('shop', 'k1', 'p1');
        assert.equal((await s.reserve(res(), T)).reserved, false);
      }));

    test('takeOver moves a pending row from its holder once; the loser gets false', () =>
      withStore(async (s) => {
        await s.reserve(res(), T);
        assert.equal(await s.takeOver('shop', 'k1', 'p1', 'p2'), true);
        assert.equal(await s.takeOver('shop', 'k1', 'p1', 'p3'), false);
        const r = await s.reserve(res(), T);
        assert.equal(!r.reserved && r.existing.holder, 'p2');
      }));

    test('an expired row is replaced by a new reservation, and pruned', () =>
      withStore(async (s) => {
        await s.reserve(res(), T);
        await s.reserve(res({ key: 'k2' }), T);
        assert.equal((await s.reserve(res({ queueId: 'Q9', expiresAt: T + 2 * DAY }), T + DAY)).reserved, true, 'at its expiry the key is free');
        assert.equal(await s.prune(T + DAY), 1, 'k2 expired; k1 was renewed');
        assert.equal(await s.prune(T + DAY), 0);
      }));
  });
}
