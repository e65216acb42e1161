// Debian's Chromium for the browser tests, driven by playwright-core (which
// never downloads a browser here). Installed with apt when missing and this
// process may (root, apt-get present); .ci/run installs it in CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;

/** Why Chromium cannot be had here, or null when it is installed (installing it when root with apt). */
export function chromiumMissing(): string | null {
  if (existsSync(CHROMIUM)) return null;
  if (userInfo().uid !== 0) return `${CHROMIUM} is not installed and this user is not root (apt-get install -y chromium)`;
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) return `${CHROMIUM} is not installed and there is no apt-get`;
  // install; when that fails (stale package lists), update the lists and try once more
  if (!apt(['install', '-y', 'chromium']) && apt(['update'])) apt(['install', '-y', 'chromium']);
  return existsSync(CHROMIUM) ? null : `apt-get install -y chromium failed: ${CHROMIUM} is still missing`;
}

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
