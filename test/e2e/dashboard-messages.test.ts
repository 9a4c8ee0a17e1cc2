import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { launchChromium, login, openContext, screenshots, startDashboardBaton, type DashboardBaton, type DashboardSession } from '../helpers/browser.js';
import { queuedId } from '../helpers/baton.js';
import { pySend } from '../helpers/clients.js';
import { startDnsmasq, type DnsmasqHandle } from '../helpers/dnsmasq.js';
import { freePorts } from '../helpers/free-port.js';
import { startSmtpSink, type SmtpSinkHandle } from '../helpers/smtp-sink.js';

/**
 * The messages and queue pages in a real chromium against a real Baton: mail
 * sent through the API shows in the search and turns delivered once Postfix's
 * smtp-sink took it; a message held and released from its page, its raw bytes
 * viewed, a subject full of markup shown as text; a bulk action by filter with
 * its progress. `down.test` is routed to a loopback port nobody listens on,
 * so its mail is deferred (1 h retry) and stays queued to be acted on.
 * Inbound mail from 127.0.0.2 (not a trusted network) is checked against the
 * SPF and DMARC records dnsmasq serves for sender.test.
 */

let dash: DashboardBaton;
let sink: SmtpSinkHandle;
let dns: DnsmasqHandle;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let s: DashboardSession;
/** Generous for a loaded 2-core machine; every wait is for an element or a state, never a fixed sleep. */
const WAIT = 20_000;

before(async () => {
  sink = await startSmtpSink();
  dns = await startDnsmasq({ txt: { 'sender.test': [['v=spf1 ip4:127.0.0.2 -all']], '_dmarc.sender.test': [['v=DMARC1; p=reject']] } });
  const [closed] = (await freePorts(1)) as [number];
  dash = await startDashboardBaton({
    config: {
      listeners: [{ role: 'mx' }],
      // down.test is a relay domain: mx takes its mail from anyone, and checks SPF/DKIM/DMARC on it.
      relayDomains: ['down.test'],
      relay: { trustedNetworks: ['127.0.0.1/32'] },
      dns: { servers: [dns.server], timeout: '2s' },
      routes: [
        { domains: ['sink.test'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' },
        { domains: ['down.test'], smarthost: `127.0.0.1:${closed}`, tls: 'none' },
      ],
      queue: { retry: { first: '1h', max: '2h' } },
    },
  });
  chromium = await launchChromium();
  s = await openContext(chromium.browser, dash.url);
  await login(s.page, dash.admin.name, dash.admin.password);
});
after(async () => {
  await chromium?.close();
  await dash?.stop();
  await sink?.stop();
  await dns?.stop();
});

/** POST /api/v1/messages with the admin key (a script's way in, beside the dashboard's). */
async function send(to: string, subject: string, text = 'Hello from the dashboard test.', from = 'ops@brand.test'): Promise<string> {
  const r = await dash.apiFetch('/api/v1/messages', { json: { from, to, subject, text } });
  assert.equal(r.status, 202, r.text);
  return r.body.id as string;
}

/** The API's view of a message (to check what the page did, from outside it). */
async function message(id: string): Promise<any> {
  return (await dash.apiFetch(`/api/v1/messages/${id}`)).body;
}

function assertClean(): void {
  assert.deepEqual(s.offOrigin, [], 'no request left Baton');
  assert.deepEqual(s.pageErrors, [], 'no page errors');
}

const row = (within: Page | Locator, text: string) => within.getByRole('row').filter({ hasText: text });

test('a message sent through the API appears in the search and turns delivered when the sink takes it; filters live in the URL', async () => {
  const { page } = s;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages' }).click();
  await page.getByRole('heading', { name: 'Messages', level: 1 }).waitFor();
  const id = await send('bob@sink.test', 'Quarterly report');
  // The page polls the search: the row appears, then its state turns delivered, with no reload.
  await row(page, 'Quarterly report').waitFor({ timeout: WAIT });
  await sink.waitForMessages(1, WAIT);
  await row(page, 'Quarterly report').getByText('delivered', { exact: true }).waitFor({ timeout: WAIT });
  assert.equal((await message(id)).recipients[0].state, 'delivered');

  // A search by recipient: the URL carries it (a link to share), the back button undoes it.
  await send('carol@down.test', 'Not for bob');
  await row(page, 'Not for bob').waitFor({ timeout: WAIT });
  await page.getByLabel('Recipient', { exact: true }).fill('BOB@sink.test');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/\/messages\?recipient=BOB%40sink\.test$/);
  await row(page, 'Not for bob').waitFor({ state: 'detached', timeout: WAIT });
  assert.equal(await row(page, 'Quarterly report').count(), 1);
  await page.getByLabel('State').selectOption('bounced');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('No messages match these filters.').waitFor({ timeout: WAIT });
  await page.goBack();
  await row(page, 'Quarterly report').waitFor({ timeout: WAIT });
  assert.equal(await page.getByLabel('State').inputValue(), '', 'the form shows the search it is on');
  assert.equal(await page.getByLabel('Recipient', { exact: true }).inputValue(), 'BOB@sink.test');
  await page.goBack();
  await row(page, 'Not for bob').waitFor({ timeout: WAIT });
  await screenshots(page, 'messages', (p) => row(p, 'Quarterly report').first().waitFor());
  assertClean();
});

test('a message page: hold and release, view raw with the body, and a subject full of markup shown as text', async () => {
  const { page } = s;
  const subject = '<img src=x onerror="window.__xss=1"><b>Invoice</b>';
  const id = await send('dave@down.test', subject, 'Raw body line 42: the bytes as queued.');
  await page.goto(`/messages/${id}`);
  // The subject is the heading, as text: no element made from it, no script run.
  await page.getByRole('heading', { name: subject, level: 1 }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.locator('main b').count(), 0);
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
  // The first attempt is refused (nobody listens): deferred, with the error in the timeline.
  await page.getByRole('cell', { name: 'deferred' }).waitFor({ timeout: WAIT });

  await page.getByRole('button', { name: 'Hold' }).click();
  await page.getByText('Held: Baton will not attempt this message until it is released.').waitFor({ timeout: WAIT });
  assert.equal((await message(id)).held, true);
  await page.getByRole('list').filter({ hasText: 'Held' }).getByText('Held', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Release' }).click();
  await page.getByRole('button', { name: 'Hold' }).waitFor({ timeout: WAIT });
  const after = await message(id);
  assert.equal(after.held, false);
  assert.deepEqual(
    after.timeline.map((e: any) => e.type),
    ['accepted', 'deferred', 'held', 'released'],
  );
  await page.getByText('Released', { exact: true }).waitFor({ timeout: WAIT });

  // Headers from the queued message; a message sent through the API had no inbound checks.
  await page.getByRole('definition').filter({ hasText: subject }).first().waitFor({ timeout: WAIT });
  await page.getByText('Baton did not check SPF, DKIM or DMARC for this message').waitFor();

  await page.getByRole('button', { name: 'View raw' }).click();
  const raw = page.getByLabel('Message source');
  await raw.getByText('Raw body line 42: the bytes as queued.').waitFor({ timeout: WAIT });
  assert.match(await raw.innerText(), /^Received: /);
  assert.equal(await page.getByRole('link', { name: 'Download .eml' }).getAttribute('href'), `/api/v1/messages/${id}/raw`);

  // The page's actions are CSRF-protected: the same POST without the token is refused.
  const forged = await page.evaluate(async (path) => (await fetch(path, { method: 'POST' })).status, `/api/v1/messages/${id}/hold`);
  assert.equal(forged, 403);
  assert.equal((await message(id)).held, false);
  assertClean();
});

test('the queue explorer: a site and its domain drilled into, then hold and delete by filter with the progress shown', async () => {
  const { page } = s;
  const bulk: string[] = [];
  for (let i = 0; i < 3; i++) bulk.push(await send(`b${i}@down.test`, `Newsletter ${i}`, 'News.', `news@bulk.test`));
  const keep = await send('erin@down.test', 'Keep me');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queue' }).click();
  await page.getByRole('heading', { name: 'Queue', level: 1 }).waitFor();
  const site = page.getByRole('button', { name: /^smarthost:127\.0\.0\.1:\d+:none:$/ });
  // down.test and sink.test share no route here: the down.test site is the one with mail waiting.
  await site.first().waitFor({ timeout: WAIT });
  await site.first().click();
  await page.waitForURL(/\/queue\?site=/);
  await page.getByRole('button', { name: 'down.test' }).click();
  await page.waitForURL(/domain=down\.test/);
  const waiting = page.getByRole('region', { name: 'Waiting for down.test' });
  for (const subject of ['Newsletter 0', 'Newsletter 2', 'Keep me']) await row(waiting, subject).waitFor({ timeout: WAIT });
  // The bulk form starts from the domain drilled into.
  assert.equal(await page.getByLabel('Recipient domain').inputValue(), 'down.test');

  await page.getByLabel('Action', { exact: true }).selectOption('hold');
  await page.getByLabel('Sender domain').fill('bulk.test');
  await page.getByRole('button', { name: 'Apply to matching messages' }).click();
  await page.getByRole('status').filter({ hasText: 'Held messages: 3 of 3 (100%)' }).waitFor({ timeout: WAIT });
  await page.getByText('Held 3 messages.').waitFor();
  for (const id of bulk) assert.equal((await message(id)).held, true, id);
  assert.equal((await message(keep)).held, false, 'outside the filter');
  await row(waiting, 'Newsletter 1').getByText('held', { exact: true }).waitFor({ timeout: WAIT });
  await screenshots(page, 'queue', (p) => p.getByText('Held 3 messages.').waitFor());

  // Delete asks first; dismissed, nothing happens; accepted, the three go.
  await page.getByLabel('Action', { exact: true }).selectOption('delete');
  page.once('dialog', (d) => void d.dismiss());
  await page.getByRole('button', { name: 'Apply to matching messages' }).click();
  assert.equal((await message(bulk[0] as string)).inQueue, true);
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.accept();
  });
  await page.getByRole('button', { name: 'Apply to matching messages' }).click();
  await page.getByText('Deleted 3 messages.').waitFor({ timeout: WAIT });
  assert.match(asked, /recipient domain down\.test, sender domain bulk\.test\? No bounce is sent/);
  for (const id of bulk) assert.equal((await message(id)).inQueue, false, id);
  assert.equal((await message(keep)).inQueue, true);
  await row(waiting, 'Newsletter 1').waitFor({ state: 'detached', timeout: WAIT });
  assertClean();
});

test('inbound mail: its Subject read from the header, and the SPF, DKIM and DMARC results Baton found at intake on its page', async () => {
  const { page } = s;
  const data = 'From: alice@sender.test\r\nTo: grace@down.test\r\nSubject: Inbound from sender.test\r\nMessage-ID: <inbound-1@sender.test>\r\n\r\nHello.\r\n';
  const r = await pySend({ port: dash.baton.ports.mx as number, source: '127.0.0.2', ehlo: 'client.sender.test', mail_from: 'alice@sender.test', rcpts: [{ to: 'grace@down.test' }], data });
  assert.equal(r.data?.[0], 250, JSON.stringify(r));
  const id = queuedId(r.data?.[1] ?? '');
  assert.ok(id, JSON.stringify(r));
  await page.goto(`/messages/${id}`);
  await page.getByRole('heading', { name: 'Inbound from sender.test', level: 1 }).waitFor({ timeout: WAIT });
  const auth = page.getByRole('region', { name: 'Authentication' });
  const check = (method: string) => auth.getByRole('row').filter({ has: page.getByRole('cell', { name: method, exact: true }) });
  // SPF is checked for the MAIL FROM identity and the HELO one (RFC 7208 §2.3, §2.4): a row each.
  const spf = check('SPF').filter({ hasText: 'smtp.mailfrom' });
  await spf.getByText('pass', { exact: true }).waitFor({ timeout: WAIT });
  await spf.getByText('alice@sender.test', { exact: true }).waitFor();
  assert.match(await spf.innerText(), /designates 127\.0\.0\.2 as permitted sender/);
  await check('SPF').filter({ hasText: 'smtp.helo' }).getByText('none', { exact: true }).waitFor();
  await check('DKIM').getByText('none', { exact: true }).waitFor();
  await check('DMARC').getByText('pass', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'View raw' }).click();
  await page.getByLabel('Message source').getByText('Authentication-Results: baton.test;', { exact: false }).waitFor({ timeout: WAIT });
  await screenshots(page, 'message', (p) => p.getByLabel('Message source').waitFor());
  assertClean();
});
