import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { screenshots } from '../helpers/browser.js';
import { assertClean, eventually, nav, post, region, row, seed, startCampaignDashboard, type CampaignDashboard, type Seeded } from '../helpers/dashboard-campaigns-kit.js';

/**
 * Issue 15 part E, the moving parts, in a real chromium against a real
 * Baton: a campaign created on the page goes out through the real pipeline
 * to Postfix's smtp-sink while its page shows the progress reaching 100% and
 * the delivered count; a flow created from JSON on the page shows its steps,
 * and the run an API event starts. Seeded through the real API; no fixed sleeps.
 */

let h: CampaignDashboard;
let seeded: Seeded;
const WAIT = 30_000;

before(async () => {
  h = await startCampaignDashboard();
  seeded = await seed(h.dash);
});
after(async () => {
  await h?.stop();
});

describe('dashboard: campaigns and flows', { timeout: 180_000 }, () => {
  test('a campaign created on the page sends to the sink; its page shows progress reaching 100% and the stats', async () => {
    const { page } = h.s;
    await nav(page, 'Campaigns');
    await page.getByText('No campaigns yet').waitFor({ timeout: WAIT });
    const create = region(page, 'New campaign');
    await create.getByLabel('Name', { exact: true }).fill('December news');
    await create.getByLabel('Template').selectOption({ label: 'Hello' });
    await create.getByLabel('Segment').selectOption({ label: 'Pro plan' });
    await create.getByLabel('From').fill('news@shop.test');
    // A dashboard login is no sending identity: the campaign goes out as the harness's API key.
    await create.getByLabel(/^Send as/).selectOption({ label: 'API key test-admin' });
    await create.getByLabel(/^Rate/).fill('600/min');
    await create.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'Campaign: December news', level: 1 }).waitFor({ timeout: WAIT });
    const id = Number(/\/campaigns\/(\d+)$/.exec(page.url())?.[1]);
    const progress = region(page, 'Progress');
    await progress.getByText('draft', { exact: true }).waitFor();
    const made = (await h.dash.apiFetch(`/api/v1/campaigns/${id}`)).body;
    assert.deepEqual([made.template, made.segment, made.from, made.stream, made.rate, made.apiKey], [seeded.templateId, seeded.segmentId, 'news@shop.test', 'bulk', '600/min', 'test-admin']);

    await page.getByRole('button', { name: 'Send campaign December news' }).click();
    // The page polls while the campaign sends: the bar reaches 100% with no reload.
    await progress.getByText('Contacts done: 2 of 2 (100%)').waitFor({ timeout: WAIT });
    const got = await h.sink.waitForMessages(2, WAIT);
    assert.deepEqual(got.flatMap((m) => m.recipients).sort(), ['ann@rcpt.test', 'bob@rcpt.test']);
    assert.ok(got.some((m) => /^Subject: Hello Ann$/m.test(m.data)), 'personalised subject');
    assert.ok(got.every((m) => /^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m.test(m.data)), 'bulk: one-click unsubscribe');
    await progress.getByText('sent', { exact: true }).waitFor({ timeout: WAIT });
    // Stats come from the delivery events: the page shows both delivered.
    await region(page, 'Stats').locator('.stat').filter({ hasText: 'Delivered' }).getByText('2', { exact: true }).waitFor({ timeout: WAIT });
    // Nothing to do with a sent campaign: its buttons are gone.
    assert.equal(await page.getByRole('button', { name: /campaign December news$/ }).count(), 0);
    await screenshots(page, 'campaign', (p) => region(p, 'Progress').getByText('(100%)', { exact: false }).waitFor());

    await nav(page, 'Campaigns');
    const listed = row(region(page, 'Campaigns'), 'December news');
    await listed.getByText('sent', { exact: true }).waitFor({ timeout: WAIT });
    await listed.getByText('Done: 2 of 2 (100%)').waitFor();
    await screenshots(page, 'campaigns', (p) => row(region(p, 'Campaigns'), 'December news').waitFor());
    assertClean(h.s);
  });

  test('a flow created from JSON shows its trigger and steps; an API event starts a run the page lists; pause and resume', async () => {
    const { page } = h.s;
    await nav(page, 'Flows');
    await page.getByText('No flows yet').waitFor({ timeout: WAIT });
    const flow = {
      name: 'Welcome drip',
      trigger: { type: 'event', name: 'signed-up' },
      steps: [
        { type: 'wait', duration: '2d' },
        { type: 'send', template: seeded.templateId, from: 'news@shop.test' },
        { type: 'branch', if: { all: [{ attr: 'plan', op: 'eq', value: 'pro' }] }, then: [{ type: 'update', attr: 'welcomed', value: true }], else: [{ type: 'exit' }] },
      ],
      active: true,
    };
    const create = region(page, 'New flow');
    await create.getByRole('textbox', { name: /^Flow \(JSON\)/ }).fill(JSON.stringify(flow, null, 2));
    await create.getByRole('button', { name: 'Create flow' }).click();
    await page.getByRole('heading', { name: 'Flow: Welcome drip', level: 1 }).waitFor({ timeout: WAIT });
    const def = region(page, 'Definition');
    await def.getByText('Event "signed-up"').waitFor();
    const steps = def.locator('ol.steps').first();
    assert.deepEqual(
      (await steps.locator(':scope > li').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim().slice(0, 40)),
      ['Wait 2d', `Send template ${seeded.templateId} from news@shop.test`, 'If {"all":[{"attr":"plan","op":"eq","val'],
    );
    await def.getByText('Set welcomed to true').waitFor();

    const started = await post(h.dash, '/api/v1/events', { name: 'signed-up', contact: 'ann@rcpt.test' }, 202);
    assert.equal(started.started, 1);
    const runs = region(page, 'Runs');
    const ann = row(runs, 'ann@rcpt.test');
    await ann.getByText('waiting', { exact: true }).waitFor({ timeout: WAIT });
    await ann.getByText(/^in 2 d$|^in 4\d h$/).waitFor();
    await page.locator('.stat').filter({ hasText: 'Waiting' }).getByText('1', { exact: true }).waitFor({ timeout: WAIT });
    await screenshots(page, 'flow', (p) => row(region(p, 'Runs'), 'ann@rcpt.test').waitFor());

    await page.getByRole('button', { name: 'Pause flow Welcome drip' }).click();
    await def.getByText('paused', { exact: true }).waitFor({ timeout: WAIT });
    assert.equal((await h.dash.apiFetch(`/api/v1/flows/${/\/flows\/(\d+)$/.exec(page.url())?.[1]}`)).body.active, false);
    await page.getByRole('button', { name: 'Resume flow Welcome drip' }).click();
    await def.getByText('active', { exact: true }).waitFor({ timeout: WAIT });

    await nav(page, 'Flows');
    const listed = row(region(page, 'Flows'), 'Welcome drip');
    await eventually('the flow listed with one waiting', async () => (await listed.locator('td.num').allTextContents()).join(',') === '0,1,0,0');
    assertClean(h.s);
  });
});
