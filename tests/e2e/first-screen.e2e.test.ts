// The first screen, end to end: the built page (renderer/dist, from `npm run build`) served by
// `cleardisc serve`'s server in this process, driven in the system's Chromium through playwright-core.
// Run with: npx jest -c jest.e2e.config.js
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startServer, HTTP_MESSAGES, type RunningServer } from '../../main/serve/server';
import { buildInstance, testUid, writeFile, type InstanceSpec } from '../fixtures/build-dicom';
import { launchBrowser, requireBuiltPageAndChromium, STATIC_DIR } from '../support/browser';

/** Where the screenshot of the answer goes (outside the folder removed at the end, so it can be looked at). */
const SCREENSHOT =
  process.env.CLEARDISC_E2E_SCREENSHOT || path.join(os.tmpdir(), 'cleardisc-e2e-first-screen.png');
const TOKEN = 'e2e-' + Math.random().toString(16).slice(2).padEnd(16, '0') + Date.now().toString(16);

const IMAGES = 5;
const NOT_USED = 3;

describe('first screen in a browser (cleardisc serve)', () => {
  let tmp: string | undefined;
  let disc: string;
  let server: RunningServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    requireBuiltPageAndChromium();

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-e2e-'));
    disc = path.join(tmp, 'disc');
    const ct = (n: number): InstanceSpec => ({
      sopInstanceUID: testUid(9, 1, n),
      studyInstanceUID: testUid(9),
      seriesInstanceUID: testUid(9, 1),
      instanceNumber: n,
      patientName: 'Doe^Jane',
      patientId: 'PID-E2E',
      studyDate: '20240102',
      studyDescription: 'CT CHEST WITH CONTRAST',
      modality: 'CT',
    });
    for (let n = 1; n <= IMAGES; n++) writeFile(disc, `DICOM/IM${n}`, buildInstance(ct(n)));
    // What else a disc carries: none of it is an image.
    writeFile(disc, 'README.TXT', 'Insert the disc and run viewer.exe');
    writeFile(disc, 'AUTORUN.INF', '[autorun]\r\nopen=viewer.exe\r\n');
    writeFile(disc, 'viewer/viewer.exe', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4000, 7)]));

    server = await startServer({ staticDir: STATIC_DIR, token: TOKEN, deps: { version: () => '0.1.0-e2e' } });

    ({ context, page, problems } = await launchBrowser(path.join(tmp, 'profile')));
  }, 45_000);

  afterAll(async () => {
    // Browser first, then the server, then the files: each even if the one before failed.
    await context?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  // Code run in the page is given as strings: the project's tsconfig has no DOM types (main/ must not see them).
  /** What has the keyboard focus, as "tag:text" (or "tag:id" when it has no text). */
  const focused = () =>
    page.evaluate<string>(
      `(() => { const el = document.activeElement; return el ? el.tagName.toLowerCase() + ':' + ((el.textContent || '').trim() || el.id) : ''; })()`,
    );

  it('opens with the token, which then leaves the address bar', async () => {
    await page.goto(server!.pageUrl);
    await page.getByRole('heading', { level: 1, name: 'Send your scans for a second opinion' }).waitFor();
    // The version call carries the token: the footer shows it.
    await page.getByText('ClearDisc 0.1.0-e2e').waitFor();
    expect(page.url()).toBe(server!.url);
    expect(await page.evaluate<string | null>(`sessionStorage.getItem('cleardisc.token')`)).toBe(TOKEN);
  });

  it('finds the scans in a typed folder and shows the name, the study, the image count and the files not used', async () => {
    // In a browser there is no folder picker: the typing box is the main action, with no dead button above it.
    await expect(page.getByRole('button', { name: /Choose disc or folder/ }).count()).resolves.toBe(0);
    const location = page.getByLabel('Location of the disc or folder');
    await expect(location.isVisible()).resolves.toBe(true);
    await location.fill(disc);
    await page.getByRole('button', { name: 'Look for scans' }).click();

    const found = page.getByRole('region', { name: 'What we found' });
    await found.waitFor();
    await expect(found.getByText('Jane Doe', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(found.getByRole('cell', { name: 'CT CHEST WITH CONTRAST' }).isVisible()).resolves.toBe(true);
    await expect(found.getByRole('cell', { name: '2 January 2024' }).isVisible()).resolves.toBe(true);
    await expect(found.getByText(`${IMAGES} images in 1 study`).isVisible()).resolves.toBe(true);
    await expect(found.getByRole('cell', { name: String(IMAGES), exact: true }).isVisible()).resolves.toBe(
      true,
    );
    await expect(found.getByText(`${NOT_USED} files were not used`).isVisible()).resolves.toBe(true);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });

  it('works with the keyboard alone: Tab to the location, type, Tab to the button, Enter', async () => {
    await page.reload(); // the token survives a reload (sessionStorage)
    await page.getByText('ClearDisc 0.1.0-e2e').waitFor();
    await page.evaluate(`document.activeElement && document.activeElement.blur()`);

    // From the top of the page, Tab reaches the location box within a few steps.
    let steps = 0;
    while (!(await focused()).startsWith('input:')) {
      if (++steps > 8) throw new Error(`Tab never reached the location box (last focus: ${await focused()})`);
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type(disc);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('button:Look for scans');
    await page.keyboard.press('Enter');

    // Focus moves to the answer, so a keyboard or screen-reader user lands on it.
    await page.getByRole('heading', { name: 'What we found' }).waitFor();
    await page.waitForFunction(`document.activeElement && document.activeElement.id === 'found'`);
    await expect(page.getByText(`${IMAGES} images in 1 study`).isVisible()).resolves.toBe(true);

    // The next Tab opens "why were files not used?" with Enter.
    await page.keyboard.press('Tab');
    expect(await focused()).toMatch(new RegExp(`^summary:${NOT_USED} files were not used`));
    await page.keyboard.press('Enter');
    await expect(
      page.getByText('This file is not a medical image', { exact: false }).first().isVisible(),
    ).resolves.toBe(true);
  });

  it('says plainly, in one sentence, when the typed location cannot be opened', async () => {
    const location = page.getByLabel('Location of the disc or folder');
    await location.fill(path.join(tmp!, 'no such folder'));
    await location.press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(HTTP_MESSAGES.cannotOpen);
    // The earlier answer is gone, so nothing on screen contradicts the message.
    await expect(page.getByRole('heading', { name: 'What we found' }).count()).resolves.toBe(0);
  });

  it('opened without its link, says to open the link again, and does not blame the disc', async () => {
    // A new tab has its own (empty) sessionStorage: no token at all.
    const bare = await context!.newPage();
    try {
      await bare.goto(server!.url);
      const alert = bare.getByRole('alert');
      await alert.waitFor();
      expect((await alert.textContent())?.trim()).toBe(HTTP_MESSAGES.noToken);
      await expect(bare.getByText('We could not read that disc or folder').count()).resolves.toBe(0);
    } finally {
      await bare.close();
    }
  });

  it('logged no errors (no CSP violation, no failed request)', () => {
    // The 422 of the previous test is the expected answer to a location that cannot be opened.
    expect(problems.filter((p) => p !== '422 /api/scan')).toEqual([]);
  });
});
