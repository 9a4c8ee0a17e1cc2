import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTransport } from 'nodemailer';
import type { Locator, Page } from 'playwright-core';
import { launchChromium, login, openContext, screenshots, startDashboardBaton, type DashboardBaton, type DashboardSession } from '../helpers/browser.js';
import { makeSelfSignedCert } from '../helpers/tls.js';
import { badSignatures, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * Part E of the dashboard in a real chromium against a real Baton: webhooks
 * (added from the page, a real node:http receiver on loopback, deliveries
 * with their bodies, disable/enable, replay), SMTP users (made on the page,
 * then logged in with nodemailer over STARTTLS + AUTH, usage counted) and
 * API keys (made on the page, used with fetch, revoked: 401). One Baton and
 * one browser for the file.
 */

let dash: DashboardBaton;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let receiver: WebhookReceiver;
let s: DashboardSession;

/** Polls up to `tries` times (no fixed sleep): resolves with the first truthy value. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, tries = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const region = (page: Page, name: string): Locator => page.getByRole('region', { name, exact: true });

/** Send one message through the HTTP API (the admin key of the harness) to the local mailbox. */
async function sendThroughApi(subject: string): Promise<string> {
  const r = await dash.apiFetch('/api/v1/messages', { json: { from: 'ops@local.test', to: 'alice@local.test', subject, text: 'from the dashboard test' } });
  assert.equal(r.status, 202, r.text);
  return r.body.id as string;
}

before(async () => {
  receiver = await startWebhookReceiver();
  const cert = await makeSelfSignedCert();
  dash = await startDashboardBaton({
    config: {
      listeners: [{ role: 'mx' }, { role: 'submission' }],
      tls: { cert: cert.cert, key: cert.key },
      localDomains: ['local.test'],
      local: { maildir: 'mail/{domain}/{user}', mailboxes: ['alice@local.test'] },
      webhooks: { retry: { first: '200ms', max: '1s' } },
    },
  });
  chromium = await launchChromium();
  s = await openContext(chromium.browser, dash.url);
  // Remove and revoke ask first (window.confirm): the operator says yes.
  s.page.on('dialog', (d) => void d.accept());
  await login(s.page, dash.admin.name, dash.admin.password);
});
after(async () => {
  await s?.context.close();
  await chromium?.close();
  await dash?.stop();
  await receiver?.stop();
});

describe('dashboard: webhooks, users and API keys', { timeout: 120_000 }, () => {
  let webhookId = '';
  let secret = '';

  test('a webhook added on the page gets the API-sent message; the page shows the delivery with status 200 and the body sent', async () => {
    const { page } = s;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No webhooks yet').waitFor();
    const add = region(page, 'Add a webhook');
    await add.getByLabel('URL').fill(receiver.url);
    // Shown as text, never run: a description is operator input but still only text on the page.
    await add.getByLabel('Description').fill('<img src=x onerror="window.__xss=1">crm');
    await add.getByRole('checkbox', { name: 'delivered' }).check();
    await add.getByRole('button', { name: 'Add webhook' }).click();
    secret = (await add.getByLabel('Signing secret').textContent()) ?? '';
    assert.match(secret, /^whsec_/);
    const link = region(page, 'Endpoints').getByRole('link', { name: receiver.url });
    await link.waitFor();
    await region(page, 'Endpoints').getByText('<img src=x onerror="window.__xss=1">crm').waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);

    const queueId = await sendThroughApi('webhook from the dashboard');
    const posted = await eventually('the delivered event at the receiver', () => receiver.posts.find((p) => p.events.some((e) => e.type === 'delivered' && e.queueId === queueId)));
    assert.equal(posted.status, 200);
    assert.deepEqual(badSignatures(receiver.posts, secret), [], 'every POST is signed with the secret the page showed');

    await region(page, 'Endpoints').getByText('Last success:').filter({ hasNotText: 'none yet' }).waitFor();
    await screenshots(page, 'webhooks', (p) => region(p, 'Endpoints').getByRole('link', { name: receiver.url }).waitFor());

    await link.click();
    webhookId = /\/webhooks\/(wh_[0-9a-f]{16})$/.exec(page.url())?.[1] ?? '';
    assert.ok(webhookId, page.url());
    const deliveries = region(page, 'Recent deliveries');
    const row = deliveries.getByRole('row').filter({ hasText: '200 OK' }).first();
    await row.waitFor();
    await row.getByText(/^Body \(/).click();
    const body = row.getByLabel(/^Body of delivery/);
    await body.waitFor();
    const shown = JSON.parse((await body.textContent()) ?? '{}') as { events: { type: string; queueId: string }[] };
    assert.deepEqual(shown, JSON.parse(posted.body), 'the page shows exactly the body the receiver got');
    await screenshots(page, 'webhook', (p) => region(p, 'Recent deliveries').getByLabel(/^Body of delivery/).first().waitFor());
    assert.deepEqual(s.offOrigin, []);
    assert.deepEqual(s.pageErrors, []);
  });

  test('disabled, the endpoint holds events back (the page shows them pending); enabled, it catches up; replay sends an event again', async () => {
    const { page } = s;
    assert.ok(webhookId, 'the first test made the webhook');
    const facts = region(page, 'Endpoint');
    await page.getByRole('button', { name: /^Disable webhook/ }).click();
    await facts.getByText('disabled', { exact: true }).waitFor();
    const before = receiver.posts.length;
    const held = await sendThroughApi('while disabled');
    // The event exists (the message was delivered to the mailbox) but waits for the endpoint: it shows as pending.
    await eventually('the message delivered', async () => (await dash.apiFetch(`/api/v1/messages/${held}`)).body?.recipients?.[0]?.state === 'delivered');
    await facts.getByText(/event(s)? pending/).waitFor({ timeout: 15_000 });
    assert.equal(receiver.posts.length, before, 'nothing was POSTed to a disabled endpoint');

    await page.getByRole('button', { name: /^Enable webhook/ }).click();
    await facts.getByText('enabled', { exact: true }).waitFor();
    const caughtUp = await eventually('the held event at the receiver', () => receiver.posts.find((p) => p.events.some((e) => e.queueId === held)));
    await facts.getByText('Caught up').waitFor({ timeout: 15_000 });

    const eventId = caughtUp.events.find((e) => e.queueId === held)?.id as number;
    const replay = region(page, 'Replay');
    await replay.getByLabel('Replay from').selectOption('event');
    await replay.getByLabel('Event id', { exact: true }).fill(String(eventId));
    await replay.getByRole('button', { name: 'Replay' }).click();
    await replay.getByText(`Replaying from event ${eventId}`).waitFor();
    await eventually('the replayed event', () => receiver.posts.filter((p) => p.events.some((e) => e.id === eventId)).length >= 2);
    // The log on the page shows the replay's POST too (two deliveries carrying that event).
    await eventually('two deliveries with the event on the page', async () => (await region(page, 'Recent deliveries').getByRole('row').filter({ hasText: `ids ${eventId}` }).count()) >= 2);
    assert.deepEqual(badSignatures(receiver.posts, secret), []);
    assert.deepEqual(s.pageErrors, []);
  });

  test('an SMTP user made on the page logs in with nodemailer (STARTTLS + AUTH) and sends; its usage goes to 1', async () => {
    const { page } = s;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByText('No SMTP users').waitFor();
    const add = region(page, 'Add an SMTP user');

    // Typed twice, and different: refused on the page before anything is sent.
    await add.getByLabel('Login name').fill('carol@app.test');
    await add.getByLabel('Sender domains').fill('app.test');
    await add.getByRole('radio', { name: 'Choose one' }).check();
    await add.getByLabel('Password', { exact: true }).fill('a long passphrase');
    await add.getByLabel('Repeat password').fill('a long passfrase');
    await add.getByRole('button', { name: 'Add user' }).click();
    await add.getByRole('alert').getByText('The two passwords differ').waitFor();
    await add.getByLabel('Repeat password').fill('a long passphrase');
    await add.getByRole('button', { name: 'Add user' }).click();
    await add.getByText('User carol@app.test added').waitFor();

    // A second one with a generated password: the one shown once is the one that works.
    await add.getByLabel('Login name').fill('app@app.test');
    await add.getByLabel('Sender domains').fill('app.test, app2.test');
    await add.getByRole('radio', { name: 'Generate one (shown once)' }).check();
    await add.getByLabel('Messages per hour').fill('50');
    await add.getByRole('button', { name: 'Add user' }).click();
    const password = (await add.getByLabel('Generated password').textContent()) ?? '';
    assert.match(password, /^[A-Za-z0-9_-]{24}$/);

    const users = region(page, 'SMTP users');
    const row = users.getByRole('row').filter({ hasText: 'app@app.test' });
    await row.getByText('50 msg/hour').waitFor();
    await row.getByText('This hour: 0 of 50 messages').waitFor();

    const submission = (auth: { user: string; pass: string }) =>
      createTransport({ host: '127.0.0.1', port: dash.baton.ports.submission as number, secure: false, requireTLS: true, tls: { rejectUnauthorized: false }, auth });
    const carol = submission({ user: 'carol@app.test', pass: 'a long passphrase' });
    assert.equal(await carol.verify(), true, 'the password typed twice logs in');
    carol.close();
    const wrong = submission({ user: 'app@app.test', pass: 'not-the-password' });
    await assert.rejects(wrong.verify(), /535/);
    wrong.close();
    const t = submission({ user: 'app@app.test', pass: password });
    const info = await t.sendMail({ from: 'app@app.test', to: 'alice@local.test', subject: 'from a dashboard user', text: 'hello' });
    t.close();
    assert.match(info.response, /^250 /);
    await row.getByText('This hour: 1 of 50 messages').waitFor({ timeout: 15_000 });
    await row.getByText('Today: 1 message, 1 recipient').waitFor();

    // Change limits, then remove carol (asked first).
    await users.getByRole('button', { name: 'Change limits of app@app.test' }).click();
    const edit = region(page, 'Limits of app@app.test');
    await edit.getByLabel('Messages per day').fill('200');
    await edit.getByRole('button', { name: 'Save limits' }).click();
    await edit.getByText('Saved').waitFor();
    await row.getByText('50 msg/hour, 200 msg/day').waitFor();
    await screenshots(page, 'users', (p) => region(p, 'SMTP users').getByText('This hour: 1 of 50 messages').waitFor());
    await edit.getByRole('button', { name: 'Close' }).click();
    await users.getByRole('button', { name: 'Remove user carol@app.test' }).click();
    await users.getByRole('row').filter({ hasText: 'carol@app.test' }).waitFor({ state: 'detached' });
    const gone = submission({ user: 'carol@app.test', pass: 'a long passphrase' });
    await assert.rejects(gone.verify(), /535/, 'a removed user can no longer log in');
    gone.close();

    // The dashboard's writes need the CSRF token: a script on the page without it is refused.
    const forged = await page.evaluate(async () => (await fetch('/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'evil', domains: ['app.test'] }) })).status);
    assert.equal(forged, 403);
    assert.equal((await dash.apiFetch('/api/v1/users/evil')).status, 404);
    assert.deepEqual(s.pageErrors, []);
  });

  test('an API key made on the page works with fetch until it is revoked on the page (then 401)', async () => {
    const { page } = s;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    const create = region(page, 'Create an API key');
    await create.getByLabel('Name').fill('reports');
    await create.getByRole('checkbox', { name: /^send/ }).uncheck();
    await create.getByRole('checkbox', { name: /^read/ }).check();
    await create.getByLabel('Messages per day').fill('1000');
    await create.getByRole('button', { name: 'Create key' }).click();
    const key = (await create.getByLabel('New API key').textContent()) ?? '';
    assert.match(key, /^baton_[a-z0-9]{8}_[A-Za-z0-9_-]+$/);

    const me = await fetch(`${dash.url}/api/v1/key`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(me.status, 200);
    assert.deepEqual(((await me.json()) as { scopes: string[] }).scopes, ['read']);
    // read only: it may not send.
    const send = await fetch(`${dash.url}/api/v1/messages`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ from: 'a@local.test', to: 'alice@local.test', subject: 'x', text: 'x' }) });
    assert.equal(send.status, 403);

    const keys = region(page, 'Keys');
    const row = keys.getByRole('row').filter({ hasText: 'reports' });
    await row.getByText('1,000 msg/day').waitFor();
    await row.getByText(/^used /).waitFor({ timeout: 15_000 });
    // The harness's own key has sent this file's API messages: its usage counts them (as api:test-admin).
    await keys.getByRole('row').filter({ hasText: 'test-admin' }).getByText(/Today: [1-9]\d* messages?/).waitFor();
    await screenshots(page, 'keys', (p) => region(p, 'Keys').getByRole('row').filter({ hasText: 'reports' }).waitFor());

    await keys.getByRole('button', { name: 'Revoke key reports' }).click();
    await row.getByText('revoked').waitFor();
    const after = await fetch(`${dash.url}/api/v1/key`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(after.status, 401);
    assert.deepEqual(s.offOrigin, []);
    assert.deepEqual(s.pageErrors, []);
  });
});
