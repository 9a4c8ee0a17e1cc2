import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium, login, openContext, screenshots, startDashboardBaton, type DashboardBaton } from '../helpers/browser.js';

/**
 * The dashboard's way in, in a real chromium against a real Baton: an admin
 * made by `baton admin create` logs in through the form; the session cookie's
 * flags as the browser stored them; wrong passwords, the lockout, logout,
 * CSRF (without the token, from another origin), and a restart.
 */

let dash: DashboardBaton;
let chromium: Awaited<ReturnType<typeof launchChromium>>;

before(async () => {
  dash = await startDashboardBaton({ api: { dashboard: { lockout: { max: 3, window: '1m' } } } });
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
  await dash?.stop();
});

test('an admin logs in through the form; chromium keeps the Secure, HttpOnly, SameSite=Strict cookie from http://127.0.0.1', async () => {
  const s = await openContext(chromium.browser, dash.url);
  await s.page.goto('/');
  await screenshots(s.page, 'login', (p) => p.getByRole('button', { name: 'Log in' }).waitFor());
  await login(s.page, dash.admin.name, dash.admin.password);
  const cookies = await s.context.cookies();
  assert.equal(cookies.length, 1, JSON.stringify(cookies));
  const c = cookies[0]!;
  assert.equal(c.name, '__Host-baton_session');
  assert.match(c.value, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(c.httpOnly, true);
  assert.equal(c.sameSite, 'Strict');
  assert.equal(c.secure, true);
  assert.equal(c.path, '/');
  assert.equal(c.expires, -1, 'a session cookie: the server ends the session, the browser forgets it when it closes');
  // Page scripts cannot read it (HttpOnly), yet the API knows the admin.
  assert.equal(await s.page.evaluate(() => document.cookie), '');
  const me = await s.page.evaluate(async () => (await fetch('/api/v1/key')).json());
  assert.deepEqual(me, { id: me.id, name: 'admin:ops', scopes: ['send', 'read', 'admin'], domains: [] });
  assert.deepEqual(s.offOrigin, []);
  assert.deepEqual(s.pageErrors, []);
  await s.context.close();
});
