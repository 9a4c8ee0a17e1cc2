import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, login, openContext, screenshots, startDashboardBaton, type DashboardBaton, type DashboardSession } from '../helpers/browser.js';
import { startDnsmasq, type DnsZone, type DnsmasqHandle } from '../helpers/dnsmasq.js';

/**
 * The Suppressions and Domains pages in a real chromium against a real Baton
 * whose resolver asks a dnsmasq on loopback: suppressions added, removed,
 * imported from a CSV in parts with progress, searched and exported; a DKIM
 * key made from the page, its record compared with `baton dkim status`, shown
 * missing and then published once dnsmasq serves it, the key switched to by
 * Baton's checker and rotated from the page.
 */

const ZONE: DnsZone = {
  // SPF published, DMARC not: the page must show one of each.
  txt: { 'brand.test': [['v=spf1 ip4:192.0.2.1 ~all']] },
  mx: { 'local.test': [{ host: 'baton.test', preference: 10 }] },
};

let dash: DashboardBaton;
let dns: DnsmasqHandle;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let s: DashboardSession;
let page: Page;

before(async () => {
  dns = await startDnsmasq(ZONE);
  dash = await startDashboardBaton({
    config: {
      hostname: 'baton.test',
      listeners: [{ role: 'mx' }],
      localDomains: ['local.test'],
      dns: { servers: [dns.server], timeout: '2s' },
      // The checker switches to a published key within a second, so the test sees the switch without waiting minutes.
      dkim: { secret: 'dashboard-domains-secret-0123456789', checkInterval: '500ms' },
    },
  });
  chromium = await launchChromium();
  s = await openContext(chromium.browser, dash.url);
  await s.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dash.url });
  page = s.page;
  // The confirm() of Remove and Rotate: the operator says yes.
  page.on('dialog', (d) => void d.accept());
  await login(page, dash.admin.name, dash.admin.password);
});
after(async () => {
  await s?.context.close();
  await chromium?.close();
  await dash?.stop();
  await dns?.stop();
});

/** The table row that shows `text` (desktop width: rows are table rows). */
const row = (text: string) => page.getByRole('row').filter({ hasText: text });
/** A row of the records table (a key's note may name its record too). */
const recordRow = (text: string) => page.getByRole('region', { name: 'DNS records to publish' }).getByRole('row').filter({ hasText: text });
/** A row of the DKIM keys table (a selector also appears in its record's name in the records table). */
const keyRow = (selector: string) => page.getByRole('region', { name: 'DKIM keys' }).getByRole('row').filter({ hasText: selector });

describe('Suppressions page', () => {
  test('an address added through the form is listed with its reason and scope, as the API has it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Suppressions' }).click();
    await page.getByRole('heading', { name: 'Suppressions', level: 1 }).waitFor();
    await page.getByText('No suppressed addresses').waitFor();
    const add = page.getByRole('region', { name: 'Add an address' });
    await add.getByLabel('Address').fill('Bob@Example.net');
    await add.getByLabel('Reason').selectOption('complaint');
    await add.getByLabel('Only for mail from').fill('news.brand.test');
    await add.getByRole('button', { name: 'Add' }).click();
    await add.getByText('bob@example.net suppressed for mail from news.brand.test.').waitFor();
    await row('bob@example.net').waitFor();
    assert.match(await row('bob@example.net').innerText(), /news\.brand\.test[\s\S]*complaint[\s\S]*api:admin:ops/);
    const r = await dash.curl('/api/v1/suppressions/bob@example.net');
    assert.deepEqual(r.body.entries.map((e: { scope: string; reason: string; source: string }) => [e.scope, e.reason, e.source]), [['news.brand.test', 'complaint', 'api:admin:ops']]);

    // A few more of each kind, for the picture; a source with markup is shown as text, never run.
    const seeded = await dash.curl('/api/v1/suppressions/import?file=seed.csv', {
      data: 'address,domain,reason,source\nann@gone.test,,hard-bounce,01KB7Q2M9X\ncid@example.org,,unsubscribe,"<img src=x onerror=""window.__xss=1"">"\ndee@example.com,brand.test,manual,\n',
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(seeded.body?.imported, 3, seeded.text);
    await page.getByRole('button', { name: 'Search' }).click();
    await row('cid@example.org').getByText('<img src=x onerror="window.__xss=1">').waitFor();
    assert.equal(await page.evaluate(() => (window as { __xss?: number }).__xss), undefined);
    await screenshots(page, 'suppressions', (p) => p.getByText('dee@example.com').waitFor());
  });

  test('Remove asks, then the entry is gone from the page and the list', async () => {
    await row('bob@example.net').getByRole('button', { name: 'Remove bob@example.net (news.brand.test)' }).click();
    await row('bob@example.net').waitFor({ state: 'detached' });
    assert.equal((await dash.curl('/api/v1/suppressions/bob@example.net')).status, 404);
  });

  test('a CSV of 300 rows is imported in parts with progress to done, bad rows named by file line, every good row searchable', async () => {
    const lines = ['email,reason'];
    for (let i = 0; i < 300; i++) lines.push(i === 148 ? 'not-an-address,manual' : i === 287 ? `user${i}@import.test,nonsense` : `user${String(i).padStart(3, '0')}@import.test,`);
    const imports: string[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/api/v1/suppressions/import')) imports.push(new URL(req.url()).searchParams.get('lineOffset') ?? '');
    });
    const panel = page.getByRole('region', { name: 'Import a CSV file' });
    await panel.getByLabel('CSV file').setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\r\n')}\r\n`) });
    await panel.getByLabel('Reason for rows without one').selectOption('hard-bounce');
    await panel.getByRole('button', { name: 'Import' }).click();
    await panel.getByText('Done: imported 298 of 300 rows from list.csv; 2 bad rows skipped.').waitFor();
    const bar = panel.getByRole('progressbar', { name: 'Rows of list.csv read' });
    assert.equal(await bar.getAttribute('value'), '300');
    assert.equal(await bar.getAttribute('max'), '300');
    assert.deepEqual(imports, ['0', '99', '199', '299'], 'four parts of 100 records, each told where it starts in the file');
    await panel.getByText('Bad rows', { exact: true }).click();
    // Line 1 is the header: row i is on line i + 2, whichever part carried it.
    await panel.getByText('line 150: "not-an-address" is not an email address').waitFor();
    await panel.getByText('line 289: reason "nonsense" is not one of').waitFor();

    const search = page.getByRole('search', { name: 'Search suppressions' });
    await search.getByLabel('Address or domain contains').fill('USER123@import');
    await search.getByRole('button', { name: 'Search' }).click();
    await row('user123@import.test').waitFor();
    assert.match(await row('user123@import.test').innerText(), /global[\s\S]*hard-bounce[\s\S]*csv:list\.csv/);
    assert.equal(await page.getByRole('row').count(), 2, 'the header row and the one match');
    const all = await dash.curl('/api/v1/suppressions?contains=@import.test&limit=1000');
    assert.equal(all.body.suppressions.length, 298);
  });

  test('imports are refused without the CSRF token, with a read-only key, and above 16 MiB; nothing is written', async () => {
    const before = (await dash.curl('/api/v1/suppressions?contains=@forged.test')).body.suppressions.length;
    // The logged-in browser's cookie alone, as another page's script would send it.
    const forged = await page.evaluate(async () => {
      const r = await fetch('/api/v1/suppressions/import', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'address\nx@forged.test\n' });
      return r.status;
    });
    assert.equal(forged, 403);
    const reader = await dash.createKey('reader', { scopes: ['read'] });
    const r = await dash.curl('/api/v1/suppressions/import', { key: reader, data: 'address\ny@forged.test\n', headers: { 'content-type': 'text/csv' } });
    assert.equal(r.status, 403, r.text);
    const huge = await dash.curl('/api/v1/suppressions/import', { data: `address\n${'z@forged.test\n'.repeat(1_300_000)}`, headers: { 'content-type': 'text/csv' } });
    assert.equal(huge.status, 413, huge.text);
    assert.equal((await dash.curl('/api/v1/suppressions?contains=@forged.test')).body.suppressions.length, before);
    assert.equal(before, 0);
  });

  test('Export downloads the searched entries as the CSV the import reads', async () => {
    const search = page.getByRole('search', { name: 'Search suppressions' });
    await search.getByLabel('Address or domain contains').fill('@import.test');
    await search.getByLabel('Reason').selectOption('hard-bounce');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByText('100 entries shown, more match').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export these as CSV' }).click()]);
    assert.match(download.suggestedFilename(), /^suppressions-\d{8}-\d{6}\.csv$/);
    const csv = (await readFile((await download.path()) as string, 'utf8')).trim().split('\n');
    assert.equal(csv[0], 'address,domain,reason,source,created,expires');
    const expected = Array.from({ length: 300 }, (_, i) => `user${String(i).padStart(3, '0')}@import.test`).filter((_, i) => i !== 148 && i !== 287);
    assert.deepEqual(csv.slice(1).map((l) => l.split(',')[0]), expected);
    assert.ok(csv.slice(1).every((l) => /^[^,]+,,hard-bounce,csv:list\.csv,\d{4}-\d\d-\d\dT[^,]+Z,$/.test(l)), csv[1]);
    assert.deepEqual(s.offOrigin, []);
    assert.deepEqual(s.pageErrors, []);
  });
});

describe('Domains pages', () => {
  let dkimValue: string;

  test('a sending domain added from the page gets a DKIM key; its record is the one `baton dkim status` gives, missing from DNS, beside SPF published and DMARC missing', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Domains' }).click();
    await row('local.test').waitFor();
    const add = page.getByRole('region', { name: 'Add a sending domain' });
    await add.getByLabel('Domain').fill('brand.test');
    await add.getByLabel('Key algorithm').selectOption('rsa-2048');
    await add.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('heading', { name: 'brand.test', level: 1 }).waitFor();
    await page.getByText(/^New rsa-2048 key/).waitFor();

    const status = await dash.baton.cli(['dkim', 'status', 'brand.test', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const [cli] = JSON.parse(status.stdout) as { keys: { selector: string; state: string; record: { name: string; value: string } }[] }[];
    const key = cli?.keys[0];
    assert.ok(key && cli?.keys.length === 1);
    assert.equal(key.state, 'pending-dns');
    dkimValue = key.record.value;
    assert.match(dkimValue, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);

    const dkim = recordRow(key.record.name);
    await dkim.waitFor();
    assert.equal(await dkim.locator('code.record-value').first().innerText(), dkimValue, 'the page shows the value the CLI prints');
    assert.match(await dkim.innerText(), /DKIM \(TXT\)\s+missing/);
    assert.match(await recordRow('SPF (TXT)').innerText(), /published[\s\S]*v=spf1 ip4:192\.0\.2\.1 ~all/);
    assert.match(await recordRow('DMARC (TXT)').innerText(), /missing/);
    await dkim.getByRole('button', { name: /^Copy DKIM value/ }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), dkimValue, 'the copy button copies the whole value');
    assert.match(await keyRow(key.selector).innerText(), /pending-dns[\s\S]*missing[\s\S]*no/);
    assert.equal(await page.getByRole('button', { name: 'Rotate keys' }).isDisabled(), true, 'nothing to rotate before a key signs');
  });

  test('once dnsmasq serves the record it shows published, Baton switches to the key, and Rotate makes the next one', async () => {
    const [status] = JSON.parse((await dash.baton.cli(['dkim', 'status', 'brand.test', '--json'])).stdout) as { keys: { selector: string; record: { name: string } }[] }[];
    const first = status?.keys[0];
    assert.ok(first);
    // Published as a DNS operator would: strings of at most 255 bytes (RFC 1035 §3.3.14) in one TXT record.
    const strings = dkimValue.match(/.{1,255}/g) as string[];
    await dns.stop();
    dns = await startDnsmasq({ ...ZONE, port: dns.port, txt: { ...ZONE.txt, [first.record.name]: [strings] } });
    await page.getByRole('button', { name: 'Check DNS again' }).click();
    await recordRow(first.record.name).filter({ hasText: 'published' }).waitFor();
    // The checker runs every 500 ms; the page looks again by itself while a published key waits for the switch.
    await keyRow(first.selector).filter({ hasText: 'active' }).waitFor({ timeout: 20_000 });
    assert.match(await keyRow(first.selector).innerText(), /active[\s\S]*published[\s\S]*yes/);
    await screenshots(page, 'domain', (p) => p.getByText('active', { exact: true }).first().waitFor());

    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/dkim-keys/rotate') && r.status() === 201), page.getByRole('button', { name: 'Rotate keys' }).click()]);
    const next = (await dash.curl('/api/v1/domains/brand.test/dkim-keys')).body as { keys: { selector: string; state: string; record: { name: string } }[] };
    assert.deepEqual(next.keys.map((k) => k.state), ['active', 'pending-dns']);
    const second = next.keys[1]!;
    await recordRow(second.record.name).filter({ hasText: 'missing' }).waitFor();
    await page.getByText(`New rsa-2048 key ${second.selector}`).waitFor();

    await page.getByRole('link', { name: 'All domains' }).click();
    // Until the list replaces the domain's page, that page's own rows also name brand.test.
    await page.getByRole('region', { name: 'DNS records to publish' }).waitFor({ state: 'detached' });
    await row('brand.test').waitFor();
    assert.match(await row('brand.test').innerText(), /sending \(DKIM\)[\s\S]*2 of 4/);
    assert.match(await row('local.test').innerText(), /receiving[\s\S]*MX\s+published/);
    await screenshots(page, 'domains', (p) => p.getByRole('link', { name: 'brand.test' }).waitFor());
    assert.deepEqual(s.offOrigin, []);
    assert.deepEqual(s.pageErrors, []);
  });
});
