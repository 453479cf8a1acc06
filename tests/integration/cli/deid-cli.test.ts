// The `cleardisc deid` contract (issue 4, "CLI contract"): one JSON document with --json, every source file
// written, excluded or quarantined with a reason, and one-line errors with a non-zero exit otherwise.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildEncapsulatedDocument,
  buildInstance,
  testUid,
  US_IMAGE,
  writeFile,
} from '../../fixtures/build-dicom';
import { runCli } from '../../support/cli';

interface DeidJson {
  written: number;
  excluded: Array<{ path: string; reason: string }>;
  quarantined: Array<{ path: string; reason: string }>;
  studies: Array<{ studyInstanceUID: string; instances: number; bytes: number }>;
}

const NEW_UID = /^2\.25\.[1-9][0-9]*$/;
const byPath = <T extends { path: string }>(xs: T[]): T[] =>
  [...xs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

/** Every .dcm file written under `out` (quarantine excluded), relative path → size. */
function writtenFiles(out: string): Map<string, number> {
  const files = new Map<string, number>();
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!(d === out && e.name === 'quarantine')) visit(p);
      } else if (e.name.endsWith('.dcm')) files.set(path.relative(out, p), fs.statSync(p).size);
    }
  };
  visit(out);
  return files;
}

describe('cleardisc deid', () => {
  let tmp: string;
  let disc: string;
  let home: string;
  let runs = 0;
  const ctStudy = testUid(60);
  const otherStudy = testUid(61);
  const CT_FILES = ['CT/IM1', 'CT/IM2', 'CT/IM3'];
  const US_FILE = 'OTHER/US1';
  const PDF_FILE = 'OTHER/DOC1';

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-deid-cli-'));
    disc = path.join(tmp, 'disc');
    home = path.join(tmp, 'home');
    CT_FILES.forEach((rel, i) =>
      writeFile(
        disc,
        rel,
        buildInstance({
          sopInstanceUID: testUid(60, 1, i + 1),
          studyInstanceUID: ctStudy,
          seriesInstanceUID: testUid(60, 1),
          instanceNumber: i + 1,
          patientName: 'Rossi^Mario',
          patientId: 'PID-4242',
        }),
      ),
    );
    // Ultrasound without Burned In Annotation: its pixels may show the name, so it is left out by default.
    writeFile(
      disc,
      US_FILE,
      buildInstance({
        sopInstanceUID: testUid(61, 1, 1),
        studyInstanceUID: otherStudy,
        seriesInstanceUID: testUid(61, 1),
        sopClassUID: US_IMAGE,
        modality: 'US',
        studyDate: '20240305',
        studyDescription: 'US ABDOMEN',
        patientName: 'Rossi^Mario',
        patientId: 'PID-4242',
      }),
    );
    // An Encapsulated PDF in the same study: never written, whatever the person chooses.
    writeFile(
      disc,
      PDF_FILE,
      buildEncapsulatedDocument({
        sopInstanceUID: testUid(61, 2, 1),
        studyInstanceUID: otherStudy,
        seriesInstanceUID: testUid(61, 2),
        studyDate: '20240305',
        patientName: 'Rossi^Mario',
        patientId: 'PID-4242',
        seriesNumber: 2,
      }),
    );
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Runs `deid` into a fresh output folder with case CASE-1; returns the parsed JSON and the folder. */
  async function deid(...extra: string[]) {
    const out = path.join(tmp, `out-${++runs}`);
    const r = await runCli(['deid', disc, '--out', out, '--json', '--case', 'CASE-1', ...extra], {
      CLEARDISC_HOME: home,
    });
    expect({ code: r.code, err: r.code === 0 ? '' : r.err }).toEqual({ code: 0, err: '' });
    // Exactly one JSON document on stdout, nothing else.
    const doc = JSON.parse(r.out) as DeidJson;
    // Bytes per study are the real sizes of the files written, and nothing else was written.
    const files = writtenFiles(out);
    expect(files.size).toBe(doc.written);
    expect(doc.studies.reduce((n, s) => n + s.bytes, 0)).toBe([...files.values()].reduce((n, b) => n + b, 0));
    expect(doc.studies.reduce((n, s) => n + s.instances, 0)).toBe(doc.written);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.complete).toBe(true);
    for (const s of doc.studies) {
      const inStudy = manifest.instances.filter(
        (i: { studyInstanceUID: string }) => i.studyInstanceUID === s.studyInstanceUID,
      );
      expect(inStudy).toHaveLength(s.instances);
      expect(
        inStudy.reduce((n: number, i: { file: string; bytes: number }) => {
          expect(files.get(path.join(...i.file.split('/')))).toBe(i.bytes);
          return n + i.bytes;
        }, 0),
      ).toBe(s.bytes);
    }
    return { doc, out, stderr: r.err };
  }

  let ctNewUid: string;

  it('writes the CT study under a new UID and leaves out the ultrasound and the PDF with their reasons', async () => {
    const { doc } = await deid();
    expect(doc).toEqual({
      written: 3,
      excluded: expect.any(Array),
      quarantined: [],
      studies: [
        { studyInstanceUID: expect.stringMatching(NEW_UID), instances: 3, bytes: expect.any(Number) },
      ],
      // Extra fields are allowed by the contract.
      out: expect.any(String),
      caseCode: 'CASE-1',
      keptFreeText: expect.any(Array),
    });
    expect(byPath(doc.excluded)).toEqual([
      { path: PDF_FILE, reason: 'encapsulated-document' },
      { path: US_FILE, reason: 'burned-in-risk' },
    ]);
    ctNewUid = doc.studies[0].studyInstanceUID;
    expect(ctNewUid).not.toBe(ctStudy);
    expect(doc.studies[0].bytes).toBeGreaterThan(0);
  });

  it('--study restricts to that study; the others are not-selected', async () => {
    const { doc } = await deid('--study', ctStudy);
    expect(doc.written).toBe(3);
    expect(doc.quarantined).toEqual([]);
    expect(byPath(doc.excluded)).toEqual([
      { path: PDF_FILE, reason: 'not-selected' },
      { path: US_FILE, reason: 'not-selected' },
    ]);
    // Same case, same secret: the same new Study UID as the first run.
    expect(doc.studies).toEqual([{ studyInstanceUID: ctNewUid, instances: 3, bytes: expect.any(Number) }]);
  });

  it('--study of the other study with --include-burned-in writes only the ultrasound', async () => {
    const { doc } = await deid('--study', otherStudy, '--include-burned-in');
    expect(doc.written).toBe(1);
    expect(byPath(doc.excluded)).toEqual([
      ...CT_FILES.map((p) => ({ path: p, reason: 'not-selected' })),
      { path: PDF_FILE, reason: 'encapsulated-document' },
    ]);
    expect(doc.studies).toEqual([
      { studyInstanceUID: expect.stringMatching(NEW_UID), instances: 1, bytes: expect.any(Number) },
    ]);
    expect(doc.studies[0].studyInstanceUID).not.toBe(otherStudy);
    expect(doc.studies[0].studyInstanceUID).not.toBe(ctNewUid);
  });

  it('--include-burned-in brings the ultrasound in; the PDF stays out', async () => {
    const { doc } = await deid('--include-burned-in');
    expect(doc.written).toBe(4);
    expect(doc.quarantined).toEqual([]);
    expect(doc.excluded).toEqual([{ path: PDF_FILE, reason: 'encapsulated-document' }]);
    const studies = [...doc.studies].sort((a, b) => b.instances - a.instances);
    expect(studies).toEqual([
      { studyInstanceUID: ctNewUid, instances: 3, bytes: expect.any(Number) },
      { studyInstanceUID: expect.stringMatching(NEW_UID), instances: 1, bytes: expect.any(Number) },
    ]);
    expect(studies[1].studyInstanceUID).not.toBe(otherStudy);
  });

  it('--option retainUIDs=on keeps the original Study UID', async () => {
    const { doc } = await deid('--option', 'retainUIDs=on');
    expect(doc.written).toBe(3);
    expect(doc.quarantined).toEqual([]);
    expect(doc.studies).toEqual([{ studyInstanceUID: ctStudy, instances: 3, bytes: expect.any(Number) }]);
    // The kebab-case spelling is accepted too.
    const kebab = await deid('--option', 'retain-uids=on', '--include-burned-in');
    expect(kebab.doc.written).toBe(4);
    expect(kebab.doc.studies.map((s) => s.studyInstanceUID).sort()).toEqual([ctStudy, otherStudy].sort());
  });

  it('a bad option exits 2 with one line on stderr and writes nothing', async () => {
    for (const bad of ['retainEverything=on', 'retainUIDs=maybe', 'retainUIDs']) {
      const out = path.join(tmp, 'bad-option');
      const r = await runCli(['deid', disc, '--out', out, '--json', '--case', 'CASE-1', '--option', bad], {
        CLEARDISC_HOME: home,
      });
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^cleardisc deid: .*option/);
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  it('a disc with scans of two people prepares nothing until the studies are named with --study', async () => {
    const mixed = path.join(tmp, 'mixed');
    fs.cpSync(disc, mixed, { recursive: true });
    writeFile(
      mixed,
      'NEIGHBOUR/CT1',
      buildInstance({
        sopInstanceUID: testUid(62, 1, 1),
        studyInstanceUID: testUid(62),
        seriesInstanceUID: testUid(62, 1),
        patientName: 'Bianchi^Lucia',
        patientId: 'PID-5151',
      }),
    );
    const out = path.join(tmp, 'mixed-out');
    const r = await runCli(['deid', mixed, '--out', out, '--json', '--case', 'CASE-1'], {
      CLEARDISC_HOME: home,
    });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    const errors = r.err.split('\n').filter((l) => l.startsWith('cleardisc deid:'));
    expect(errors).toEqual([expect.stringMatching(/more than one person.*2 people.*--study UID/)]);
    // The error names no one.
    expect(r.err).not.toMatch(/Rossi|Bianchi|PID-/);
    expect(fs.existsSync(out)).toBe(false);
    const chosen = await runCli(
      ['deid', mixed, '--out', out, '--json', '--case', 'CASE-1', '--study', ctStudy, '--study', testUid(62)],
      { CLEARDISC_HOME: home },
    );
    expect(chosen.code).toBe(0);
    expect((JSON.parse(chosen.out) as DeidJson).written).toBe(4);
  });

  it('an output folder inside the source fails with a one-line error and writes nothing there', async () => {
    const out = path.join(disc, 'cleaned');
    const r = await runCli(['deid', disc, '--out', out, '--json', '--case', 'CASE-1'], {
      CLEARDISC_HOME: home,
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('');
    // stderr may carry progress lines (not a terminal); the error itself is one line.
    const errors = r.err.split('\n').filter((l) => l.startsWith('cleardisc deid:'));
    expect(errors).toEqual([expect.stringContaining('inside the source')]);
    expect(r.err.trim().split('\n').pop()).toBe(errors[0]);
    expect(fs.existsSync(out)).toBe(false);
  });
});
