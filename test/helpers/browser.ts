import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startApiBaton, type ApiBaton } from './api.js';
import type { StartOptions } from './baton.js';

/**
 * The dashboard's end-to-end harness: a real Baton (API + built dashboard),
 * Debian's chromium driven by playwright-core, an admin made by the real CLI.
 * The browser may only talk to Baton: any other request is aborted and
 * recorded in `offOrigin` (the dashboard must bundle everything).
 */

/** Where the tests write the screenshots docs/dashboard.md links to. */
export const SCREENSHOT_DIR = join(process.cwd(), 'docs', 'dashboard');

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

/** Chromium as the machine notes require: no sandbox (root), no background network. */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ], // launch() gives each browser a new, empty profile of its own
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
    },
  };
}

export interface DashboardSession {
  readonly context: BrowserContext;
  readonly page: Page;
  /** URLs the page tried to load from anywhere but Baton (should stay empty). */
  readonly offOrigin: string[];
  /** Uncaught page errors and console errors (should stay empty). */
  readonly pageErrors: string[];
}

/** A fresh browser context (own cookies) on `baseUrl`, guarded to its origin. */
export async function openContext(browser: Browser, baseUrl: string, viewport: keyof typeof VIEWPORTS = 'desktop'): Promise<DashboardSession> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: VIEWPORTS[viewport] });
  const origin = new URL(baseUrl).origin;
  const offOrigin: string[] = [];
  const pageErrors: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url === origin || url.startsWith('data:')) return route.continue();
    offOrigin.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    // A refused request the test provokes on purpose (401 at login, 403 CSRF) logs "Failed to load resource": not a page bug.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.push(msg.text());
  });
  return { context, page, offOrigin, pageErrors };
}

/** Log in through the form, as a person would; resolves once the logged-in shell shows. */
export async function login(page: Page, name: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  // The log-out button shows at every width (the menu folds away on a phone).
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/**
 * Screenshots of the current page at desktop and phone width, full page, into
 * docs/dashboard/NAME-desktop.png and NAME-phone.png. `ready` waits for what
 * the page must show before the picture (data loaded, chart drawn).
 */
export async function screenshots(page: Page, name: string, ready: (page: Page) => Promise<void> = async () => undefined): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? VIEWPORTS.desktop;
  for (const [kind, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await ready(page);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${kind}.png`), fullPage: true, animations: 'disabled' });
  }
  await page.setViewportSize(original);
}

export interface DashboardBaton extends ApiBaton {
  readonly admin: { readonly name: string; readonly password: string };
}

/** A Baton with the API and dashboard on, plus an admin account made with `baton admin create`. */
export async function startDashboardBaton(opts: Partial<StartOptions> = {}): Promise<DashboardBaton> {
  const api = await startApiBaton(opts);
  const admin = { name: 'ops', password: 'correct horse battery staple' };
  const r = await api.baton.cli(['admin', 'create', admin.name], { input: `${admin.password}\n` });
  if (r.code !== 0) {
    await api.stop().catch(() => undefined);
    throw new Error(`baton admin create failed (${r.code}): ${r.stderr}`);
  }
  return { ...api, admin };
}
