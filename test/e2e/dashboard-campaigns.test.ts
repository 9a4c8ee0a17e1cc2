import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshots } from '../helpers/browser.js';
import { assertClean, eventually, MARKUP_NAME, nav, region, row, seed, startCampaignDashboard, type CampaignDashboard, type Seeded } from '../helpers/dashboard-campaigns-kit.js';

/**
 * Issue 15 part E in a real chromium against a real Baton: the lists page
 * (counts, a list's contacts, CSV import with its report, export), segments
 * (the saved ones, a live preview count of a filter being typed) and
 * templates (the preview of a contact whose name is markup: escaped, inside
 * an iframe with sandbox=""). Everything is seeded through the real API;
 * every wait is for an element or a state, never a fixed sleep.
 */

let h: CampaignDashboard;
let seeded: Seeded;
const WAIT = 20_000;

before(async () => {
  h = await startCampaignDashboard();
  seeded = await seed(h.dash);
});
after(async () => {
  await h?.stop();
});

describe('dashboard: lists, segments, templates', { timeout: 180_000 }, () => {
  test('lists: the table shows the counts the API holds; a list page pages its contacts, imports a CSV file with a report, exports CSV', async () => {
    const { page } = h.s;
    await nav(page, 'Lists');
    const newsletter = row(region(page, 'Lists'), 'Newsletter');
    await newsletter.waitFor({ timeout: WAIT });
    // Subscribed 3, pending 0, unsubscribed 0: the cells in the table's order.
    assert.deepEqual(await newsletter.locator('td.num').allTextContents(), ['3', '0', '0']);

    await newsletter.getByRole('link', { name: 'Newsletter' }).click();
    await page.getByRole('heading', { name: 'List: Newsletter', level: 1 }).waitFor();
    const contacts = region(page, 'Contacts');
    await row(contacts, 'ann@rcpt.test').waitFor({ timeout: WAIT });
    // The attribute with markup is text in the table: no element made from it.
    await row(contacts, 'cat@rcpt.test').getByText(MARKUP_NAME, { exact: false }).waitFor();
    assert.equal(await page.locator('main img').count(), 0);

    const io = region(page, 'Import and export');
    const csv = 'email,name,plan\ndan@rcpt.test,Dan,pro\nann@rcpt.test,Ann B.,pro\nnot an address,Nobody,free\n';
    await io.getByLabel('CSV file').setInputFiles({ name: 'more.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await io.getByRole('button', { name: 'Import' }).click();
    await io.getByText(/^Imported more\.csv: 3 rows, 1 created, 1 updated, 1 rejected\.$/).waitFor({ timeout: WAIT });
    await row(io, 'not an address').waitFor();
    // The contacts start again from the first page: dan is there, ann's name updated.
    await row(contacts, 'dan@rcpt.test').waitFor({ timeout: WAIT });
    await row(contacts, 'ann@rcpt.test').getByText('name=Ann B.').waitFor();
    await page.locator('.stat').filter({ hasText: 'Subscribed' }).getByText('4', { exact: true }).waitFor({ timeout: WAIT });

    const href = await io.getByRole('link', { name: 'Export this list as CSV' }).getAttribute('href');
    assert.equal(href, `/api/v1/contacts/export?list=${seeded.listId}`);
    // The link works with the session cookie alone (what the browser sends when it is clicked).
    const exported = await page.request.get(href);
    assert.equal(exported.status(), 200);
    assert.match(exported.headers()['content-type'] ?? '', /text\/csv/);
    const text = await exported.text();
    for (const a of ['ann@rcpt.test', 'bob@rcpt.test', 'cat@rcpt.test', 'dan@rcpt.test']) assert.ok(text.includes(a), `${a} in the export:\n${text}`);
    await screenshots(page, 'list', (p) => row(region(p, 'Contacts'), 'dan@rcpt.test').waitFor());
    assertClean(h.s);
  });

  test('segments: the saved one is listed; Preview counts the filter as typed (bad JSON is caught first); Create saves it', async () => {
    const { page } = h.s;
    await nav(page, 'Segments');
    await row(region(page, 'Segments'), 'Pro plan').waitFor({ timeout: WAIT });
    const editor = region(page, 'New segment');
    await editor.getByLabel('Name', { exact: true }).fill('Whole newsletter');
    const filter = editor.getByRole('textbox', { name: /^Filter/ });
    await filter.fill('{"all": [{"list": ');
    await editor.getByText(/^Not valid JSON/).waitFor();
    await editor.getByRole('button', { name: 'Preview' }).click();
    await editor.getByRole('alert').getByText(/The filter is not JSON/).waitFor();

    await filter.fill(JSON.stringify({ all: [{ list: seeded.listId }] }));
    await editor.getByRole('button', { name: 'Preview' }).click();
    const preview = editor.getByRole('region', { name: 'Preview' });
    // ann, bob, cat and dan (imported by the lists test; 3 when this test runs alone).
    await preview.getByText(/^[34] contacts match/).waitFor({ timeout: WAIT });
    await row(preview, 'bob@rcpt.test').waitFor();

    await filter.fill(JSON.stringify({ all: [{ list: seeded.listId }, { attr: 'plan', op: 'eq', value: 'free' }] }));
    await editor.getByRole('button', { name: 'Preview' }).click();
    await preview.getByText(/^1 contact match/).waitFor({ timeout: WAIT });
    await row(preview, 'cat@rcpt.test').waitFor();

    await editor.getByRole('button', { name: 'Create segment' }).click();
    await page.getByRole('heading', { name: 'Segment: Whole newsletter', level: 1 }).waitFor({ timeout: WAIT });
    const id = Number(/\/segments\/(\d+)$/.exec(page.url())?.[1]);
    const stored = (await h.dash.apiFetch(`/api/v1/segments/${id}`)).body;
    assert.deepEqual(stored.filter, { all: [{ list: seeded.listId }, { attr: 'plan', op: 'eq', value: 'free' }] });
    await screenshots(page, 'segment', async (p) => {
      await p.getByRole('button', { name: 'Preview' }).click();
      await p.getByText(/^1 contact match/).waitFor({ timeout: WAIT });
    });
    assertClean(h.s);
  });

  test('templates: listed; the preview for a contact whose name is markup shows it escaped, inside an iframe with sandbox=""', async () => {
    const { page } = h.s;
    await nav(page, 'Templates');
    await row(region(page, 'Templates'), 'Hello').getByRole('link', { name: 'Hello' }).click();
    await page.getByRole('heading', { name: 'Template: Hello', level: 1 }).waitFor({ timeout: WAIT });
    const pane = region(page, 'Preview');
    await pane.getByLabel('Contact id or address').fill('cat@rcpt.test');
    await pane.getByRole('button', { name: 'Preview' }).click();
    const frame = pane.locator('iframe[title="HTML preview"]');
    await frame.waitFor({ timeout: WAIT });
    assert.equal(await frame.getAttribute('sandbox'), '', 'sandbox with no permission at all');
    assert.equal(await frame.getAttribute('src'), null, 'srcdoc, not a URL');
    // The subject is text on the page; the HTML only inside the frame, where the name is text too (liquid escaped it).
    assert.equal(await pane.getByLabel('Preview subject').textContent(), `Hello ${MARKUP_NAME}`);
    const inside = pane.frameLocator('iframe[title="HTML preview"]');
    assert.equal(await inside.locator('p.greeting').textContent(), `Hello ${MARKUP_NAME}`);
    assert.equal(await inside.locator('b, img').count(), 0, 'no element made from the attribute');
    assert.equal(await page.locator('main p.greeting').count(), 0, 'the HTML is not in the page DOM');
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);

    // By contact id: ann, with the name from her attributes.
    const ann = (await h.dash.apiFetch('/api/v1/contacts?q=ann%40rcpt.test')).body.items[0];
    await pane.getByLabel('Contact id or address').fill(String(ann.id));
    await pane.getByRole('button', { name: 'Preview' }).click();
    await eventually('the preview for ann', async () => /^Hello Ann/.test((await inside.locator('p.greeting').textContent()) ?? ''));
    await screenshots(page, 'template', (p) => p.frameLocator('iframe[title="HTML preview"]').getByText(/^Hello Ann/).waitFor());

    // A Liquid syntax error is refused with the API's 422, shown on the page.
    await nav(page, 'Templates');
    const create = region(page, 'New template');
    await create.getByLabel('Name', { exact: true }).fill('Broken');
    await create.getByLabel('Subject').fill('Hi {{ name');
    await create.getByRole('button', { name: 'Create template' }).click();
    await create.getByRole('alert').waitFor({ timeout: WAIT });
    assert.equal(await row(region(page, 'Templates'), 'Broken').count(), 0);
    await screenshots(page, 'templates', (p) => row(region(p, 'Templates'), 'Hello').waitFor());
    assertClean(h.s);
  });
});
