import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Clock } from '../core/index.js';
import type { UserStore } from './user-store.js';

/**
 * The shared suite every UserStore backend passes (DESIGN §9 Store), taken
 * out of users.test.ts so the SQLite and PostgreSQL backends run the same
 * checks. `open` must return a fresh, empty store each time, on `clock`.
 */
export function userStoreContract(name: string, open: (clock?: Clock) => Promise<UserStore>): void {
  async function withStore(fn: (s: UserStore) => Promise<void>, clock?: Clock): Promise<void> {
    const store = await open(clock);
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`UserStore contract: ${name}`, () => {
    test('users are added, verified, listed and removed; names are unique', () =>
      withStore(
        async (users) => {
          await users.addUser('alice@example.com', 'sesame', ['Example.com', 'b.test', 'example.com']);
          assert.deepEqual(await users.verifyPassword('alice@example.com', 'sesame'), { name: 'alice@example.com', domains: ['example.com', 'b.test'], settings: {} });
          assert.equal(await users.verifyPassword('alice@example.com', 'Sesame'), undefined);
          assert.equal(await users.verifyPassword('bob', 'sesame'), undefined);
          await assert.rejects(users.addUser('alice@example.com', 'x', ['c.test']), { code: 'exists' });
          await users.addUser('bob', 'pw2', ['c.test']);
          assert.deepEqual(await users.listUsers(), [
            { name: 'alice@example.com', domains: ['example.com', 'b.test'], createdAt: 42, settings: {} },
            { name: 'bob', domains: ['c.test'], createdAt: 42, settings: {} },
          ]);
          assert.deepEqual(await users.updateSettings('bob', { stream: 'bulk', limits: { messagesPerDay: 10 } }), { stream: 'bulk', limits: { messagesPerDay: 10 } });
          assert.deepEqual((await users.getUser('bob'))?.settings, { stream: 'bulk', limits: { messagesPerDay: 10 } });
          assert.deepEqual(await users.updateSettings('bob', { stream: null, limits: { messagesPerDay: null } }), {});
          assert.equal(await users.updateSettings('nobody', { stream: 'bulk' }), undefined);
          assert.equal(await users.getUser('nobody'), undefined);
          assert.equal(await users.removeUser('bob'), true);
          assert.equal(await users.removeUser('bob'), false);
          assert.equal(await users.verifyPassword('bob', 'pw2'), undefined);
        },
        { now: () => 42 },
      ));

    test('bad names, empty passwords and bad domains are refused with a reason', () =>
      withStore(async (users) => {
        await assert.rejects(users.addUser('has space', 'pw', ['a.test']), { code: 'invalid' });
        await assert.rejects(users.addUser('', 'pw', ['a.test']), { code: 'invalid' });
        await assert.rejects(users.addUser('API:shop', 'pw', ['a.test']), { code: 'invalid' });
        await assert.rejects(users.addUser('u', '', ['a.test']), /password is empty/);
        await assert.rejects(users.addUser('u', 'pw', []), /at least one domain/);
        await assert.rejects(users.addUser('u', 'pw', ['not a domain', '-x.test']), /Not a domain name: not a domain, -x\.test/);
        assert.deepEqual(await users.listUsers(), []);
      }));

    test('a bad settings value is refused and leaves the settings as they were', () =>
      withStore(async (users) => {
        await users.addUser('carol', 'pw', ['c.test']);
        await users.updateSettings('carol', { limits: { messagesPerHour: 5 } });
        await assert.rejects(users.updateSettings('carol', { stream: 'bulk', limits: { messagesPerHour: 0 } }), { code: 'invalid' });
        assert.deepEqual((await users.getUser('carol'))?.settings, { limits: { messagesPerHour: 5 } });
      }));

    test('two adds of one name at once: exactly one succeeds, the other is told it exists', () =>
      withStore(async (users) => {
        const results = await Promise.allSettled([users.addUser('erin', 'a', ['e.test']), users.addUser('erin', 'b', ['e.test'])]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const failed = results.find((r) => r.status === 'rejected');
        assert.equal((failed as PromiseRejectedResult | undefined)?.reason?.code, 'exists');
      }));

    test('verifying a password does not block the event loop', () =>
      withStore(async (users) => {
        await users.addUser('dave', 'pw', ['d.test']);
        let ticks = 0;
        const iv = setInterval(() => ticks++, 1);
        const results = await Promise.all([1, 2, 3, 4].map(() => users.verifyPassword('dave', 'pw')));
        clearInterval(iv);
        assert.ok(results.every((r) => r?.name === 'dave'));
        assert.ok(ticks >= 1, `timers ran ${ticks} times while scrypt worked`);
      }));
  });
}
