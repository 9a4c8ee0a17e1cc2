import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GreylistStore } from './greylist-store.js';

/**
 * The shared suite every GreylistStore backend passes (DESIGN §9 Store).
 * `open` must return a fresh, empty store each time.
 */
export function greylistStoreContract(name: string, open: () => Promise<GreylistStore>): void {
  const T = 1_800_000_000_000;
  const NET = '192.0.2.0/24';
  const KEY = `${NET} a@sender.test b@rcpt.test`;

  async function withStore(fn: (s: GreylistStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`GreylistStore contract: ${name}`, () => {
    test('an unknown triplet and network read as absent', () =>
      withStore(async (s) => {
        assert.deepEqual(await s.read(KEY, NET), {});
      }));

    test('a written triplet and network read back as written, optional fields included', () =>
      withStore(async (s) => {
        await s.write(KEY, NET, { triplet: { firstSeen: T, lastSeen: T } });
        assert.deepEqual(await s.read(KEY, NET), { triplet: { firstSeen: T, lastSeen: T } });
        await s.write(KEY, NET, { triplet: { firstSeen: T, passedAt: T + 5, lastSeen: T + 5 }, network: { passes: 1, lastSeen: T + 5, allowlistedUntil: T + 99 } });
        assert.deepEqual(await s.read(KEY, NET), {
          triplet: { firstSeen: T, passedAt: T + 5, lastSeen: T + 5 },
          network: { passes: 1, allowlistedUntil: T + 99, lastSeen: T + 5 },
        });
      }));

    test('writing only the network leaves the triplet as it was', () =>
      withStore(async (s) => {
        await s.write(KEY, NET, { triplet: { firstSeen: T, lastSeen: T } });
        await s.write(KEY, NET, { network: { passes: 2, lastSeen: T } });
        assert.deepEqual((await s.read(KEY, NET)).triplet, { firstSeen: T, lastSeen: T });
        assert.equal((await s.read('other', NET)).network?.passes, 2, 'the network is shared by its triplets');
      }));

    test('prune forgets stale waiting triplets, stale passed ones and networks no longer allowlisted, and keeps the rest', () =>
      withStore(async (s) => {
        await s.write('waiting-old', NET, { triplet: { firstSeen: T, lastSeen: T } });
        await s.write('waiting-new', NET, { triplet: { firstSeen: T + 10, lastSeen: T + 10 } });
        await s.write('passed-old', NET, { triplet: { firstSeen: T, passedAt: T, lastSeen: T } });
        await s.write('passed-new', NET, { triplet: { firstSeen: T, passedAt: T, lastSeen: T + 10 } });
        await s.write('x', 'net-old', { network: { passes: 1, lastSeen: T } });
        await s.write('x', 'net-allowlisted', { network: { passes: 5, lastSeen: T, allowlistedUntil: T + 100 } });
        assert.equal(await s.prune({ waitingBefore: T + 5, seenBefore: T + 5, now: T + 50 }), 3);
        assert.equal((await s.read('waiting-old', 'none')).triplet, undefined);
        assert.ok((await s.read('waiting-new', 'none')).triplet);
        assert.equal((await s.read('passed-old', 'none')).triplet, undefined);
        assert.ok((await s.read('passed-new', 'none')).triplet);
        assert.equal((await s.read('x', 'net-old')).network, undefined);
        assert.ok((await s.read('x', 'net-allowlisted')).network, 'an allowlisting still running is kept');
      }));
  });
}
