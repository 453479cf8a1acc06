// `cleardisc send` as a person or a script uses it, in-process against the real Orthanc behind a local HTTPS
// front: without --case a stopped send resumes as the same case (nothing reaches the service twice under two
// pseudonyms), --ca-file trusts a hospital's certificate, --json always prints one document, and progress is
// a bar on a terminal and plain lines elsewhere.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../main/cli/main';
import type { UploadJson } from '../../../main/cli/upload-command';
import { buildInstance, testUid, writeFile } from '../../fixtures/build-dicom';
import { cliEnv } from '../../support/cli';
import { startOrthanc, type OrthancServer } from '../../support/orthanc';
import { startTlsFront, type TlsFront } from '../../support/tls-front';

jest.setTimeout(60_000);

const TLS = path.join(__dirname, '..', '..', 'fixtures', 'tls');

async function send(argv: string[], env: Record<string, string>, isTTY = false) {
  let out = '';
  let err = '';
  const code = await main(['send', ...argv], {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: { ...process.env, ...env },
    isTTY,
  });
  return { code, out, err };
}

describe('cleardisc send from the command line', () => {
  let orthanc: OrthancServer;
  let front: TlsFront | undefined;
  let httpsUrl: string;
  let tmp: string;
  let disc: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    orthanc = await startOrthanc();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-send-cli-'));
    disc = path.join(tmp, 'disc');
    // Study 1: three CT slices; study 2: two.
    for (const [study, n] of [
      [1, 3],
      [2, 2],
    ]) {
      for (let i = 1; i <= n; i++)
        writeFile(
          disc,
          `DICOM/ST${study}/IM${i}`,
          buildInstance({
            sopInstanceUID: testUid(600 + study, 1, i),
            studyInstanceUID: testUid(600 + study),
            seriesInstanceUID: testUid(600 + study, 1),
            instanceNumber: i,
            patientName: 'Resume^Rita',
            patientId: 'RR-6060',
          }),
        );
    }
    // A TLS front for the real Orthanc, with a certificate no system trusts (like a hospital's own CA).
    front = await startTlsFront(orthanc.restUrl, {
      key: fs.readFileSync(path.join(TLS, 'loopback.key')),
      cert: fs.readFileSync(path.join(TLS, 'loopback.crt')),
    });
    httpsUrl = `https://127.0.0.1:${front.port}${new URL(orthanc.dicomWebUrl).pathname}`;
    env = cliEnv(orthanc, tmp);
  });

  afterAll(async () => {
    await front?.close();
    await orthanc?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('without --case: a stopped send prints one JSON document, and the next run carries on as the same case', async () => {
    // No --ca-file: the certificate is not trusted, the upload stops before sending anything.
    const stopped = await send([disc, '--to', httpsUrl, '--json'], env);
    expect(stopped.code).toBe(1);
    const doc = JSON.parse(stopped.out) as UploadJson;
    expect(doc).toMatchObject({ complete: false, total: 5, stored: 0, receipt: null });
    expect(doc.error).toMatch(/certificate/i);
    expect(stopped.err.trim().split('\n').pop()).toMatch(/^cleardisc send: .*certificate/i);
    const caseCode = path.basename(doc.job);
    expect(caseCode).toMatch(/^CD-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await orthanc.instanceCount()).toBe(0);

    // The same command with the hospital's certificate: the same case, its prepared images, all confirmed.
    const ca = ['--ca-file', path.join(TLS, 'loopback.crt')];
    const resumed = await send([disc, '--to', httpsUrl, ...ca, '--json'], env);
    expect(resumed.err).toContain(`These images were started before as case ${caseCode}`);
    expect(resumed.err).toContain(`Resuming case ${caseCode}`);
    expect(resumed.code).toBe(0);
    const done = JSON.parse(resumed.out) as UploadJson;
    expect(done).toMatchObject({ job: doc.job, complete: true, total: 5, stored: 5, failed: [] });
    expect(done.error).toBeUndefined();
    expect(await orthanc.instanceCount()).toBe(5);

    // Once more: still that case, still five images at the service (not ten under a second pseudonym).
    const again = await send([disc, '--to', httpsUrl, ...ca, '--json'], env);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.out) as UploadJson).job).toBe(doc.job);
    expect(await orthanc.instanceCount()).toBe(5);

    // Another selection of the same disc is another case.
    const one = await send([disc, '--to', httpsUrl, ...ca, '--study', testUid(601), '--json'], env);
    expect(one.code).toBe(0);
    expect(one.err).not.toContain('started before');
    expect(path.basename((JSON.parse(one.out) as UploadJson).job)).not.toBe(caseCode);
    expect(await orthanc.instanceCount()).toBe(8);

    // What send remembers names no patient and no original UID.
    const memory = path.join(env.CLEARDISC_HOME, 'send');
    const remembered = fs
      .readdirSync(memory)
      .map((f) => f + fs.readFileSync(path.join(memory, f), 'utf8'))
      .join('');
    for (const secret of ['Rita', 'RR-6060', testUid(601), testUid(602)])
      expect(remembered).not.toContain(secret);
  });

  it('on a terminal: a bar for preparing and for sending, each on its own updating line', async () => {
    const c = await send([disc, '--to', orthanc.dicomWebUrl, '--case', 'TTY-BAR'], env, true);
    expect(c.code).toBe(0);
    expect(c.err).toContain(`\r[${'#'.repeat(20)}] 100% Removing personal information: 5/5 images\x1b[K\n`);
    expect(c.err).toMatch(/\r\[[#-]{20}\] +\d+% Sending \d\/5 images/);
    expect(c.err).toContain('Done: 5/5 images sent.');
    expect(c.out).toContain('All 5 images of 2 studies are with the review service');
  });

  it('not on a terminal: plain lines, no bar and no carriage returns', async () => {
    const c = await send([disc, '--to', orthanc.dicomWebUrl, '--case', 'PLAIN-LINES'], env);
    expect(c.code).toBe(0);
    expect(c.err).not.toContain('\r');
    expect(c.err).not.toContain('[#');
    expect(c.err).toMatch(/^Removing personal information: \d\/5 images/m);
    expect(c.err).toMatch(/^Sending 0\/5 images/m);
    expect(c.err).toMatch(/^Done: 5\/5 images sent\.$/m);
  });

  it('the same --case for another study later: a job of its own, sent, not the earlier one resumed', async () => {
    const start = await orthanc.instanceCount();
    const first = await send(
      [disc, '--to', orthanc.dicomWebUrl, '--case', 'SAME-1', '--study', testUid(601), '--json'],
      env,
    );
    expect(first.code).toBe(0);
    const firstJob = (JSON.parse(first.out) as UploadJson).job;
    expect(firstJob).toBe(path.join(env.CLEARDISC_HOME, 'jobs', 'SAME-1'));
    expect(await orthanc.instanceCount()).toBe(start + 3);

    const second = await send(
      [disc, '--to', orthanc.dicomWebUrl, '--case', 'SAME-1', '--study', testUid(602), '--json'],
      env,
    );
    expect(second.code).toBe(0);
    expect(second.err).not.toContain('Resuming');
    const secondDoc = JSON.parse(second.out) as UploadJson;
    expect(secondDoc.job).toMatch(new RegExp(`${firstJob}-[0-9a-f]{8}$`));
    expect(secondDoc).toMatchObject({ complete: true, total: 2, stored: 2 });
    expect(await orthanc.instanceCount()).toBe(start + 5);

    // Each choice resumes its own job.
    const again = await send(
      [disc, '--to', orthanc.dicomWebUrl, '--case', 'SAME-1', '--study', testUid(602), '--json'],
      env,
    );
    expect(again.err).toContain('Resuming case SAME-1');
    expect((JSON.parse(again.out) as UploadJson).job).toBe(secondDoc.job);
    expect(await orthanc.instanceCount()).toBe(start + 5);
  });

  it('never resumes the wrong job or wipes a prepared one when the disc is gone or empty', async () => {
    // Two choices of the same case were prepared by the previous test (SAME-1 and SAME-1-<plan>).
    const gone = path.join(tmp, 'ejected');
    const r = await send([gone, '--to', orthanc.dicomWebUrl, '--case', 'SAME-1', '--json'], env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/more than one prepared job; put the disc back in/);

    // An explicit job folder and an empty mount point (the disc taken out): the prepared job is resumed as it
    // is, not "prepared again" from nothing (which would delete it).
    const job = path.join(tmp, 'kept-job');
    const first = await send([disc, '--to', orthanc.dicomWebUrl, '--case', 'KEEP-1', '--out', job], env);
    expect(first.code).toBe(0);
    const files = (fs.readdirSync(job, { recursive: true }) as string[]).filter((f) => f.endsWith('.dcm'));
    expect(files).toHaveLength(5);
    const empty = path.join(tmp, 'empty-mount');
    fs.mkdirSync(empty);
    const again = await send([empty, '--to', orthanc.dicomWebUrl, '--case', 'KEEP-1', '--out', job], env);
    expect(again.code).toBe(0);
    expect(again.err).toContain('Resuming case KEEP-1');
    expect((fs.readdirSync(job, { recursive: true }) as string[]).filter((f) => f.endsWith('.dcm'))).toEqual(
      files,
    );
    expect(fs.existsSync(path.join(job, 'receipt.json'))).toBe(true);

    // A prepared image damaged since (a disk error, another program): with the disc gone, the job is kept
    // and the person told to put the disc back; with the disc, the images are prepared again, byte-identical.
    const damagedFile = path.join(job, files[2]);
    const intact = fs.readFileSync(damagedFile);
    fs.writeFileSync(damagedFile, intact.subarray(0, intact.length - 10));
    const absent = await send([empty, '--to', orthanc.dicomWebUrl, '--case', 'KEEP-1', '--out', job], env);
    expect(absent.err).toContain(`Prepared images damaged or missing in ${job}: 1. Put the disc back in`);
    expect((fs.readdirSync(job, { recursive: true }) as string[]).filter((f) => f.endsWith('.dcm'))).toEqual(
      files,
    );
    const back = await send([disc, '--to', orthanc.dicomWebUrl, '--case', 'KEEP-1', '--out', job], env);
    expect(back.err).toContain(`Prepared images damaged or missing in ${job}: 1. They are prepared again.`);
    expect(back.code).toBe(0);
    expect(fs.readFileSync(damagedFile).equals(intact)).toBe(true);
  });

  it('without --case, the order of --option flags does not make a new case', async () => {
    const opts = ['--option', 'retain-safe-private=off', '--option', 'clean-graphics=on'];
    const a = await send([disc, '--to', orthanc.dicomWebUrl, ...opts, '--json'], env);
    expect(a.code).toBe(0);
    const flipped = [...opts.slice(2), ...opts.slice(0, 2)];
    const b = await send([disc, '--to', orthanc.dicomWebUrl, ...flipped, '--json'], env);
    expect(b.code).toBe(0);
    expect(b.err).toContain('These images were started before as case');
    expect((JSON.parse(b.out) as UploadJson).job).toBe((JSON.parse(a.out) as UploadJson).job);
  });
});
