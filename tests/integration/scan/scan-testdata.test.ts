import * as fs from 'node:fs';
import * as path from 'node:path';
import { scan, summarize } from '../../../main/core/scan/scan';
import { allTestdataFiles, CHARSET_FILES, TESTDATA } from '../../support/testdata';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dicomParser = require('dicom-parser');

describe('scan of the shared corpus of real files', () => {
  let s: ReturnType<typeof summarize>;
  let r: Awaited<ReturnType<typeof scan>>;
  beforeAll(async () => {
    r = await scan(TESTDATA);
    s = summarize(r);
  });

  it('accounts for every file: indexed, the DICOMDIR, or skipped with a reason', () => {
    const files = allTestdataFiles();
    expect(s.files).toBe(files.length);
    expect(s.files).toBe(268);
    expect(s.instances).toBe(169);
    expect(s.files).toBe(s.instances + s.skipped.length + 1);
    expect(s.dicomdir).toBe('pydicom/src/pydicom/data/test_files/dicomdirtests/DICOMDIR');
    const byReason: Record<string, number> = {};
    for (const k of s.skipped) byReason[k.reason] = (byReason[k.reason] ?? 0) + 1;
    expect(byReason).toEqual({
      'not-dicom': 7,
      'duplicate-instance': 38,
      'conflicting-instance': 37,
      'missing-uid': 7,
      truncated: 3,
      'extra-dicomdir': 6,
    });
    const seen = new Set([...r.instances.map((i) => i.path), ...s.skipped.map((k) => k.path), s.dicomdir]);
    for (const f of files) expect(seen.has(path.relative(TESTDATA, f))).toBe(true);
    expect(
      s.skipped
        .filter((k) => k.reason === 'truncated')
        .map((k) => path.basename(k.path))
        .sort(),
    ).toEqual(['DICOMDIR-nooffset', 'MR_truncated.dcm', 'rtplan_truncated.dcm']);
    // pydicom derived these from one file and kept its UID: a 1-frame and a multi-frame image are not copies.
    const conflicting = new Set(
      s.skipped.filter((k) => k.reason === 'conflicting-instance').map((k) => path.basename(k.path)),
    );
    for (const f of ['liver.dcm', 'liver_1frame.dcm', 'rtdose.dcm', 'rtdose_1frame.dcm'])
      expect(conflicting.has(f)).toBe(true);
    expect(r.instances.some((i) => /^(liver|rtdose)(_1frame)?\.dcm$/.test(path.basename(i.path)))).toBe(
      false,
    );
  });

  it('agrees with an independent parser on every instance it can read', () => {
    let compared = 0;
    for (const inst of r.instances) {
      let ds;
      try {
        ds = dicomParser.parseDicom(new Uint8Array(fs.readFileSync(path.join(TESTDATA, inst.path))), {
          untilTag: 'x7fe00010',
        });
      } catch {
        continue; // dicom-parser cannot read files without File Meta and a few odd ones
      }
      compared++;
      expect(inst.sopInstanceUID).toBe(ds.string('x00080018') ?? ds.string('x00020003'));
      if (ds.string('x0020000d') !== undefined) expect(inst.studyInstanceUID).toBe(ds.string('x0020000d'));
      if (ds.string('x00080060') !== undefined) expect(inst.modality).toBe(ds.string('x00080060'));
    }
    expect(compared).toBeGreaterThan(150);
  });

  it('reads only headers', () => {
    // Mostly tiny test files here, whose header is most of the file; the 2% target is measured by the bench.
    expect(r.bytesRead).toBeLessThan(r.bytesTotal * 0.2);
  });

  it('decodes names in every character set of the corpus', async () => {
    const cs = summarize(await scan(CHARSET_FILES));
    const names = cs.patients.map((p) => p.patientName);
    expect(names).toEqual(
      expect.arrayContaining([
        'قباني^لنزار',
        'Buc^Jérôme',
        'Äneas^Rüdiger',
        'Διονυσιος',
        'Yamada^Tarou=山田^太郎=やまだ^たろう',
        'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう',
        'שרון^דבורה',
        'Hong^Gildong=洪^吉洞=홍^길동',
        'やまだ^たろう',
        '김희중',
        'Люкceмбypг',
        'Wang^XiaoDong=王^小東=',
        'Wang^XiaoDong=王^小东=',
      ]),
    );
    expect(cs.multiplePatients).toBe(true);
  });

  it('flags burned-in risk on ultrasound with burned-in text', () => {
    const us = r.instances.filter((i) => /gdcm-US-ALOKA-16|OBXXXX1A/.test(i.path));
    expect(us.length).toBeGreaterThan(0);
    for (const i of us) expect(i.burnedInRisk).toBe(true);
    const ct = r.instances.find((i) => i.path.endsWith('CT_small.dcm'));
    expect(ct?.burnedInRisk).toBe(false);
  });
});
