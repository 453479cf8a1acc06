// The system's Chromium, driven by playwright-core, for the e2e tests (tests/e2e): the built page served by
// `cleardisc serve`'s server in the test's own process. Nothing here downloads a browser.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..');
export const STATIC_DIR = path.join(ROOT, 'renderer', 'dist');
export const CHROMIUM = process.env.CLEARDISC_CHROMIUM || '/usr/bin/chromium';

// Quiet, offline Chromium: without the background-networking flags it keeps trying to reach Google.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The newest modification time of any file under these paths. */
function newestMtime(paths: string[]): number {
  let max = 0;
  for (const p of paths) {
    const st = fs.statSync(p);
    if (!st.isDirectory()) max = Math.max(max, st.mtimeMs);
    else max = Math.max(max, newestMtime(fs.readdirSync(p).map((e) => path.join(p, e))));
  }
  return max;
}

/** Fails with what to do when the page is not built, is older than its sources, or Chromium is missing. */
export function requireBuiltPageAndChromium(): void {
  if (!fs.existsSync(path.join(STATIC_DIR, 'index.html'))) {
    throw new Error('renderer/dist/index.html is missing: run `npm run build` before the e2e tests.');
  }
  const built = fs.statSync(path.join(STATIC_DIR, 'index.html')).mtimeMs;
  const newest = newestMtime([
    path.join(ROOT, 'renderer', 'src'),
    path.join(ROOT, 'renderer', 'index.html'),
    path.join(ROOT, 'shared'),
  ]);
  if (newest > built) {
    throw new Error(
      'renderer/dist is older than renderer/src or shared/: run `npm run build` before the e2e tests.',
    );
  }
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (scripts/provision-system.sh) or set CLEARDISC_CHROMIUM.`,
    );
  }
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Errors the page logged, failed requests (status ≥ 400) and exceptions, as they happened. */
  problems: string[];
}

/** A headless Chromium with a fresh profile in `profileDir`, recording anything that goes wrong in the page. */
export async function launchBrowser(profileDir: string): Promise<Browser> {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 20_000,
    viewport: { width: 1000, height: 800 },
    locale: 'en-GB',
    colorScheme: 'light',
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  // Anything the page logs as an error (a CSP violation, a failed request, an exception) is a problem.
  page.on('console', (m) => {
    // Failed requests are listed (with their address) by the response handler below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { context, page, problems };
}
