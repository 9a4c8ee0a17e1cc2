import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { sendMail } from '../helpers/api-mail.js';
import { launchChromium, login, openContext, screenshots, startDashboardBaton, type DashboardBaton, type DashboardSession } from '../helpers/browser.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { startSmtpSink, type SmtpSinkHandle } from '../helpers/smtp-sink.js';

/**
 * The overview page in a real chromium against a real Baton: mail sent
 * through the API and over SMTP to three Postfix smtp-sinks (one takes
 * everything, one refuses every RCPT for good, one for now), a suppressed
 * recipient, a held message, a webhook receiving events and one disabled.
 * The page's totals, queue figures, sites and webhook health show what
 * happened; the same figures come to a script with a bearer key.
 */
describe('dashboard: overview', { timeout: 120_000 }, () => {
  let dash: DashboardBaton;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let good: SmtpSinkHandle;
  let hard: SmtpSinkHandle;
  let soft: SmtpSinkHandle;
  let receiver: Server;
  let receiverUrl: string;
  const posts: string[] = [];
  let s: DashboardSession;
  let heldId: string;

  before(async () => {
    [good, hard, soft] = await Promise.all([startSmtpSink(), startSmtpSink({ args: ['-f', 'RCPT'] }), startSmtpSink({ args: ['-r', 'RCPT'] })]);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        posts.push(body);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    [dash, chromium] = await Promise.all([
      startDashboardBaton({
        config: {
          listeners: [{ role: 'mx' }],
          routes: [
            { domains: ['good.test'], smarthost: `127.0.0.1:${good.port}`, tls: 'none' },
            { domains: ['hard.test'], smarthost: `127.0.0.1:${hard.port}`, tls: 'none' },
            { domains: ['soft.test'], smarthost: `127.0.0.1:${soft.port}`, tls: 'none' },
            // The sender's domain: the failure notice for hard.test comes back here.
            { domains: ['brand.test'], smarthost: `127.0.0.1:${good.port}`, tls: 'none' },
          ],
          // One attempt per recipient within the test: the deferred count stays 1.
          queue: { retry: { first: '1h', max: '2h' } },
        },
      }),
      launchChromium(),
    ]);
  });
  after(async () => {
    try {
      await chromium?.close();
      await dash?.stop();
    } finally {
      await Promise.all([good?.stop(), hard?.stop(), soft?.stop(), new Promise((r) => receiver?.close(r))]);
    }
  });

  /** The traffic legend's number for one series ("Delivered 4" → 4). */
  const legendCount = async (page: Page, label: string): Promise<number> => {
    const text = await page.getByRole('list', { name: /^Totals, / }).getByRole('listitem').filter({ hasText: label }).textContent();
    return Number((text ?? '').replace(/\D/g, ''));
  };

  test('an empty relay: zero totals, an empty queue and no webhooks, worded for an operator', async () => {
    s = await openContext(chromium.browser, dash.url);
    await login(s.page, dash.admin.name, dash.admin.password);
    const page = s.page;
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.getByText('Last hour: 0 accepted, 0 delivered, 0 deferred, 0 bounced, 0 suppressed (recipients, per minute).').waitFor();
    await page.getByText('Nothing pending: every site is caught up.').waitFor();
    await page.getByText('No webhook endpoints.').waitFor();
    await page.getByText('Oldest message: none queued').waitFor();
  });

  test('mail sent through the API and over SMTP shows in the totals per series, the queue panel and the webhook health', async () => {
    const api = dash;
    // A webhook that takes every event, and one switched off.
    const hook = await api.apiFetch('/api/v1/webhooks', { json: { url: receiverUrl, description: 'CRM' } });
    assert.equal(hook.status, 201, hook.text);
    // Its description is markup an attacker might plant: the page must show it as text.
    const off = await api.apiFetch('/api/v1/webhooks', { json: { url: 'http://127.0.0.1:9/never', description: '<img src=x onerror="window.__pwned=1">' } });
    assert.equal((await api.apiFetch(`/api/v1/webhooks/${off.body.id}`, { method: 'PATCH', json: { enabled: false } })).status, 200);
    assert.equal((await api.apiFetch('/api/v1/suppressions', { json: { address: 'gone@good.test' } })).status, 201);

    const send = async (to: string | string[], subject: string) => {
      const r = await api.apiFetch('/api/v1/messages', { json: { from: 'shop@brand.test', to, subject, text: 'Hello.' } });
      assert.equal(r.status, 202, r.text);
      return r.body.id as string;
    };
    await send(['ann@good.test', 'bob@good.test'], 'two recipients');
    await send('cat@good.test', 'one');
    await send('nobody@hard.test', 'bounces');
    heldId = await send('later@soft.test', 'deferred');
    // Over SMTP from a trusted client: intake drops the suppressed recipient and queues the other.
    await sendMail(api.baton.ports.mx as number, 'shop@brand.test', ['gone@good.test', 'dan@good.test'], 'one suppressed');
    // ann and bob (one message), cat, dan, and the failure notice (RFC 3464) for nobody@hard.test sent back to shop@brand.test.
    await good.waitForMessages(4, 20_000);

    const page = s.page;
    // The page polls: wait (bounded) until the totals reach the final figures. Accepted and delivered
    // count the failure notice's recipient too: it is mail Baton queued and delivered.
    const expected = { Accepted: 7, Delivered: 5, Deferred: 1, Bounced: 1, Suppressed: 1 };
    await waitFor('the overview totals', async () => {
      for (const [label, n] of Object.entries(expected)) if ((await legendCount(page, label)) !== n) return undefined;
      return true;
    }, 30_000);
    // The text alternative says the same.
    assert.match((await page.locator('figure.traffic figcaption p').textContent()) ?? '', /^Last hour: 7 accepted, 5 delivered, 1 deferred, 1 bounced, 1 suppressed \(recipients, per minute\)\.$/);
    // The chart drew one line per series.
    assert.equal(await page.locator('figure.traffic .recharts-line').count(), 5);

    // Hold the deferred message through the API; the queue panel shows it.
    assert.equal((await api.apiFetch(`/api/v1/messages/${heldId}/hold`, { method: 'POST' })).status, 200);
    const queue = page.getByRole('region', { name: 'Queue', exact: true });
    await waitFor('the held message in the queue panel', async () => ((await queue.locator('.stat', { hasText: 'Held' }).locator('.value').textContent()) === '1' ? true : undefined), 20_000);
    const sites = page.getByRole('table', { name: 'Delivery sites with the most pending recipients' });
    await sites.getByRole('row').nth(1).waitFor();
    const siteRows = await sites.getByRole('row').allTextContents();
    assert.ok(siteRows.some((r) => /soft\.test|127\.0\.0\.1/.test(r) && /4\d\d/.test(r)), `the soft-rejecting site with its last error: ${siteRows.join(' | ')}`);

    // Webhook health: one enabled and delivering, one disabled.
    const hooks = page.getByRole('region', { name: 'Webhooks', exact: true });
    await waitFor('the webhook delivered', async () => ((await hooks.getByRole('row', { name: /CRM/ }).textContent())?.includes('ok (200)') ? true : undefined), 30_000);
    assert.equal(await hooks.locator('.stat', { hasText: 'Disabled' }).locator('.value').textContent(), '1');
    const offRow = (await hooks.getByRole('row', { name: /never/ }).textContent()) ?? '';
    assert.match(offRow, /disabled/);
    assert.ok(offRow.includes('<img src=x onerror="window.__pwned=1">'), `the description as text: ${offRow}`);
    assert.equal(await hooks.locator('img').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.ok(posts.length > 0, 'the receiver got the events');

    await screenshots(page, 'overview', async (p) => {
      await p.locator('figure.traffic .recharts-line').first().waitFor();
    });
    assert.deepEqual(s.offOrigin, []);
    assert.deepEqual(s.pageErrors, []);
  });

  test('the range switch: per hour over the last day and week, kept in the URL, usable by keyboard', async () => {
    const page = s.page;
    // click, not check(): the radio follows the URL, so it turns checked only after the
    // navigation re-renders the page, and check() fails when its state lags the click.
    await page.getByRole('radio', { name: 'Last day' }).click();
    await page.waitForURL(/\?range=day$/);
    await waitFor('the Last day radio checked', async () => ((await page.getByRole('radio', { name: 'Last day' }).isChecked()) ? true : undefined), 10_000);
    await page.getByRole('list', { name: 'Totals, last day' }).waitFor();
    assert.match((await page.locator('figure.traffic figcaption p').textContent()) ?? '', /^Last day: 7 accepted, 5 delivered, 1 deferred, 1 bounced, 1 suppressed \(recipients, per hour\)\.$/);
    // Arrow keys move between the radios, as in any radio group.
    await page.getByRole('radio', { name: 'Last day' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/\?range=week$/);
    await page.getByRole('list', { name: 'Totals, last week' }).waitFor();
    // The table alternative lists the busy hour with the same figures.
    await page.getByText('The numbers per hour').click();
    const table = page.getByRole('table', { name: /^Recipients per hour, last week/ });
    const rows = await table.getByRole('row').allTextContents();
    assert.equal(rows.length, 2, `a header and one busy hour: ${rows.join(' | ')}`);
    // A reload keeps the range.
    await page.reload();
    await page.getByRole('list', { name: 'Totals, last week' }).waitFor();
    assert.deepEqual(s.pageErrors, []);
  });

  test('a script reads the same figures with a bearer key: read scope for traffic, admin for webhook health', async () => {
    const reader = await dash.createKey('overview-reader', { scopes: ['read'] });
    const t = await dash.curl('/api/v1/stats/traffic?range=week', { key: reader });
    assert.equal(t.status, 200, t.text);
    assert.deepEqual(t.body.totals, { accepted: 7, delivered: 5, deferred: 1, bounced: 1, suppressed: 1 });
    assert.equal(t.body.series.length, 168);
    assert.equal((await dash.curl('/api/v1/stats/traffic?range=month', { key: reader })).status, 422);
    assert.equal((await dash.curl('/api/v1/stats/traffic', { key: null })).status, 401, 'no key, no cookie: no figures');
    assert.equal((await dash.curl('/api/v1/stats/webhooks', { key: reader })).status, 403, 'endpoint URLs are for admins');
    const w = await dash.curl('/api/v1/stats/webhooks');
    assert.equal(w.status, 200);
    assert.deepEqual([w.body.total, w.body.enabled, w.body.disabled], [2, 1, 1]);
  });
});
