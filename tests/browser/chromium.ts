// Debian's Chromium for the browser tests, driven by playwright-core (which
// never downloads a browser). .ci/run installs it; the tests never do
// (tests/harness/component.ts decides what a missing browser means).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requireComponent } from '../harness/component.js';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Whether the browser tests run: Chromium is installed (else skipped with one line, or a failure in CI). */
export const haveChromium = (): boolean =>
  requireComponent('chromium', existsSync(CHROMIUM), `${CHROMIUM} is not installed (apt-get install chromium)`);

/** A headless Chromium with a fresh profile, removed when the browser closes. */
export async function launch(): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'polycomm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 820 } });
  const close = context.close.bind(context);
  context.close = async (options) => {
    await close(options);
    // the browser has exited: its profile goes too (a straggling write is retried)
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  return context;
}

/**
 * Opens a local HTML file in a new page with every request that leaves the
 * file refused, collecting console errors and the requests it tried.
 */
export async function openOffline(context: BrowserContext, file: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, errors, requests };
}
