import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';
import { launchChromium, openContext } from '../helpers/browser.js';

// The built dashboard is served by the API listener: the shell and its hashed
// assets to a browser, problem+json to API clients, nothing from elsewhere.

let api: ApiBaton;
let chromium: Awaited<ReturnType<typeof launchChromium>>;

before(async () => {
  api = await startApiBaton();
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
  await api?.stop();
});

test('a browser gets the dashboard with its CSP, and shows the login form without any off-origin request', async () => {
  const s = await openContext(chromium.browser, api.url);
  const res = await s.page.goto('/messages/some-id');
  assert.equal(res?.status(), 200);
  const headers = res?.headers() ?? {};
  assert.match(headers['content-security-policy'] ?? '', /script-src 'self'/);
  assert.equal(headers['x-frame-options'], 'DENY');
  await s.page.getByRole('button', { name: 'Log in' }).waitFor();
  assert.deepEqual(s.offOrigin, []);
  await s.context.close();
});

test('API clients keep problem+json: an unknown /api path and a non-browser GET are 404 problems', async () => {
  for (const path of ['/api/v1/nothing-here', '/nothing-here']) {
    const r = await api.apiFetch(path, { headers: { accept: 'application/json' } });
    assert.equal(r.status, 404, path);
    assert.match(r.headers['content-type'] ?? '', /application\/problem\+json/);
  }
  const browserish = await api.apiFetch('/api/v1/nothing-here', { headers: { accept: 'text/html' } });
  assert.equal(browserish.status, 404);
});

test('hashed assets are served immutable; a missing asset is a 404', async () => {
  const html = await (await fetch(`${api.url}/`)).text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(script, 'index.html names its bundle');
  const asset = await fetch(`${api.url}${script}`);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
  assert.equal((await fetch(`${api.url}/assets/no-such-file.js`)).status, 404);
});
