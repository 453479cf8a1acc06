// Sending, end to end: the built page in the system's Chromium, `cleardisc serve`'s server in this process,
// and a real Orthanc as the review service. A disc holding two people's scans starts with nothing chosen; the
// person picks one study, says where to send it, sends, and sees the case code and the receipt, while the
// service ends up holding exactly that study's image, byte-identical to the job's copy.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Manifest } from '../../shared/deid-types';
import { startServer, type RunningServer } from '../../main/serve/server';
import { launchBrowser, requireBuiltPageAndChromium, STATIC_DIR } from '../support/browser';
import { startOrthanc, type OrthancServer } from '../support/orthanc';
import { requireTestdata, TEST_FILES } from '../support/testdata';

const SCREENSHOT =
  process.env.CLEARDISC_E2E_SEND_SCREENSHOT || path.join(os.tmpdir(), 'cleardisc-e2e-send.png');
const TOKEN = 'e2e-send-' + Math.random().toString(16).slice(2).padEnd(16, '0');

describe('sending from the page (cleardisc serve)', () => {
  let tmp: string | undefined;
  let disc: string;
  let orthanc: OrthancServer | undefined;
  let server: RunningServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let problems: string[] = [];

  beforeAll(async () => {
    requireBuiltPageAndChromium();
    requireTestdata();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-e2e-send-'));
    // Two real slices from pydicom's test files: a CT and an MR, of two different (test) people.
    disc = path.join(tmp, 'disc');
    fs.mkdirSync(path.join(disc, 'DICOM'), { recursive: true });
    fs.copyFileSync(path.join(TEST_FILES, 'CT_small.dcm'), path.join(disc, 'DICOM', 'IM0001'));
    fs.copyFileSync(path.join(TEST_FILES, 'MR_small.dcm'), path.join(disc, 'DICOM', 'IM0002'));
    orthanc = await startOrthanc();
    server = await startServer({
      staticDir: STATIC_DIR,
      token: TOKEN,
      deps: { version: () => '0.1.0-e2e', send: { env: { CLEARDISC_HOME: path.join(tmp, 'home') } } },
    });
    ({ context, page, problems } = await launchBrowser(path.join(tmp, 'profile')));
  }, 60_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await orthanc?.stop().catch(() => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('sends the one study chosen, and the service holds exactly its image', async () => {
    await page.goto(server!.pageUrl);
    await page.getByLabel('Location of the disc or folder').fill(disc);
    await page.getByRole('button', { name: 'Look for scans' }).click();
    const send = page.getByRole('region', { name: 'Send for a second opinion' });
    await send.waitFor();

    // Two people on the disc: nothing is chosen for them, so nothing can be sent yet.
    const ct = send.getByRole('checkbox', { name: /CT scan/ });
    const mr = send.getByRole('checkbox', { name: /MRI scan/ });
    await expect(ct.isChecked()).resolves.toBe(false);
    await expect(mr.isChecked()).resolves.toBe(false);
    await expect(send.getByRole('button', { name: 'Send 0 images' }).isDisabled()).resolves.toBe(true);
    await ct.check();

    // Where to send: a browser session has no safe store, so there is no "remember" box.
    await send.getByLabel('Address of the review service').fill(orthanc!.dicomWebUrl);
    await send.getByLabel('User name', { exact: true }).fill(orthanc!.user);
    await send.getByLabel('Password', { exact: true }).fill(orthanc!.password);
    await expect(send.getByRole('checkbox', { name: /Remember/ }).count()).resolves.toBe(0);
    await send.getByRole('button', { name: 'Save' }).click();
    await send.getByText(`signed in as ${orthanc!.user}`).waitFor();
    await expect(send.getByText('kept only until ClearDisc is closed').isVisible()).resolves.toBe(true);
    // The password is gone from the page once saved.
    expect(await page.content()).not.toContain(orthanc!.password);

    await send.getByRole('button', { name: 'Send 1 image' }).click();
    // Prepared, not sent: the page shows exactly what will leave, and waits for the person's answer.
    await send
      .getByRole('heading', { name: 'Check what will leave this computer' })
      .waitFor({ timeout: 60_000 });
    expect(await orthanc!.instanceCount()).toBe(0);
    await send.getByText(/Everything that is written in one image/).click();
    const nameRow = send.getByRole('row', { name: /Patient Name \(0010,0010\)/ });
    const shownCode = (await nameRow.getByRole('cell').nth(1).textContent())?.trim();
    expect(shownCode).toMatch(/^[A-Za-z0-9_-]{4,32}$/);
    // Private attributes kept by the safe-private option are shown too, with the block they belong to.
    await send.getByRole('row', { name: /Private Creator \(0019,0010\) GEMS_ACQU_01/ }).waitFor();
    // The names on the disc ("… CompressedSamples") are shown above, to the person; never in what leaves.
    expect(await send.locator('.review').textContent()).not.toMatch(/CompressedSamples/);
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-review.png'), fullPage: true });
    // The MR study was not chosen: the review says so before anything leaves.
    await expect(send.getByText('1 file is left out. Why?').isVisible()).resolves.toBe(true);
    await send.getByRole('button', { name: 'Send now' }).click();
    const outcome = send.getByRole('heading', { name: 'Your images were sent' });
    await outcome.waitFor({ timeout: 60_000 });
    // Focus moves to the outcome, so a keyboard or screen-reader user lands on it.
    await page.waitForFunction(
      `document.activeElement && document.activeElement.textContent === 'Your images were sent'`,
    );
    await expect(
      send.getByText('The review service confirmed it received 1 image from 1 study.').isVisible(),
    ).resolves.toBe(true);
    await expect(send.getByText('1 file was not sent. Why?').isVisible()).resolves.toBe(true);
    const caseCode = (await send.locator('.case-code').textContent())?.trim() ?? '';
    expect(caseCode).toBe(shownCode);
    const receipt = (await send.getByText(/receipt\.html$/).textContent())?.trim() ?? '';
    expect(fs.existsSync(receipt)).toBe(true);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // The service holds the chosen study's one image, byte-identical to the job's file; the MR stayed home.
    const manifest = JSON.parse(
      fs.readFileSync(path.join(path.dirname(receipt), 'manifest.json'), 'utf8'),
    ) as Manifest;
    expect(manifest.caseCode).toBe(caseCode);
    expect(manifest.instances.map((i) => i.modality)).toEqual(['CT']);
    const held = await orthanc!.listInstances();
    expect(held.map((i) => i.sopInstanceUID)).toEqual([manifest.instances[0].sopInstanceUID]);
    const bytes = await orthanc!.instanceFile(held[0].id);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.instances[0].sha256);

    // Looking at a disc again starts afresh: the earlier outcome is not shown as if it were this one's.
    const looked = page.waitForResponse((r) => r.url().endsWith('/api/send/status'));
    await page.getByRole('button', { name: 'Look for scans' }).click();
    await looked;
    await send.getByRole('button', { name: 'Send 0 images' }).waitFor();
    await page.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))`);
    await expect(send.getByRole('heading', { name: 'Your images were sent' }).count()).resolves.toBe(0);
  });

  it('logged no errors (no CSP violation, no failed request)', () => {
    expect(problems).toEqual([]);
  });
});
