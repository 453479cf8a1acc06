// What de-identification writes by default: the chosen studies, minus images whose pixels may show identity and
// encapsulated documents, each exclusion with its reason (issue 4, "What is excluded by default").
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makePlan, planKey, studiesByPerson } from '../../../main/core/deid/plan';
import { createHash } from 'node:crypto';
import { scan, type ScanResult } from '../../../main/core/scan/scan';
import type { ManifestExclusion } from '../../../shared/deid-types';
import {
  buildEncapsulatedDocument,
  buildInstance,
  ENCAPSULATED_CDA,
  ENCAPSULATED_PDF,
  SECONDARY_CAPTURE,
  testUid,
  US_IMAGE,
  VL_PHOTOGRAPHIC,
  writeFile,
  type InstanceSpec,
} from '../../fixtures/build-dicom';

const byPath = <T extends { path: string }>(xs: T[]): T[] =>
  [...xs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

describe('makePlan default exclusions', () => {
  let root: string;
  let scanned: ScanResult;
  const studyA = testUid(50);
  const studyB = testUid(51);
  const inA = (series: number, n: number, over: Partial<InstanceSpec> = {}): InstanceSpec => ({
    sopInstanceUID: testUid(50, series, n),
    studyInstanceUID: studyA,
    seriesInstanceUID: testUid(50, series),
    seriesNumber: series,
    instanceNumber: n,
    ...over,
  });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-plan-'));
    // Study A: two plain CT slices, and every kind the defaults leave out.
    writeFile(root, 'a/ct1.dcm', buildInstance(inA(1, 1)));
    writeFile(root, 'a/ct2.dcm', buildInstance(inA(1, 2)));
    writeFile(root, 'a/ct-bia-yes.dcm', buildInstance(inA(1, 3, { extra: { BurnedInAnnotation: 'YES' } })));
    writeFile(root, 'a/us-no-bia.dcm', buildInstance(inA(2, 1, { sopClassUID: US_IMAGE, modality: 'US' })));
    writeFile(
      root,
      'a/us-bia-no.dcm',
      buildInstance(
        inA(2, 2, { sopClassUID: US_IMAGE, modality: 'US', extra: { BurnedInAnnotation: 'NO' } }),
      ),
    );
    writeFile(root, 'a/sc.dcm', buildInstance(inA(3, 1, { sopClassUID: SECONDARY_CAPTURE, modality: 'OT' })));
    writeFile(
      root,
      'a/photo-rvf.dcm',
      buildInstance(
        inA(4, 1, {
          sopClassUID: VL_PHOTOGRAPHIC,
          modality: 'XC',
          extra: { BurnedInAnnotation: 'NO', RecognizableVisualFeatures: 'YES' },
        }),
      ),
    );
    writeFile(
      root,
      'a/ct-rvf.dcm',
      buildInstance(inA(5, 1, { extra: { BurnedInAnnotation: 'NO', RecognizableVisualFeatures: 'YES' } })),
    );
    writeFile(root, 'a/report.pdf.dcm', buildEncapsulatedDocument(inA(6, 1)));
    // A CDA that even declares Burned In Annotation NO is still left out: its text cannot be cleaned.
    writeFile(
      root,
      'a/report.cda.dcm',
      buildEncapsulatedDocument(
        inA(6, 2, { sopClassUID: ENCAPSULATED_CDA, extra: { BurnedInAnnotation: 'NO' } }),
      ),
    );
    // Study B: one CT slice and one ultrasound image.
    writeFile(
      root,
      'b/ct.dcm',
      buildInstance({
        sopInstanceUID: testUid(51, 1, 1),
        studyInstanceUID: studyB,
        seriesInstanceUID: testUid(51, 1),
      }),
    );
    writeFile(
      root,
      'b/us.dcm',
      buildInstance({
        sopInstanceUID: testUid(51, 2, 1),
        studyInstanceUID: studyB,
        seriesInstanceUID: testUid(51, 2),
        sopClassUID: US_IMAGE,
        modality: 'US',
      }),
    );
    writeFile(root, 'readme.txt', 'not an image');
    scanned = await scan(root);
    expect(scanned.instances).toHaveLength(12);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const included = (p: ReturnType<typeof makePlan>) => p.include.map((i) => i.path).sort();

  it('leaves out pixel-risk images and documents, each with its reason; scan skips are carried over', () => {
    const plan = makePlan(scanned);
    expect(byPath(plan.excluded)).toEqual<ManifestExclusion[]>([
      { path: 'a/ct-bia-yes.dcm', reason: 'burned-in-risk' },
      { path: 'a/ct-rvf.dcm', reason: 'burned-in-risk' },
      { path: 'a/photo-rvf.dcm', reason: 'burned-in-risk' },
      { path: 'a/report.cda.dcm', reason: 'encapsulated-document' },
      { path: 'a/report.pdf.dcm', reason: 'encapsulated-document' },
      { path: 'a/sc.dcm', reason: 'burned-in-risk' },
      { path: 'a/us-no-bia.dcm', reason: 'burned-in-risk' },
      { path: 'b/us.dcm', reason: 'burned-in-risk' },
      { path: 'readme.txt', reason: 'not-dicom' },
    ]);
    // An explicit Burned In Annotation NO on ultrasound is trusted.
    expect(included(plan)).toEqual(['a/ct1.dcm', 'a/ct2.dcm', 'a/us-bia-no.dcm', 'b/ct.dcm']);
    // Identity is still collected from every instance, chosen or not.
    expect(plan.all).toHaveLength(12);
    expect(plan.root).toBe(scanned.root);
  });

  it('nothing is dropped silently: every file is included, excluded or skipped exactly once', () => {
    for (const choices of [{}, { studies: [studyB] }, { includeBurnedIn: true }]) {
      const plan = makePlan(scanned, choices);
      const seen = [...plan.include.map((i) => i.path), ...plan.excluded.map((e) => e.path)].sort();
      expect(seen).toEqual(
        [...scanned.instances.map((i) => i.path), ...scanned.skipped.map((s) => s.path)].sort(),
      );
      expect(new Set(seen).size).toBe(seen.length);
    }
  });

  it("lists the disc's DICOMDIR as its index, so every file of the source is accounted for", () => {
    const plan = makePlan({ ...scanned, dicomdir: 'DICOMDIR' });
    expect(plan.excluded.filter((e) => e.path === 'DICOMDIR')).toEqual([
      { path: 'DICOMDIR', reason: 'disc-index' },
    ]);
    expect(makePlan(scanned).excluded.some((e) => e.reason === 'disc-index')).toBe(false);
  });

  it('a study not chosen is left out as not-selected, ahead of any other reason', () => {
    const plan = makePlan(scanned, { studies: [studyB] });
    const notSelected = byPath(plan.excluded.filter((e) => e.reason === 'not-selected')).map((e) => e.path);
    expect(notSelected).toEqual([
      'a/ct-bia-yes.dcm',
      'a/ct-rvf.dcm',
      'a/ct1.dcm',
      'a/ct2.dcm',
      'a/photo-rvf.dcm',
      'a/report.cda.dcm',
      'a/report.pdf.dcm',
      'a/sc.dcm',
      'a/us-bia-no.dcm',
      'a/us-no-bia.dcm',
    ]);
    expect(byPath(plan.excluded.filter((e) => e.reason !== 'not-selected'))).toEqual([
      { path: 'b/us.dcm', reason: 'burned-in-risk' },
      { path: 'readme.txt', reason: 'not-dicom' },
    ]);
    expect(included(plan)).toEqual(['b/ct.dcm']);
    // An empty choice means every study.
    expect(makePlan(scanned, { studies: [] }).excluded).toEqual(makePlan(scanned).excluded);
  });

  it('a chosen study that is not on the disc (a mistyped UID) is an error, not an empty success', () => {
    expect(() => makePlan(scanned, { studies: [studyB, '9.9.9'] })).toThrow(
      expect.objectContaining({ code: 'study-not-found' }),
    );
  });

  it('with scans of more than one person, "everything" is refused: the studies must be chosen', () => {
    const as = (file: string, who: { patientName: string; patientId: string; birthDate?: string }) => ({
      ...scanned,
      instances: scanned.instances.map((i) => (i.path === file ? { ...i, birthDate: '', ...who } : i)),
    });
    const plain = scanned.instances.find((i) => i.path === 'a/ct1.dcm')!;
    const other = as('b/ct.dcm', { patientName: 'Roe^Richard', patientId: 'PID-99' });
    expect(() => makePlan(other)).toThrow(
      expect.objectContaining({ code: 'multiple-patients', detail: '2 people' }),
    );
    // Chosen study by study, as the app asks: the person has looked, so both may go.
    expect(included(makePlan(other, { studies: [studyA, studyB] }))).toContain('b/ct.dcm');
    // One person written with another case, trailing empty components or padding is still one person.
    const sameOne = as('b/ct.dcm', {
      patientName: `${plain.patientName.toLowerCase()}^^ `,
      patientId: plain.patientId,
      birthDate: plain.birthDate,
    });
    expect(included(makePlan(sameOne))).toContain('b/ct.dcm');
    // Someone else's image that is left out anyway (burned-in risk) sends nothing of theirs.
    expect(() => makePlan(as('b/us.dcm', { patientName: 'Roe^Richard', patientId: 'PID-99' }))).not.toThrow();
  });

  it('studiesByPerson splits a batch export person by person, the same way every time', () => {
    const who = (files: string[], patientId: string) => ({
      ...scanned,
      instances: scanned.instances.map((i) => (files.includes(i.path) ? { ...i, patientId } : i)),
    });
    expect(studiesByPerson(scanned)).toEqual([[studyA, studyB]]);
    const two = who(['b/ct.dcm', 'b/us.dcm'], 'PID-99');
    expect(studiesByPerson(two)).toEqual([[studyA], [studyB]]);
    expect(studiesByPerson({ ...two, instances: [...two.instances].reverse() })).toEqual([
      [studyA],
      [studyB],
    ]);
    // One study with scans of two people cannot be split: neither case could be told apart from the other.
    expect(() => studiesByPerson(who(['b/ct.dcm'], 'PID-99'))).toThrow(
      expect.objectContaining({ code: 'multiple-patients' }),
    );
  });

  it('includeBurnedIn brings the pixel-risk images back; encapsulated documents stay out', () => {
    const plan = makePlan(scanned, { includeBurnedIn: true });
    expect(byPath(plan.excluded)).toEqual([
      { path: 'a/report.cda.dcm', reason: 'encapsulated-document' },
      { path: 'a/report.pdf.dcm', reason: 'encapsulated-document' },
      { path: 'readme.txt', reason: 'not-dicom' },
    ]);
    expect(included(plan)).toEqual([
      'a/ct-bia-yes.dcm',
      'a/ct-rvf.dcm',
      'a/ct1.dcm',
      'a/ct2.dcm',
      'a/photo-rvf.dcm',
      'a/sc.dcm',
      'a/us-bia-no.dcm',
      'a/us-no-bia.dcm',
      'b/ct.dcm',
      'b/us.dcm',
    ]);
  });

  it('cleaned pixels also bring them back, and documents still stay out', () => {
    const plan = makePlan(scanned, { pixelsCleaned: true });
    expect(plan.excluded.map((e) => e.reason).sort()).toEqual([
      'encapsulated-document',
      'encapsulated-document',
      'not-dicom',
    ]);
  });

  it('the documents really are the Encapsulated PDF and CDA SOP classes', () => {
    const sop = (p: string) => scanned.instances.find((i) => i.path === p)?.sopClassUID;
    expect(sop('a/report.pdf.dcm')).toBe(ENCAPSULATED_PDF);
    expect(sop('a/report.cda.dcm')).toBe(ENCAPSULATED_CDA);
  });
});

describe('planKey', () => {
  const inst = (uid: string) => ({ sopInstanceUID: uid }) as unknown as ScanResult['instances'][number];
  const plan = (...uids: string[]) => ({ root: '/', include: uids.map(inst), excluded: [], all: [] });
  const A = 'aa'.repeat(32);
  const B = 'bb'.repeat(32);

  it('is the same for the same images and options, whatever their order', () => {
    expect(planKey(plan('1.2.3', '1.2.4'), A)).toBe(planKey(plan('1.2.4', '1.2.3'), A));
    expect(planKey(plan('1.2.3'), A, { retainUIDs: false })).toBe(planKey(plan('1.2.3'), A));
  });

  it('changes with the images, the options and the case secret', () => {
    const base = planKey(plan('1.2.3'), A);
    expect(planKey(plan('1.2.3', '1.2.4'), A)).not.toBe(base);
    expect(planKey(plan('1.2.3'), A, { retainUIDs: true })).not.toBe(base);
    expect(planKey(plan('1.2.3'), B)).not.toBe(base);
  });

  it('cannot be recomputed from the original UIDs alone (it is keyed by the case secret)', () => {
    const unkeyed = createHash('sha256').update('1.2.3\n').digest('hex').slice(0, 16);
    expect(planKey(plan('1.2.3'), A)).not.toBe(unkeyed);
  });
});
