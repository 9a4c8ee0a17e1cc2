import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { launchChromium, login, openContext, startDashboardBaton, type DashboardBaton, type DashboardSession } from './browser.js';
import { freePorts } from './free-port.js';
import { startSmtpSink, type SmtpSinkHandle } from './smtp-sink.js';

/**
 * The campaign pages' browser harness (issue 15, part E): a real Baton whose
 * every route goes to Postfix's smtp-sink, the one-click unsubscribe endpoint
 * on (bulk mail needs it, and the public pages mount there), Debian's
 * chromium logged in as an admin, and the seeding of contacts, a list, a
 * segment and a template through the real API (the admin key).
 */
export interface CampaignDashboard {
  readonly dash: DashboardBaton;
  readonly sink: SmtpSinkHandle;
  readonly s: DashboardSession;
  stop(): Promise<void>;
}

export async function startCampaignDashboard(): Promise<CampaignDashboard> {
  const sink = await startSmtpSink();
  const [unsub] = (await freePorts(1)) as [number];
  const dash = await startDashboardBaton({
    config: {
      routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
      unsubscribe: { address: `127.0.0.1:${unsub}`, baseUrl: 'https://unsub.shop.test', secrets: [{ id: 'k1', secret: 'an unsubscribe secret for the dashboard test' }] },
    },
  });
  const chromium = await launchChromium();
  const s = await openContext(chromium.browser, dash.url);
  // Delete, send and cancel ask first (window.confirm): the operator says yes.
  s.page.on('dialog', (d) => void d.accept());
  await login(s.page, dash.admin.name, dash.admin.password);
  return {
    dash,
    sink,
    s,
    stop: async () => {
      await s.context.close().catch(() => undefined);
      await chromium.close();
      await dash.stop();
      await sink.stop();
    },
  };
}

/** An attribute value full of markup: it must reach pages and mail as text. */
export const MARKUP_NAME = '<b>Cat</b><img src=x onerror="window.top.__xss=1">';

export interface Seeded {
  readonly listId: number;
  readonly segmentId: number;
  readonly templateId: number;
}

/** POST with the admin key; asserts the status and returns the body. */
export async function post(dash: DashboardBaton, path: string, json: unknown, status = 201): Promise<any> {
  const r = await dash.apiFetch(path, { json });
  assert.equal(r.status, status, `${path}: ${r.text}`);
  return r.body;
}

/**
 * A single opt-in list "Newsletter" with ann and bob (plan pro) and cat
 * (plan free, a name full of markup), the segment "Pro plan", and the
 * template "Hello" that greets by name.
 */
export async function seed(dash: DashboardBaton): Promise<Seeded> {
  const list = await post(dash, '/api/v1/lists', { name: 'Newsletter', optIn: 'single', description: 'Monthly news' });
  for (const [address, name, plan] of [
    ['ann@rcpt.test', 'Ann', 'pro'],
    ['bob@rcpt.test', 'Bob', 'pro'],
    ['cat@rcpt.test', MARKUP_NAME, 'free'],
  ] as const) {
    await post(dash, '/api/v1/contacts', { address, attributes: { name, plan }, lists: [list.id] });
  }
  const segment = await post(dash, '/api/v1/segments', { name: 'Pro plan', filter: { all: [{ list: list.id }, { attr: 'plan', op: 'eq', value: 'pro' }] } });
  const template = await post(dash, '/api/v1/templates', {
    name: 'Hello',
    subject: 'Hello {{ name }}',
    html: '<p class="greeting">Hello {{ name }}</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
    defaults: { name: 'there' },
  });
  return { listId: list.id as number, segmentId: segment.id as number, templateId: template.id as number };
}

/** Polls up to `tries` times (no fixed sleep): resolves with the first truthy value. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, tries = 150): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const region = (page: Page, name: string): Locator => page.getByRole('region', { name, exact: true });
export const row = (within: Page | Locator, text: string): Locator => within.getByRole('row').filter({ hasText: text });
export const nav = (page: Page, name: string): Promise<void> => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

export function assertClean(s: DashboardSession): void {
  assert.deepEqual(s.offOrigin, [], 'no request left Baton');
  assert.deepEqual(s.pageErrors, [], 'no page errors');
}
