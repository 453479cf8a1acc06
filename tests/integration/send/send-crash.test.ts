import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Manifest } from '../../../shared/deid-types';
import { buildInstance, testUid, writeFile } from '../../fixtures/build-dicom';
import { BIN, runBin } from '../../support/cli';
import { startOrthanc, type OrthancServer } from '../../support/orthanc';
import { expectServerHolds } from '../upload/helpers';
import { sha256 } from '../upload/job-fixture';

/** The manifest's instances as UID → sha256 of the job's file: what the server must hold, exactly. */
function expected(job: string): Map<string, string> {
  const m = JSON.parse(fs.readFileSync(path.join(job, 'manifest.json'), 'utf8')) as Manifest;
  return new Map(m.instances.map((i) => [i.sopInstanceUID, sha256(fs.readFileSync(path.join(job, i.file)))]));
}

describe('cleardisc send: one command from disc to review service, surviving a kill', () => {
  let orthanc: OrthancServer;
  let tmp: string;
  let disc: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    orthanc = await startOrthanc();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-send-'));
    disc = path.join(tmp, 'disc');
    // 80 CT slices of 256×256×16 (~10 MB): enough batches to be killed between them.
    for (let i = 1; i <= 80; i++) {
      writeFile(
        disc,
        `DICOM/S1/IM${String(i).padStart(3, '0')}`,
        buildInstance({
          sopInstanceUID: testUid(80, 1, i),
          studyInstanceUID: testUid(80),
          seriesInstanceUID: testUid(80, 1),
          instanceNumber: i,
          rows: 256,
          columns: 256,
          patientName: 'Crash^Carla',
          patientId: 'CC-1234',
        }),
      );
    }
    env = {
      CLEARDISC_HOME: path.join(tmp, 'home'),
      CLEARDISC_USER: orthanc.user,
      CLEARDISC_PASSWORD: orthanc.password,
    };
  });

  afterAll(async () => {
    await orthanc?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  beforeEach(async () => orthanc.reset());

  it('sends a disc end to end and prints one JSON document', async () => {
    const r = await runBin(['send', disc, '--to', orthanc.dicomWebUrl, '--case', 'SEND-OK', '--json'], env);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    const job = path.join(tmp, 'home', 'jobs', 'SEND-OK');
    expect(doc).toMatchObject({ job, stored: 80, failed: [], studies: [{ instances: 80 }] });
    expect(fs.existsSync(doc.receipt)).toBe(true);
    await expectServerHolds(orthanc, expected(job));
    // Nothing identifying went to the terminal.
    expect(r.err + r.out).not.toMatch(/Crash|Carla|CC-1234/);
  });

  it('after SIGKILL in the middle of the upload, running again completes with every image exactly once', async () => {
    const job = path.join(tmp, 'home', 'jobs', 'SEND-KILL');
    const journal = path.join(job, 'upload-journal.ndjson');
    const child = spawn(
      process.execPath,
      [BIN, 'send', disc, '--to', orthanc.dicomWebUrl, '--case', 'SEND-KILL', '--json'],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Kill as soon as the first batch is being sent (the journal says so), before the job can finish.
    const killed = await new Promise<boolean>((resolve) => {
      const t = setInterval(() => {
        if (fs.existsSync(journal) && fs.readFileSync(journal, 'utf8').includes('"sending"')) {
          clearInterval(t);
          child.kill('SIGKILL');
          resolve(true);
        }
      }, 2);
      child.on('exit', () => {
        clearInterval(t);
        resolve(false);
      });
    });
    expect(killed).toBe(true);
    await new Promise((r) => child.on('close', r));
    expect(fs.existsSync(path.join(job, 'receipt.json'))).toBe(false);
    const before = await orthanc.instanceCount();
    expect(before).toBeLessThan(80);

    const again = await runBin(
      ['send', disc, '--to', orthanc.dicomWebUrl, '--case', 'SEND-KILL', '--json'],
      env,
    );
    expect(again.code).toBe(0);
    expect(again.err).toContain('Resuming case SEND-KILL');
    expect(JSON.parse(again.out)).toMatchObject({ stored: 80, failed: [] });
    await expectServerHolds(orthanc, expected(job));
  });

  it('refuses a plain-HTTP service that is not on this computer, before reading anything', async () => {
    const r = await runBin(
      ['send', disc, '--to', 'http://review.example.org/dicom-web', '--case', 'X1'],
      env,
    );
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
