import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fakeClock, type FakeClock } from '../../../test/helpers/defence-deps.js';
import { silentLogger } from '../../log/index.js';
import { ApiProblem } from '../problem.js';
import { AuthFailureLimiter } from '../rate-limits.js';
import { createAdmin } from './admin-accounts.js';
import { AdminSessions } from './admin-sessions.js';
import { changeAdminPassword } from './admin-accounts.js';
import type { AdminStore } from './admin-store.js';
import { openSqliteAdminStore } from './sqlite-admin-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-sessions-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const MIN = 60_000;
const PASSWORD = 'correct horse battery staple';
const HOST = '127.0.0.1:8025';

interface Kit {
  readonly store: AdminStore;
  readonly clock: FakeClock;
  readonly sessions: AdminSessions;
  readonly path: string;
  /** Log in from `ip` (default 127.0.0.1); returns the Cookie header value and the CSRF token. */
  login(name?: string, password?: string, ip?: string, cookie?: string): Promise<{ cookie: string; csrf: string; setCookie: string }>;
  make(store: AdminStore): AdminSessions;
}

async function kit(opts: { ipMax?: number; secure?: boolean } = {}): Promise<Kit> {
  const path = join(dir, `s${++n}.db`);
  const store = openSqliteAdminStore({ path });
  const clock = fakeClock(1_800_000_000_000);
  await createAdmin(store, clock, 'ops', PASSWORD);
  const make = (s: AdminStore) =>
    new AdminSessions({
      store: s,
      clock,
      logger: silentLogger(),
      ttlMs: 10 * MIN,
      lockout: { max: 3, windowMs: 15 * MIN },
      secureCookie: opts.secure ?? true,
      ipFailures: new AuthFailureLimiter(opts.ipMax ?? 100, MIN, clock),
    });
  const sessions = make(store);
  after(() => store.close());
  return {
    store,
    clock,
    sessions,
    path,
    make,
    async login(name = 'ops', password = PASSWORD, ip = '127.0.0.1', cookie) {
      const r = await sessions.login({ name, password, ip, userAgent: 'test/1.0', headers: cookie ? { cookie } : {} });
      return { cookie: r.setCookie.split(';')[0] as string, csrf: r.info.csrfToken, setCookie: r.setCookie };
    },
  };
}

/** Rejects with an ApiProblem of this kind (and returns it). */
async function problem(p: Promise<unknown>, kind: string): Promise<ApiProblem> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiProblem, String(err));
    assert.equal(err.kind, kind, err.message);
    return err;
  }
  assert.fail(`expected a ${kind} problem`);
}

test('a login answers the session and a Set-Cookie; the cookie names an admin caller with every scope', async () => {
  const k = await kit();
  const { cookie, csrf, setCookie } = await k.login();
  assert.match(setCookie, /^__Host-baton_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
  assert.match(csrf, /^[A-Za-z0-9_-]{43}$/);
  const caller = await k.sessions.caller({ cookie: `other=1; ${cookie}` }, 'GET', '127.0.0.1');
  assert.deepEqual(caller, { keyId: caller?.keyId, name: 'admin:ops', scopes: ['send', 'read', 'admin'], domains: [] });
  assert.match(caller?.keyId ?? '', /^session:[0-9a-f]{8}$/);
  // The id is not in the label, nor stored: only its hash.
  const id = cookie.split('=')[1] as string;
  assert.equal(caller?.keyId.includes(id.slice(0, 8)), false);
  const [row] = await k.store.sessions('ops');
  assert.equal(row?.idHash.length, 32);
  assert.equal(JSON.stringify(row).includes(id), false);
  assert.equal(row?.userAgent, 'test/1.0');
  assert.deepEqual(await k.sessions.current({ cookie }), { admin: 'ops', csrfToken: csrf, expiresAt: new Date(k.clock.now() + 10 * MIN).toISOString() });
  assert.equal((await k.store.get('ops'))?.lastLoginAt, k.clock.now());
});

test('no cookie, another cookie name or a malformed value: no session caller (the bearer path answers 401)', async () => {
  const k = await kit();
  const { cookie } = await k.login();
  const id = cookie.split('=')[1] as string;
  assert.equal(await k.sessions.caller({}, 'GET', '127.0.0.1'), undefined);
  assert.equal(await k.sessions.caller({ cookie: `baton_session=${id}` }, 'GET', '127.0.0.1'), undefined, 'the plain name is not read when the cookie is Secure');
  assert.equal(await k.sessions.caller({ cookie: `__Host-baton_session=${id}x` }, 'GET', '127.0.0.1'), undefined);
  // A well-formed id that is no session: 401, with words for a person.
  const p = await problem(k.sessions.caller({ cookie: `__Host-baton_session=${'A'.repeat(43)}` }, 'GET', '127.0.0.1'), 'unauthorized');
  assert.match(p.message, /session has ended.*log in again/);
  await problem(k.sessions.current({}), 'unauthorized');
});

test('wrong passwords and unknown names get the same 401 login-failed; the third failure locks the account (429, Retry-After)', async () => {
  const k = await kit();
  for (const name of ['ops', 'ghost']) {
    await problem(k.login(name, 'wrong password'), 'login-failed');
    await problem(k.login(name, 'Correct Horse Battery Staple'), 'login-failed');
    const locked = await problem(k.login(name, 'wrong again'), 'account-locked');
    assert.equal(locked.status, 429);
    assert.equal(locked.headers['retry-after'], String(15 * 60));
    assert.equal(locked.extensions.retryAfter, 15 * 60);
    assert.match(locked.message, new RegExp(`account ${name} is locked after 3 failed logins.*baton admin unlock ${name}`));
    // Locked: even the right password is refused, and the wait counts down.
    k.clock.advance(5 * MIN);
    const still = await problem(k.login(name, PASSWORD), 'account-locked');
    assert.equal(still.extensions.retryAfter, 10 * 60);
  }
  k.clock.advance(10 * MIN);
  await k.login('ops', PASSWORD);
  await problem(k.login('ghost', PASSWORD), 'login-failed');
});

test('a success resets the count; an unlock lifts a lock at once', async () => {
  const k = await kit();
  await problem(k.login('ops', 'x'), 'login-failed');
  await problem(k.login('ops', 'x'), 'login-failed');
  await k.login();
  await problem(k.login('ops', 'x'), 'login-failed');
  await problem(k.login('ops', 'x'), 'login-failed');
  await problem(k.login('ops', 'x'), 'account-locked');
  await problem(k.login(), 'account-locked');
  await k.store.unlock('ops');
  await k.login();
});

test("the per-IP failure limit is shared and checked first: an address that failed too often is refused before any password check", async () => {
  const k = await kit({ ipMax: 2 });
  await problem(k.login('ops', 'x', '10.0.0.1'), 'login-failed');
  await problem(k.login('someone', 'x', '10.0.0.1'), 'login-failed');
  const p = await problem(k.login('ops', PASSWORD, '10.0.0.1'), 'rate-limited');
  assert.match(p.message, /from 10\.0\.0\.1/);
  await k.login('ops', PASSWORD, '10.0.0.2');
});

test('state-changing requests need the CSRF token; safe ones do not', async () => {
  const k = await kit();
  const { cookie, csrf } = await k.login();
  assert.ok(await k.sessions.caller({ cookie, host: HOST }, 'GET', '127.0.0.1'));
  assert.ok(await k.sessions.caller({ cookie, host: HOST }, 'HEAD', '127.0.0.1'));
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    await problem(k.sessions.caller({ cookie, host: HOST }, method, '127.0.0.1'), 'csrf');
    await problem(k.sessions.caller({ cookie, host: HOST, 'x-csrf-token': 'guess' }, method, '127.0.0.1'), 'csrf');
    assert.ok(await k.sessions.caller({ cookie, host: HOST, 'x-csrf-token': csrf }, method, '127.0.0.1'));
  }
  await problem(k.sessions.caller({ cookie, host: HOST, 'x-csrf-token': csrf, origin: 'http://evil.example' }, 'POST', '127.0.0.1'), 'csrf');
  // Another session's token is not this one's.
  const other = await k.login();
  await problem(k.sessions.caller({ cookie, host: HOST, 'x-csrf-token': other.csrf }, 'POST', '127.0.0.1'), 'csrf');
});

test('sliding expiry: each request moves it (written at most once a minute); idle for the TTL, the session ends', async () => {
  const k = await kit();
  const { cookie } = await k.login();
  const created = k.clock.now();
  k.clock.advance(30_000);
  await k.sessions.current({ cookie });
  assert.equal((await k.store.sessions('ops'))[0]?.expiresAt, created + 10 * MIN, 'not written within the minute');
  for (let i = 0; i < 3; i++) {
    k.clock.advance(9 * MIN);
    const info = await k.sessions.current({ cookie });
    assert.equal(info.expiresAt, new Date(k.clock.now() + 10 * MIN).toISOString());
  }
  assert.equal((await k.store.sessions('ops'))[0]?.expiresAt, k.clock.now() + 10 * MIN);
  k.clock.advance(10 * MIN);
  await problem(k.sessions.current({ cookie }), 'unauthorized');
  await problem(k.sessions.caller({ cookie }, 'GET', '127.0.0.1'), 'unauthorized');
});

test('logout needs the token, ends the session and clears the cookie; with no live session it only clears the cookie', async () => {
  const k = await kit();
  const { cookie, csrf } = await k.login();
  await problem(k.sessions.logout({ cookie, host: HOST }, '127.0.0.1'), 'csrf');
  assert.ok(await k.sessions.caller({ cookie }, 'GET', '127.0.0.1'), 'a refused logout leaves the session');
  const out = await k.sessions.logout({ cookie, host: HOST, 'x-csrf-token': csrf }, '127.0.0.1');
  assert.equal(out.setCookie, '__Host-baton_session=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0');
  await problem(k.sessions.caller({ cookie }, 'GET', '127.0.0.1'), 'unauthorized');
  assert.deepEqual(await k.store.sessions(), []);
  assert.equal((await k.sessions.logout({ cookie }, '127.0.0.1')).setCookie, out.setCookie);
});

test('a login ends the session the browser still carried (a new id every time: no fixation)', async () => {
  const k = await kit();
  const first = await k.login();
  const second = await k.login('ops', PASSWORD, '127.0.0.1', first.cookie);
  assert.notEqual(second.cookie, first.cookie);
  await problem(k.sessions.current({ cookie: first.cookie }), 'unauthorized');
  assert.equal((await k.sessions.current({ cookie: second.cookie })).admin, 'ops');
});

test('a new password or removing the admin ends its sessions; sessions survive a restart', async () => {
  const k = await kit();
  await createAdmin(k.store, k.clock, 'alice', 'another long passphrase');
  const ops = await k.login();
  const alice = await k.login('alice', 'another long passphrase');
  // A restart: a new store connection and service on the same file.
  const store2 = openSqliteAdminStore({ path: k.path });
  after(() => store2.close());
  const restarted = k.make(store2);
  assert.equal((await restarted.current({ cookie: ops.cookie })).csrfToken, ops.csrf);
  assert.equal(await changeAdminPassword(k.store, k.clock, 'ops', 'a brand new passphrase'), true);
  await problem(restarted.current({ cookie: ops.cookie }), 'unauthorized');
  assert.equal((await restarted.current({ cookie: alice.cookie })).admin, 'alice');
  await problem(k.login('ops', PASSWORD), 'login-failed');
  await k.login('ops', 'a brand new passphrase');
  assert.equal(await k.store.remove('alice'), true);
  await problem(restarted.current({ cookie: alice.cookie }), 'unauthorized');
});

test('admin names and passwords are checked at creation', async () => {
  const k = await kit();
  await assert.rejects(createAdmin(k.store, k.clock, 'has space', PASSWORD), /not a valid admin name/);
  await assert.rejects(createAdmin(k.store, k.clock, 'api:x', PASSWORD), /not a valid admin name/);
  await assert.rejects(createAdmin(k.store, k.clock, 'bob', 'short'), /at least 10 characters/);
  await assert.rejects(createAdmin(k.store, k.clock, 'bob', 'x'.repeat(1025)), /too long/);
  await assert.rejects(createAdmin(k.store, k.clock, 'ops', PASSWORD), /already exists/);
});

test('without Secure the cookie has its plain name, and that is the one read', async () => {
  const k = await kit({ secure: false });
  const { cookie, setCookie } = await k.login();
  assert.match(setCookie, /^baton_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
  assert.ok(await k.sessions.caller({ cookie }, 'GET', '127.0.0.1'));
  assert.equal(await k.sessions.caller({ cookie: `__Host-${cookie}` }, 'GET', '127.0.0.1'), undefined);
});
