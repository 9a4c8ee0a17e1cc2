import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AdminStoreError, type AdminSession, type AdminStore } from './admin-store.js';

/**
 * The shared suite every AdminStore backend passes (DESIGN §9 Store).
 * `open` returns a fresh, empty store; `reopen` the same data through a new
 * connection (sessions must survive a restart).
 */
export function adminStoreContract(name: string, open: () => Promise<{ store: AdminStore; reopen: () => Promise<AdminStore> }>): void {
  const T = 1_800_000_000_000;
  const MIN = 60_000;
  const session = (n: number, admin: string, more: Partial<AdminSession> = {}): AdminSession => ({
    idHash: Buffer.alloc(32, n),
    admin,
    csrfToken: `csrf-${n}`,
    createdAt: T + n,
    lastSeenAt: T + n,
    expiresAt: T + n + 60 * MIN,
    ip: '127.0.0.1',
    userAgent: 'Mozilla/5.0 test',
    ...more,
  });

  async function withStore(fn: (s: AdminStore, reopen: () => Promise<AdminStore>) => Promise<void>): Promise<void> {
    const { store, reopen } = await open();
    try {
      await fn(store, reopen);
    } finally {
      await store.close();
    }
  }

  describe(`AdminStore contract: ${name}`, () => {
    test('an admin reads back with its hash; names are unique; list is by name', () =>
      withStore(async (s) => {
        await s.create('ops', 'scrypt$hash1', T);
        await s.create('alice', 'scrypt$hash2', T + 1);
        assert.deepEqual(await s.get('ops'), { name: 'ops', passwordHash: 'scrypt$hash1', createdAt: T, passwordChangedAt: T });
        await assert.rejects(s.create('ops', 'other', T), (e: unknown) => e instanceof AdminStoreError && e.code === 'exists' && /baton admin passwd ops/.test(e.message));
        assert.deepEqual((await s.list()).map((a) => a.name), ['alice', 'ops']);
        assert.equal(JSON.stringify(await s.list()).includes('scrypt'), false, 'list never carries hashes');
        assert.equal(await s.get('nobody'), undefined);
      }));

    test('sessions: created, read by id hash, slid, deleted; listed newest first', () =>
      withStore(async (s) => {
        await s.create('ops', 'h', T);
        await s.create('alice', 'h', T);
        await s.createSession(session(1, 'ops'));
        await s.createSession(session(2, 'alice'));
        await s.createSession(session(3, 'ops'));
        assert.deepEqual(await s.session(Buffer.alloc(32, 1)), session(1, 'ops'));
        assert.equal(await s.session(Buffer.alloc(32, 9)), undefined);
        await s.touchSession(Buffer.alloc(32, 1), T + 5 * MIN, T + 65 * MIN);
        const slid = await s.session(Buffer.alloc(32, 1));
        assert.equal(slid?.lastSeenAt, T + 5 * MIN);
        assert.equal(slid?.expiresAt, T + 65 * MIN);
        assert.equal(slid?.createdAt, T + 1, 'created stays');
        assert.deepEqual((await s.sessions()).map((x) => x.csrfToken), ['csrf-3', 'csrf-2', 'csrf-1']);
        assert.deepEqual((await s.sessions('ops')).map((x) => x.csrfToken), ['csrf-3', 'csrf-1']);
        assert.equal(await s.deleteSession(Buffer.alloc(32, 1)), true);
        assert.equal(await s.deleteSession(Buffer.alloc(32, 1)), false);
        assert.equal(await s.session(Buffer.alloc(32, 1)), undefined);
      }));

    test('a new password ends every session of that admin, not of others', () =>
      withStore(async (s) => {
        await s.create('ops', 'old', T);
        await s.create('alice', 'h', T);
        await s.createSession(session(1, 'ops'));
        await s.createSession(session(2, 'ops'));
        await s.createSession(session(3, 'alice'));
        assert.equal(await s.setPassword('ops', 'new', T + MIN), true);
        assert.equal((await s.get('ops'))?.passwordHash, 'new');
        assert.equal((await s.get('ops'))?.passwordChangedAt, T + MIN);
        assert.deepEqual((await s.sessions()).map((x) => x.admin), ['alice']);
        assert.equal(await s.setPassword('nobody', 'x', T), false);
        assert.equal(await s.deleteSessionsOf('alice'), 1);
        assert.deepEqual(await s.sessions(), []);
      }));

    test('removing an admin removes its sessions and failures; the name may be made again', () =>
      withStore(async (s) => {
        await s.create('ops', 'h', T);
        await s.createSession(session(1, 'ops'));
        await s.failed('ops', T, 5, 15 * MIN);
        assert.equal(await s.remove('ops'), true);
        assert.equal(await s.remove('ops'), false);
        assert.deepEqual(await s.sessions(), []);
        await s.create('ops', 'h2', T + 1);
        // The failure from before the removal does not count for the new account.
        for (let i = 1; i <= 4; i++) assert.equal(await s.failed('ops', T + i, 5, 15 * MIN), undefined);
      }));

    test('lockout: the max-th failure within the window locks until then + window; older failures do not count', () =>
      withStore(async (s) => {
        await s.create('ops', 'h', T);
        const W = 15 * MIN;
        assert.equal(await s.failed('ops', T, 3, W), undefined);
        assert.equal(await s.failed('ops', T + W / 2, 3, W), undefined);
        // The first failure has aged out of the window: this makes two within it, not three.
        assert.equal(await s.failed('ops', T + W + 1, 3, W), undefined);
        assert.equal((await s.get('ops'))?.lockedUntil, undefined);
        assert.equal(await s.failed('ops', T + W + 2, 3, W), T + W + 2 + W);
        assert.equal((await s.get('ops'))?.lockedUntil, T + 2 * W + 2);
        assert.equal(await s.failed('nobody', T, 1, W), undefined, 'no row, no lock');
      }));

    test('a successful login clears failures and the lock, and records the time; unlock clears both', () =>
      withStore(async (s) => {
        await s.create('ops', 'h', T);
        await s.failed('ops', T, 3, MIN);
        await s.failed('ops', T + 1, 3, MIN);
        await s.loggedIn('ops', T + 2);
        assert.equal((await s.get('ops'))?.lastLoginAt, T + 2);
        assert.equal(await s.failed('ops', T + 3, 3, MIN), undefined, 'counting starts again');
        await s.failed('ops', T + 4, 3, MIN);
        assert.equal(await s.failed('ops', T + 5, 3, MIN), T + 5 + MIN);
        assert.equal(await s.unlock('ops'), true);
        assert.equal((await s.get('ops'))?.lockedUntil, undefined);
        assert.equal(await s.failed('ops', T + 6, 3, MIN), undefined);
        assert.equal(await s.unlock('nobody'), false);
      }));

    test('purge deletes expired sessions and old failures only', () =>
      withStore(async (s) => {
        await s.create('ops', 'h', T);
        await s.createSession(session(1, 'ops', { expiresAt: T + MIN }));
        await s.createSession(session(2, 'ops', { expiresAt: T + 10 * MIN }));
        await s.failed('ops', T, 3, 60 * MIN);
        await s.failed('ops', T + 5 * MIN, 3, 60 * MIN);
        assert.equal(await s.purge(T + MIN, T + MIN), 1);
        assert.deepEqual((await s.sessions()).map((x) => x.csrfToken), ['csrf-2']);
        // One failure left (T + 5 min): two more lock, not one.
        assert.equal(await s.failed('ops', T + 6 * MIN, 3, 60 * MIN), undefined);
        assert.equal(await s.failed('ops', T + 7 * MIN, 3, 60 * MIN), T + 67 * MIN);
      }));

    test('admins and sessions survive a reopen (a restart)', () =>
      withStore(async (s, reopen) => {
        await s.create('ops', 'h', T);
        await s.createSession(session(7, 'ops'));
        await s.close();
        const again = await reopen();
        try {
          assert.equal((await again.get('ops'))?.passwordHash, 'h');
          assert.deepEqual(await again.session(Buffer.alloc(32, 7)), session(7, 'ops'));
        } finally {
          await again.close();
        }
      }));
  });
}
