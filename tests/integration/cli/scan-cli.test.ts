import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildInstance, testUid, writeFile } from '../../fixtures/build-dicom';
import { runBin, runCli } from '../../support/cli';

describe('cleardisc scan', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-cli-'));
    for (let i = 1; i <= 3; i++) {
      writeFile(
        root,
        `DISC/IM${i}`,
        buildInstance({
          sopInstanceUID: testUid(7, 1, i),
          studyInstanceUID: testUid(7),
          seriesInstanceUID: testUid(7, 1),
          instanceNumber: i,
        }),
      );
    }
    writeFile(root, 'readme.txt', 'hello');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('prints exactly one JSON document with the contract fields (built binary)', async () => {
    const r = await runBin(['scan', root, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({
      root,
      files: 4,
      instances: 3,
      dicomdir: null,
      patients: [{ patientName: 'Doe^Jane', patientId: 'PID0001', birthDate: '19600101' }],
      skipped: [{ path: 'readme.txt', reason: 'not-dicom' }],
    });
    expect(doc.studies).toHaveLength(1);
    expect(doc.studies[0]).toMatchObject({
      studyInstanceUID: testUid(7),
      patientId: 'PID0001',
      studyDate: '20240102',
      studyDescription: 'CT CHEST',
      accessionNumber: 'ACC12345',
      modalities: ['CT'],
      instances: 3,
    });
    expect(doc.studies[0].series[0]).toMatchObject({
      seriesInstanceUID: testUid(7, 1),
      modality: 'CT',
      instances: 3,
      burnedInRisk: false,
    });
    expect(doc.files).toBe(doc.instances + doc.skipped.length);
  });

  it('prints a readable summary without --json', async () => {
    const r = await runCli(['scan', root]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Found 3 images in 4 files');
    expect(r.out).toContain('CT CHEST');
  });

  it("prints a command's usage for --help and runs nothing", async () => {
    for (const name of ['scan', 'deid', 'upload', 'send', 'watch', 'serve']) {
      const r = await runCli([name, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^usage: cleardisc ${name} `));
      expect(r.err).toBe('');
    }
  });

  it('exits 2 with one line for bad arguments or an unreadable root', async () => {
    const missing = await runCli(['scan', path.join(root, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    const noArg = await runCli(['scan']);
    expect(noArg.code).toBe(2);
    const badFlag = await runCli(['scan', root, '--bogus']);
    expect(badFlag.code).toBe(2);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
  });
});
