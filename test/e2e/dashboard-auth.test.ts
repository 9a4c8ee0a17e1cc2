import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { curl } from '../helpers/api.js';
import { launchChromium, login, openContext, screenshots, startDashboardBaton, type DashboardBaton, type DashboardSession } from '../helpers/browser.js';

/**
 * The dashboard's way in, in a real chromium against a real Baton: admins made
 * by `baton admin create` log in through the form; the session cookie's flags
 * as the browser stored them; a wrong password, the lockout and its unlock,
 * logout, CSRF (no token, from inside the page and from curl; another origin
 * of the same site; another site), and sessions across a restart.
 */

const PROBLEMS = 'https://baton.dev/problems/';
const COOKIE = '__Host-baton_session';

let dash: DashboardBaton;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
/** A page of "another site" for the CSRF tests: a form that posts to Baton. */
let evil: Server;
let evilPort: number;

before(async () => {
  dash = await startDashboardBaton({
    api: { dashboard: { lockout: { max: 3, window: '1m' } } },
    // Mail sent from the dashboard goes nowhere real: the smarthost refuses, the message waits in the queue.
    config: { routes: [{ domains: ['*'], smarthost: '127.0.0.1:9', tls: 'none' }] },
  });
  // Admins of their own for the tests that lock one and change one's password; made while chromium starts.
  [chromium] = await Promise.all([launchChromium(), createAdmin('locky', 'locky long password'), createAdmin('restarter', 'restarter long password')]);
  evil = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('target') ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Prize</title><form method="post" action="${target}"><button>Claim your prize</button></form>`);
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilPort = (evil.address() as AddressInfo).port;
});
after(async () => {
  await chromium?.close();
  await new Promise((resolve) => evil?.close(resolve));
  await dash?.stop();
});

/** A fresh browser context, logged in as `name`. */
async function loggedIn(name = dash.admin.name, password = dash.admin.password): Promise<DashboardSession> {
  const s = await openContext(chromium.browser, dash.url);
  await login(s.page, name, password);
  return s;
}

async function sessionCookie(s: DashboardSession): Promise<string> {
  const c = (await s.context.cookies()).find((x) => x.name === COOKIE);
  assert.ok(c, 'the session cookie is set');
  return `${c.name}=${c.value}`;
}

/** fetch() from inside the dashboard's page (same origin, the browser adds the cookie): status and body. */
function pageFetch(page: Page, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> {
  return page.evaluate(async ({ path, init }) => {
    const res = await fetch(path, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }, { path, init });
}

async function createAdmin(name: string, password: string): Promise<void> {
  const r = await dash.baton.cli(['admin', 'create', name], { input: `${password}\n` });
  assert.equal(r.code, 0, r.stderr);
}

test('an admin logs in through the form; chromium keeps the Secure, HttpOnly, SameSite=Strict __Host- cookie from http://127.0.0.1', async () => {
  const s = await openContext(chromium.browser, dash.url);
  await s.page.goto('/');
  await screenshots(s.page, 'login', (p) => p.getByRole('button', { name: 'Log in' }).waitFor());
  await login(s.page, dash.admin.name, dash.admin.password);
  const cookies = await s.context.cookies();
  assert.equal(cookies.length, 1, JSON.stringify(cookies));
  const c = cookies[0]!;
  assert.equal(c.name, COOKIE);
  assert.match(c.value, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(c.httpOnly, true);
  assert.equal(c.sameSite, 'Strict');
  assert.equal(c.secure, true);
  assert.equal(c.path, '/');
  assert.equal(c.domain, '127.0.0.1');
  assert.equal(c.expires, -1, 'a session cookie: the server ends the session, the browser forgets it when it closes');
  // Page scripts cannot read it (HttpOnly), yet the API knows the admin, with every scope.
  assert.equal(await s.page.evaluate(() => document.cookie), '');
  const me = await pageFetch(s.page, '/api/v1/key');
  assert.equal(me.status, 200);
  assert.deepEqual(me.body, { id: me.body.id, name: 'admin:ops', scopes: ['send', 'read', 'admin'], domains: [] });
  assert.match(me.body.id, /^session:[0-9a-f]{8}$/);
  await s.page.getByText('ops', { exact: true }).waitFor();
  assert.deepEqual(s.offOrigin, []);
  assert.deepEqual(s.pageErrors, []);
  await s.context.close();
});

test('a wrong password is refused with a visible message, and no cookie is set', async () => {
  const s = await openContext(chromium.browser, dash.url);
  await s.page.goto('/');
  await s.page.getByLabel('Name').fill(dash.admin.name);
  await s.page.getByLabel('Password').fill('not the password');
  await s.page.getByRole('button', { name: 'Log in' }).click();
  const alert = s.page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Wrong name or password/);
  await screenshots(s.page, 'login-error', (p) => p.getByRole('alert').waitFor());
  assert.deepEqual(await s.context.cookies(), []);
  assert.equal(await s.page.getByRole('navigation', { name: 'Main' }).count(), 0, 'still on the login form');
  assert.deepEqual(s.offOrigin, []);
  assert.deepEqual(s.pageErrors, []);
  await s.context.close();
});

test('three failed logins lock the account: the form says until when, the right password is refused too; baton admin unlock lifts it', async () => {
  const s = await openContext(chromium.browser, dash.url, 'phone');
  await s.page.goto('/');
  const submit = async (password: string) => {
    await s.page.getByLabel('Name').fill('locky');
    await s.page.getByLabel('Password').fill(password);
    await s.page.getByRole('button', { name: 'Log in' }).click();
    // The button is disabled while the request runs: wait for the answer, shown in the alert.
    await s.page.getByRole('button', { name: 'Log in' }).waitFor();
    return s.page.getByRole('alert').innerText();
  };
  assert.match(await submit('wrong 1'), /Wrong name or password/);
  assert.match(await submit('wrong 2'), /Wrong name or password/);
  const third = await submit('wrong 3');
  assert.match(third, /locked after 3 failed logins/);
  assert.match(third, /baton admin unlock locky/);
  assert.match(await s.page.getByRole('status').innerText(), /You can try again at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  assert.match(await submit('locky long password'), /The account locky is locked/);
  assert.deepEqual(await s.context.cookies(), []);
  const unlock = await dash.baton.cli(['admin', 'unlock', 'locky']);
  assert.equal(unlock.code, 0, unlock.stderr);
  await s.page.getByLabel('Password').fill('locky long password');
  await s.page.getByRole('button', { name: 'Log in' }).click();
  // At phone width the menu is folded away: the Log out button says we are in.
  await s.page.getByRole('button', { name: 'Log out' }).waitFor();
  assert.deepEqual(s.pageErrors, []);
  await s.context.close();
});

test('a state-changing request with the cookie but without the CSRF token is refused 403, from the page and from curl; the token lets it through', async () => {
  const s = await loggedIn();
  const add = { entries: [{ address: 'csrf-test@example.net' }] };
  const bare = await pageFetch(s.page, '/api/v1/suppressions', { method: 'POST', body: add });
  assert.equal(bare.status, 403);
  assert.equal(bare.body.type, `${PROBLEMS}csrf`);
  assert.match(bare.body.detail, /X-CSRF-Token/);
  const wrong = await pageFetch(s.page, '/api/v1/suppressions', { method: 'POST', body: add, headers: { 'x-csrf-token': 'x'.repeat(43) } });
  assert.equal(wrong.status, 403);
  assert.equal((await pageFetch(s.page, '/api/v1/suppressions/csrf-test@example.net')).status, 404, 'nothing was added');
  const token = (await pageFetch(s.page, '/api/v1/session')).body.csrfToken as string;
  const ok = await pageFetch(s.page, '/api/v1/suppressions', { method: 'POST', body: add, headers: { 'x-csrf-token': token } });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal((await pageFetch(s.page, '/api/v1/suppressions/csrf-test@example.net')).body.entries[0].source, 'api:admin:ops');

  // The same cookie from curl: refused without the token, and with it from a foreign Origin.
  const cookie = await sessionCookie(s);
  const path = '/api/v1/suppressions/csrf-test@example.net';
  const noToken = await dash.curl(path, { method: 'DELETE', key: null, headers: { cookie } });
  assert.equal(noToken.status, 403, noToken.text);
  assert.equal(noToken.body.type, `${PROBLEMS}csrf`);
  const foreign = await dash.curl(path, { method: 'DELETE', key: null, headers: { cookie, 'x-csrf-token': token, origin: 'http://evil.example' } });
  assert.equal(foreign.status, 403, foreign.text);
  assert.match(foreign.body.detail, /Origin \(http:\/\/evil\.example\) is not this server/);
  const good = await dash.curl(path, { method: 'DELETE', key: null, headers: { cookie, 'x-csrf-token': token } });
  assert.equal(good.status, 200, good.text);
  // A bearer key needs no token: no cookie, no CSRF.
  const keyed = await dash.curl('/api/v1/suppressions', { json: add });
  assert.equal(keyed.status, 201, keyed.text);
  assert.deepEqual(s.pageErrors, []);
  await s.context.close();
});

test('a form on another origin of the same site (127.0.0.1, another port) posting to the API with the cookie is refused; from another site the cookie is not even sent', async () => {
  const s = await loggedIn();
  // The page of "another site" is not Baton: let this context reach it.
  await s.context.unroute('**/*');
  const target = `${dash.url}/api/v1/messages/nosuchmessage/hold`;
  for (const [host, status, kind] of [['127.0.0.1', 403, 'csrf'], ['localhost', 401, 'unauthorized']] as const) {
    await s.page.goto(`http://${host}:${evilPort}/?target=${encodeURIComponent(target)}`);
    const [res] = await Promise.all([s.page.waitForResponse((r) => r.url() === target), s.page.getByRole('button', { name: 'Claim your prize' }).click()]);
    const body = (await res.json()) as Record<string, any>;
    assert.equal(res.status(), status, `${host}: ${JSON.stringify(body)}`);
    assert.equal(body.type, PROBLEMS + kind, host);
    // Without the check this would reach the handler: a 404 for the unknown message.
  }
  await s.context.close();
});

test('the dashboard sends mail as admin:NAME through the public API', async () => {
  const s = await loggedIn();
  const token = (await pageFetch(s.page, '/api/v1/session')).body.csrfToken as string;
  const sent = await pageFetch(s.page, '/api/v1/messages', { method: 'POST', headers: { 'x-csrf-token': token }, body: { from: 'ops@example.org', to: 'someone@example.net', subject: 'from the dashboard', text: 'hi' } });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const m = await pageFetch(s.page, `/api/v1/messages/${sent.body.id}`);
  assert.equal(m.status, 200);
  assert.equal(m.body.origin.apiKey, 'admin:ops');
  await s.context.close();
});

test('logout ends the session: the form is back and the old cookie no longer works', async () => {
  const s = await loggedIn();
  const cookie = await sessionCookie(s);
  assert.equal((await dash.curl('/api/v1/key', { key: null, headers: { cookie } })).status, 200);
  await s.page.getByRole('button', { name: 'Log out' }).click();
  await s.page.getByRole('button', { name: 'Log in' }).waitFor();
  assert.deepEqual(await s.context.cookies(), [], 'the browser dropped the cookie (Max-Age=0)');
  const after = await dash.curl('/api/v1/key', { key: null, headers: { cookie } });
  assert.equal(after.status, 401);
  assert.match(after.body.detail, /session has ended/);
  assert.deepEqual(s.pageErrors, []);
  await s.context.close();
});

test('a session survives a Baton restart; baton admin passwd ends it', async () => {
  const s = await loggedIn('restarter', 'restarter long password');
  const cookie = await sessionCookie(s);
  await dash.baton.restart();
  await s.page.reload();
  await s.page.getByRole('button', { name: 'Log out' }).waitFor();
  assert.equal((await pageFetch(s.page, '/api/v1/key')).body.name, 'admin:restarter');
  const passwd = await dash.baton.cli(['admin', 'passwd', 'restarter'], { input: 'a brand new passphrase\n' });
  assert.equal(passwd.code, 0, passwd.stderr);
  await s.page.reload();
  await s.page.getByRole('button', { name: 'Log in' }).waitFor();
  assert.equal((await curl(['-H', `Cookie: ${cookie}`, `${dash.url}/api/v1/key`])).status, 401);
  await s.context.close();
});
