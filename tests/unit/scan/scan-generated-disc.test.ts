import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scan, summarize } from '../../../main/core/scan/scan';
import {
  buildDicomdir,
  buildInstance,
  IMPLICIT_LE,
  stripMeta,
  testUid,
  US_IMAGE,
  writeFile,
  type InstanceSpec,
} from '../../fixtures/build-dicom';

/** Snapshot of every file's bytes and mtime, to prove the scan never writes to the source. */
function fingerprint(root: string): string {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) out.push(`${p} -> ${fs.readlinkSync(p)}`);
      else if (e.isDirectory()) visit(p);
      else {
        const st = fs.statSync(p);
        out.push(`${p} ${st.size} ${st.mtimeMs} ${fs.readFileSync(p).toString('base64').length}`);
      }
    }
  };
  visit(root);
  return out.join('\n');
}

describe('scan of a generated disc', () => {
  let tmp: string;
  let root: string;
  const study = testUid(1);
  const series = testUid(1, 1);
  const ct = (n: number, extra: Partial<InstanceSpec> = {}): InstanceSpec => ({
    sopInstanceUID: testUid(1, 1, n),
    studyInstanceUID: study,
    seriesInstanceUID: series,
    instanceNumber: n,
    patientName: 'Müller^Jürgen',
    patientId: 'PID-77',
    ...extra,
  });

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-scan-'));
    root = path.join(tmp, 'disc');
    // Three CT images listed in an upper-case DICOMDIR but stored in lower case, as Linux mounts discs.
    const listed = [0, 1, 2].map((n) => ({ fileId: ['PT0', 'ST0', 'SE0', `IM${n}`], spec: ct(n + 1) }));
    for (const e of listed)
      writeFile(root, `pt0/st0/se0/im${e.spec.instanceNumber! - 1}`, buildInstance(e.spec));
    // The DICOMDIR also lists a file that is not on the disc, and one with a path escaping the root.
    writeFile(
      root,
      'DICOMDIR',
      buildDicomdir([
        ...listed,
        { fileId: ['PT0', 'ST0', 'SE0', 'IM9'], spec: ct(10) },
        { fileId: ['..', 'secret'], spec: ct(11) },
      ]),
    );
    // Unlisted images: a second series with an image extension, and preamble-less files (explicit and implicit).
    writeFile(
      root,
      'extra/photo.jpg',
      buildInstance({
        ...ct(4),
        seriesInstanceUID: testUid(1, 2),
        sopClassUID: US_IMAGE,
        modality: 'US',
        seriesNumber: 2,
      }),
    );
    writeFile(root, 'old/IMG0001', stripMeta(buildInstance(ct(5))));
    writeFile(root, 'old/IMG0002', stripMeta(buildInstance({ ...ct(6), transferSyntax: IMPLICIT_LE })));
    // A second patient on the same disc.
    writeFile(
      root,
      'other/x.dcm',
      buildInstance({
        sopInstanceUID: testUid(2, 1, 1),
        studyInstanceUID: testUid(2),
        seriesInstanceUID: testUid(2, 1),
        patientName: 'Roe^Richard',
        patientId: 'PID-99',
        studyDate: '20230505',
        modality: 'MR',
      }),
    );
    // Junk a real disc carries.
    writeFile(root, 'AUTORUN.INF', '[autorun]\r\nopen=viewer.exe\r\n');
    writeFile(root, 'viewer/viewer.exe', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4000, 7)]));
    writeFile(root, 'README.TXT', 'Insert the disc and run viewer.exe');
    writeFile(root, 'fake.dcm', Buffer.alloc(2000, 0x41));
    writeFile(root, 'empty.dcm', Buffer.alloc(0));
    const whole = buildInstance(ct(7));
    writeFile(root, 'broken/cut-in-header.dcm', whole.subarray(0, 300));
    writeFile(root, 'broken/cut-in-pixels.dcm', whole.subarray(0, whole.length - 10));
    const garbled = Buffer.from(whole);
    garbled.fill(0xff, 140, 400);
    writeFile(root, 'broken/garbled.dcm', garbled);
    // A copy of an image already read, and links: one leaving the disc, one looping back.
    writeFile(root, 'copy/im0-copy', buildInstance({ ...ct(1), transferSyntax: IMPLICIT_LE }));
    // Two different images under one UID (a device fault, or two discs merged): which is right cannot be told.
    const clash = { ...ct(8), sopInstanceUID: testUid(3, 1, 1) };
    writeFile(root, 'clash/a.dcm', buildInstance(clash));
    writeFile(
      root,
      'clash/b.dcm',
      buildInstance({ ...clash, patientName: 'Roe^Richard', patientId: 'PID-99' }),
    );
    writeFile(tmp, 'outside/secret.dcm', buildInstance(ct(12)));
    fs.symlinkSync(path.join(tmp, 'outside', 'secret.dcm'), path.join(root, 'link-out.dcm'));
    fs.symlinkSync(root, path.join(root, 'old', 'loop'));
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('indexes every instance, lists every other file with a reason, and changes nothing', async () => {
    const before = fingerprint(root);
    const s = summarize(await scan(root));
    expect(fingerprint(root)).toBe(before);

    expect(s.dicomdir).toBe('DICOMDIR');
    expect(s.instances).toBe(7);
    expect(s.files).toBe(s.instances + s.skipped.length + 1);
    expect(s.skipped).toEqual([
      { path: 'AUTORUN.INF', reason: 'not-dicom' },
      { path: 'README.TXT', reason: 'not-dicom' },
      { path: 'broken/cut-in-header.dcm', reason: 'truncated' },
      { path: 'broken/cut-in-pixels.dcm', reason: 'truncated' },
      { path: 'broken/garbled.dcm', reason: 'corrupt' },
      { path: 'clash/a.dcm', reason: 'conflicting-instance' },
      { path: 'clash/b.dcm', reason: 'conflicting-instance' },
      { path: 'copy/im0-copy', reason: 'duplicate-instance' },
      { path: 'empty.dcm', reason: 'empty' },
      { path: 'fake.dcm', reason: 'not-dicom' },
      { path: 'link-out.dcm', reason: 'outside-root' },
      { path: 'old/loop', reason: 'link-loop' },
      { path: 'viewer/viewer.exe', reason: 'not-dicom' },
    ]);
    expect(s.dicomdirProblems).toEqual([
      { path: '../secret', reason: 'outside-root' },
      { path: 'PT0/ST0/SE0/IM9', reason: 'missing-dicomdir-file' },
    ]);

    expect(s.multiplePatients).toBe(true);
    expect(s.patients).toEqual(
      expect.arrayContaining([
        { patientName: 'Müller^Jürgen', patientId: 'PID-77', birthDate: '19600101' },
        { patientName: 'Roe^Richard', patientId: 'PID-99', birthDate: '19600101' },
      ]),
    );
    expect(s.studies.map((st) => [st.studyInstanceUID, st.instances, st.modalities])).toEqual([
      [testUid(2), 1, ['MR']],
      [study, 6, ['CT', 'US']],
    ]);
    const ctStudy = s.studies[1];
    expect(ctStudy.accessionNumber).toBe('ACC12345');
    expect(ctStudy.series.map((se) => [se.seriesInstanceUID, se.instances, se.burnedInRisk])).toEqual([
      [series, 5, false],
      [testUid(1, 2), 1, true],
    ]);
    expect(ctStudy.bytes).toBe(ctStudy.series.reduce((n, se) => n + se.bytes, 0));
  });

  it('reads only headers: a small fraction of the bytes', async () => {
    const big = path.join(tmp, 'big');
    for (let i = 0; i < 5; i++) {
      writeFile(big, `im${i}`, buildInstance({ ...ct(100 + i), rows: 256, columns: 256 }));
    }
    const r = await scan(big);
    expect(r.instances).toHaveLength(5);
    expect(r.bytesRead / r.bytesTotal).toBeLessThan(0.05);
  });

  it('rejects a root that is not a readable folder', async () => {
    await expect(scan(path.join(tmp, 'nope'))).rejects.toMatchObject({ code: 'unreadable' });
    await expect(scan(path.join(root, 'AUTORUN.INF'))).rejects.toMatchObject({ code: 'unreadable' });
  });
});
