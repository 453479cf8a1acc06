// The app's send (the API both the desktop window and `cleardisc serve` use), against a real Orthanc: the
// review service is set once and, when remembered, kept encrypted (safeStorage is a fake here: Electron's
// binary is not available) and used again after a restart; the chosen study of a real disc arrives whole and
// byte-identical; a second send stores nothing twice; a wrong password stops with a plain sentence.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SendStatus } from '../../../shared/send-types';
import { createApiHandlers, type ApiHandlers } from '../../../main/app/handlers';
import { SEND_MESSAGES } from '../../../main/app/send-task';
import { safeStorageCredentials } from '../../../main/electron/credentials';
import type { Manifest } from '../../../shared/deid-types';
import { TEST_FILES, requireTestdata } from '../../support/testdata';
import { startOrthanc, type OrthancServer } from '../../support/orthanc';
import { fakeSafeStorage } from '../../support/fake-safe-storage';

jest.setTimeout(120_000);

/** Polls until the send reaches one of `phases`. */
async function until(api: ApiHandlers, phases: SendStatus['phase'][]): Promise<SendStatus> {
  for (;;) {
    const s = await api.sendStatus();
    if (s && phases.includes(s.phase)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}
const finished = (api: ApiHandlers) => until(api, ['done', 'stopped']);

/** Waits for the review, says "send", and waits for the end. */
async function sendAfterReview(api: ApiHandlers): Promise<SendStatus> {
  const review = await until(api, ['review', 'stopped']);
  if (review.phase === 'review') await api.confirmSend();
  return finished(api);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('sending from the app', () => {
  let orthanc: OrthancServer;
  let tmp: string;
  let disc: string;
  let home: string;
  let store: string;
  const app = (password = true) =>
    createApiHandlers({
      version: () => '1.0.0',
      credentials: password ? safeStorageCredentials(fakeSafeStorage(), store) : undefined,
      send: { env: { CLEARDISC_HOME: home }, upload: { maxAttempts: 2 } },
    });

  beforeAll(async () => {
    requireTestdata();
    orthanc = await startOrthanc();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-app-send-'));
    home = path.join(tmp, 'home');
    store = path.join(tmp, 'user-data', 'service.json');
    // A disc with two real studies (a CT slice and an MR slice from pydicom's test files).
    disc = path.join(tmp, 'disc');
    fs.mkdirSync(path.join(disc, 'DICOM'), { recursive: true });
    fs.copyFileSync(path.join(TEST_FILES, 'CT_small.dcm'), path.join(disc, 'DICOM', 'IM0001'));
    fs.copyFileSync(path.join(TEST_FILES, 'MR_small.dcm'), path.join(disc, 'DICOM', 'IM0002'));
  });
  afterAll(async () => {
    await orthanc?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('keeps remembered sign-in details encrypted, and uses them after a restart', async () => {
    const first = app();
    expect(await first.getService()).toEqual({ service: null, canRemember: true });
    const set = await first.setService({
      serviceUrl: orthanc.dicomWebUrl,
      signIn: 'password',
      user: orthanc.user,
      password: orthanc.password,
      remember: true,
    });
    expect(set).toEqual({
      service: {
        serviceUrl: orthanc.dicomWebUrl.replace(/\/+$/, ''),
        signIn: 'password',
        user: orthanc.user,
        remembered: true,
      },
      canRemember: true,
    });
    // The page never gets the password back, and the file on disk never holds it in the clear.
    expect(JSON.stringify(set)).not.toContain(orthanc.password);
    const onDisk = fs.readFileSync(store, 'utf8');
    expect(onDisk).not.toContain(orthanc.password);
    expect(onDisk).not.toContain(orthanc.user);

    // "Restart": a new API over the same store.
    const second = app();
    expect((await second.getService()).service).toMatchObject({ user: orthanc.user, remembered: true });
    const scanned = await second.scan(disc);
    expect(scanned.studies).toHaveLength(2);
    const ct = scanned.studies.find((s) => s.modalities.includes('CT'))!;

    const started = await second.startSend({ source: disc, studies: [ct.studyInstanceUID] });
    expect(started.phase).toBe('reading');
    await expect(second.startSend({ source: disc, studies: [ct.studyInstanceUID] })).rejects.toThrow(
      SEND_MESSAGES.busy,
    );
    // Prepared, nothing sent yet: the review shows every attribute of the image as it will leave.
    const review = await until(second, ['review']);
    expect(await orthanc.instanceCount()).toBe(0);
    const rows = review.preview!.samples[0].attributes;
    expect(rows.find((a) => a.name === 'Patient Name')).toEqual({
      tag: '(0010,0010)',
      name: 'Patient Name',
      value: review.caseCode,
      depth: 0,
    });
    expect(rows.find((a) => a.name === 'Patient Identity Removed')?.value).toBe('YES');
    expect(rows.at(-1)).toMatchObject({
      name: 'Pixel Data',
      value: expect.stringMatching(/^\(the image itself, /),
    });
    expect(JSON.stringify(review.preview)).not.toMatch(/CompressedSamples|Lastname|Firstname/i);
    expect(review.preview!.studies).toEqual([expect.objectContaining({ modalities: ['CT'], images: 1 })]);
    await second.confirmSend();
    await expect(second.confirmSend()).rejects.toThrow(SEND_MESSAGES.notInReview);
    const done = await finished(second);
    expect(done).toMatchObject({
      phase: 'done',
      result: {
        complete: true,
        stored: 1,
        failed: 0,
        studies: [{ modalities: ['CT'], images: 1 }],
        leftOut: [{ reason: 'not-selected', count: 1 }],
      },
    });
    expect(done.caseCode).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(fs.existsSync(done.result!.receipt!)).toBe(true);
    // Nothing the page sees names the patient.
    expect(JSON.stringify(done)).not.toMatch(/CompressedSamples|Lastname|Firstname/i);

    // The service holds exactly the manifest's one instance, byte-identical to the job's file.
    const job = path.dirname(done.result!.receipt!);
    const manifest = JSON.parse(fs.readFileSync(path.join(job, 'manifest.json'), 'utf8')) as Manifest;
    const held = await orthanc.listInstances();
    expect(held.map((i) => i.sopInstanceUID)).toEqual([manifest.instances[0].sopInstanceUID]);
    expect(sha(await orthanc.instanceFile(held[0].id))).toBe(manifest.instances[0].sha256);

    // Sending the same choice again carries on with the same case: nothing is stored twice.
    await second.startSend({ source: disc, studies: [ct.studyInstanceUID] });
    const again = await sendAfterReview(second);
    expect(again).toMatchObject({ phase: 'done', caseCode: done.caseCode, result: { stored: 1 } });
    expect(await orthanc.instanceCount()).toBe(1);

    // A prepared copy damaged between two tries (a disk error, another program) is made again, not refused
    // at every try: byte-identical to the first, and still nothing stored twice.
    const prepared = path.join(job, manifest.instances[0].file);
    const damaged = fs.readFileSync(prepared);
    damaged[damaged.length - 100] ^= 0xff;
    fs.writeFileSync(prepared, damaged);
    await second.startSend({ source: disc, studies: [ct.studyInstanceUID] });
    const healed = await sendAfterReview(second);
    expect(healed).toMatchObject({
      phase: 'done',
      caseCode: done.caseCode,
      result: { stored: 1, failed: 0 },
    });
    expect(sha(fs.readFileSync(prepared))).toBe(manifest.instances[0].sha256);
    expect(await orthanc.instanceCount()).toBe(1);

    // Forgetting removes the details from this computer too.
    expect(await second.forgetService()).toEqual({ service: null, canRemember: true });
    expect(fs.existsSync(store)).toBe(false);
    await expect(second.startSend({ source: disc, studies: [ct.studyInstanceUID] })).rejects.toThrow(
      SEND_MESSAGES.noService,
    );
  });

  it('stops with a plain sentence when the service refuses the sign-in, and sends nothing', async () => {
    await orthanc.reset();
    const api = app(false);
    const state = await api.setService({
      serviceUrl: orthanc.dicomWebUrl,
      signIn: 'password',
      user: orthanc.user,
      password: 'not-the-password',
      remember: true,
    });
    // Without a safe store the details last for this session only, and the page is told why.
    expect(state).toMatchObject({ service: { remembered: false }, canRemember: false });
    expect(state.notice).toMatch(/no secure place/);
    const scanned = await api.scan(disc);
    // "Don't send" at the review: nothing leaves, and the person is told so.
    await api.startSend({ source: disc, studies: scanned.studies.map((s) => s.studyInstanceUID) });
    await until(api, ['review']);
    await api.cancelSend();
    expect(await finished(api)).toMatchObject({ phase: 'stopped', message: SEND_MESSAGES.cancelled });

    await api.startSend({ source: disc, studies: scanned.studies.map((s) => s.studyInstanceUID) });
    const s = await sendAfterReview(api);
    expect(s).toMatchObject({ phase: 'stopped', message: SEND_MESSAGES.signIn });
    expect(await orthanc.instanceCount()).toBe(0);
  });

  it('refuses requests it cannot act on, saying what to fix', async () => {
    const api = app(false);
    await expect(
      api.setService({ serviceUrl: 'http://review.example/dicom-web', signIn: 'none', remember: false }),
    ).rejects.toThrow(/unencrypted http/);
    await expect(
      api.setService({ serviceUrl: orthanc.dicomWebUrl, signIn: 'password', user: 'a:b', password: 'x' }),
    ).rejects.toThrow(/":"/);
    await api.setService({ serviceUrl: orthanc.dicomWebUrl, signIn: 'none', remember: false });
    await expect(api.startSend({ source: disc, studies: [] })).rejects.toThrow(SEND_MESSAGES.noStudies);
    await expect(api.startSend({ source: 'relative/disc', studies: ['1.2.3'] })).rejects.toThrow(
      'Please choose a folder, or type its full location.',
    );
    await expect(api.startSend({ source: disc, studies: ['not a uid'] })).rejects.toThrow(
      SEND_MESSAGES.badRequest,
    );
  });
});
