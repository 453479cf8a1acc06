import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseJournal } from '../../../main/core/upload/journal';
import type { Manifest } from '../../../shared/deid-types';
import { buildInstance, testUid, writeFile } from '../../fixtures/build-dicom';
import { BIN, cliEnv, runBin } from '../../support/cli';
import { startFaultProxy } from '../../support/fault-proxy';
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
    env = cliEnv(orthanc, tmp);
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

  it('after SIGKILL in the middle of the upload, running again sends only what was not stored, every image exactly once', async () => {
    const job = path.join(tmp, 'home', 'jobs', 'SEND-KILL');
    const journalFile = path.join(job, 'upload-journal.ndjson');
    const readEntries = (from = 0) =>
      parseJournal(
        fs.existsSync(journalFile) ? fs.readFileSync(journalFile).subarray(from).toString('utf8') : '',
      ).entries;
    // The proxy forwards the first STOW request and holds every later one (never answered before the kill):
    // at the kill exactly one batch is on the server and the rest are in flight, whatever the timing.
    const proxy = await startFaultProxy(orthanc.restUrl, [
      { on: 'stow', index: 0, fault: { kind: 'delay', ms: 0 } },
      { on: 'stow', index: 'all', fault: { kind: 'stall', ms: 120_000 } },
    ]);
    try {
      const argv = [
        BIN,
        'send',
        disc,
        '--to',
        proxy.dicomWebUrl,
        '--case',
        'SEND-KILL',
        '--batch-mb',
        '2',
        '--json',
      ];
      const child = spawn(process.execPath, argv, {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let childErr = '';
      child.stderr.on('data', (d) => (childErr += d));
      const closed = new Promise((r) => child.on('close', r));
      // SIGKILL once the journal says a batch is stored (its lines are written after the server's answer).
      const killed = await new Promise<boolean>((resolve) => {
        const deadline = Date.now() + 40_000;
        const t = setInterval(() => {
          if (readEntries().some((e) => e.state === 'stored')) {
            clearInterval(t);
            resolve(child.kill('SIGKILL'));
          } else if (Date.now() > deadline) {
            clearInterval(t);
            child.kill('SIGKILL');
            resolve(false);
          }
        }, 5);
        child.on('exit', () => {
          clearInterval(t);
          resolve(false);
        });
      });
      await closed;
      expect([killed, childErr]).toEqual([true, expect.any(String)]);
      expect(fs.existsSync(path.join(job, 'receipt.json'))).toBe(false);

      // What the journal recorded as stored before the kill is exactly what the server holds: some, not all.
      const all = expected(job);
      const storedBefore = new Set(
        readEntries()
          .filter((e) => e.state === 'stored')
          .map((e) => e.sop),
      );
      expect(storedBefore.size).toBeGreaterThan(0);
      expect(storedBefore.size).toBeLessThan(all.size);
      const atKill = await orthanc.instanceCount();
      expect(atKill).toBeGreaterThan(0);
      expect(atKill).toBeLessThan(all.size);
      await expectServerHolds(orthanc, new Map([...all].filter(([sop]) => storedBefore.has(sop))));

      // Run again (service healthy): only the instances not stored before the kill go out, once each.
      proxy.setRules([]);
      const journalBytes = fs.statSync(journalFile).size;
      const requestsBefore = proxy.requests.length;
      const again = await runBin(
        ['send', disc, '--to', proxy.dicomWebUrl, '--case', 'SEND-KILL', '--batch-mb', '2', '--json'],
        env,
      );
      expect(again.code).toBe(0);
      expect(again.err).toContain('Resuming case SEND-KILL');
      expect(JSON.parse(again.out)).toMatchObject({ stored: all.size, failed: [] });

      const notStored = [...all.keys()].filter((sop) => !storedBefore.has(sop)).sort();
      const appended = readEntries(journalBytes);
      const sentAgain = appended.filter((e) => e.state === 'sending').map((e) => e.sop);
      expect(sentAgain.filter((sop) => storedBefore.has(sop))).toEqual([]);
      expect([...sentAgain].sort()).toEqual(notStored);
      const storedAgain = appended.filter((e) => e.state === 'stored').map((e) => e.sop);
      expect([...storedAgain].sort()).toEqual(notStored);
      // The wire agrees with the journal: the second run's STOW requests carried each remaining image once.
      const wire = proxy
        .seen('stow')
        .filter((r) => r.n >= requestsBefore)
        .flatMap((r) => r.sops);
      expect([...wire].sort()).toEqual(notStored);

      // The server holds exactly the manifest, byte-identical, none twice.
      await expectServerHolds(orthanc, all);
    } finally {
      await proxy.stop();
    }
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
