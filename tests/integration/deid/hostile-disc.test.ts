import { everyStudy } from '../../support/every-study';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileRecordStore } from '../../../main/core/deid/case-record';
import { makePlan } from '../../../main/core/deid/plan';
import { deidentify, type DeidResult } from '../../../main/core/deid/run';
import { bufferSource, readHeader } from '../../../main/core/dicom/read-header';
import { asciiValue, charsetsOf, findElement, T, textValue, walk } from '../../../main/core/dicom/values';
import { scan } from '../../../main/core/scan/scan';
import { nodeSourceFs } from '../../../main/core/scan/source-fs';
import { previewFile } from '../../../main/core/deid/preview';
import { verifyFile } from '../../../main/core/verify/second-lock';
import { buildHostileDisc, HOSTILE_TOKENS } from '../../fixtures/hostile-disc';
import { testUid } from '../../fixtures/build-dicom';

/** Every byte spelling of a token worth searching for: ASCII any case, UTF-8. */
function spellings(t: string): Buffer[] {
  return [...new Set([t, t.toUpperCase(), t.toLowerCase()])].map((s) => Buffer.from(s, 'utf8'));
}

describe('a hostile disc: identity hidden everywhere the standard allows', () => {
  let tmp: string;
  let disc: string;
  let out: string;
  let result: DeidResult;
  const outputs = () => result.manifest.instances.map((i) => path.join(out, i.file));

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-hostile-'));
    disc = path.join(tmp, 'disc');
    out = path.join(tmp, 'out');
    buildHostileDisc(disc);
    const scanned = await scan(disc);
    // The two corpus files are secondary captures: the person chose to include them.
    result = await deidentify(makePlan(scanned, { studies: everyStudy(scanned), includeBurnedIn: true }), {
      out,
      caseCode: 'HOSTILE-01',
      records: fileRecordStore(path.join(tmp, 'records')),
      random: (n) => new Uint8Array(n).fill(3),
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes every instance and quarantines none', () => {
    expect(result.summary.written).toBe(6);
    expect(result.summary.quarantined).toEqual([]);
    expect(result.summary.excluded).toEqual([]);
  });

  it('shows, in the preview of what will leave, attributes at every depth and no identity token', async () => {
    for (const inst of result.manifest.instances) {
      const rows = await previewFile(nodeSourceFs, path.join(out, inst.file));
      const text = JSON.stringify(rows).toLowerCase();
      for (const t of HOSTILE_TOKENS)
        expect({ file: inst.file, found: text.includes(t.toLowerCase()) ? t : null }).toEqual({
          file: inst.file,
          found: null,
        });
      expect(rows.find((r) => r.name === 'SOP Instance UID')?.value).toBe(inst.sopInstanceUID);
      expect(rows.find((r) => r.name === 'Patient Name')?.value).toBe('HOSTILE-01');
    }
    const all = (
      await Promise.all(
        result.manifest.instances.map((i) => previewFile(nodeSourceFs, path.join(out, i.file))),
      )
    ).flat();
    expect(all.some((r) => r.depth >= 2)).toBe(true);
  });

  it('leaves not one byte of any identity token in any output file', () => {
    for (const f of outputs()) {
      const bytes = fs.readFileSync(f);
      for (const t of HOSTILE_TOKENS) {
        for (const s of spellings(t))
          expect({ file: path.basename(f), found: bytes.includes(s) ? t : null }).toEqual({
            file: path.basename(f),
            found: null,
          });
      }
    }
  });

  it('removes the ISO 2022 Japanese and Korean names of the corpus files, in every script', async () => {
    const forbidden = [
      'yamada',
      'tarou',
      '山田',
      '太郎',
      'やまだ',
      'たろう',
      'hong',
      'gildong',
      '洪',
      '吉洞',
      '홍',
      '길동',
    ];
    for (const f of outputs()) {
      const h = await readHeader(bufferSource(fs.readFileSync(f)));
      const cs = charsetsOf(h.elements);
      for (const { el } of walk(h.elements)) {
        if (!el.value || ['OB', 'OW', 'UN'].includes(el.vr)) continue;
        const text = textValue(el, cs).toLowerCase();
        for (const w of forbidden) expect(text.includes(w)).toBe(false);
      }
    }
  });

  it('passes the second lock, which does catch every source file', async () => {
    for (const f of outputs()) expect((await verifyFile(f, result.tokens)).ok).toBe(true);
    const sources = fs.readdirSync(disc, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    for (const e of sources) {
      const r = await verifyFile(
        path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name),
        result.tokens,
      );
      expect(r.ok).toBe(false);
    }
  });

  it('keeps references between instances and the frame of reference consistent', async () => {
    const headers = await Promise.all(
      outputs().map(async (f) => readHeader(bufferSource(fs.readFileSync(f)))),
    );
    const uidOf = (h: (typeof headers)[number]) => asciiValue(findElement(h.elements, T.SOPInstanceUID));
    const written = new Set(headers.map(uidOf));
    const ct = headers.filter((h) => asciiValue(findElement(h.elements, T.Modality)) === 'CT');
    expect(ct).toHaveLength(3);
    expect(new Set(ct.map((h) => asciiValue(findElement(h.elements, 0x00200052)))).size).toBe(1);
    let refs = 0;
    for (const h of headers) {
      for (const { el, path: p } of walk(h.elements)) {
        if (el.tag !== 0x00081155) continue;
        const uid = asciiValue(el);
        expect(uid.startsWith('2.25.')).toBe(true);
        // The SR's image reference (Type 1 there) points at an image on the disc.
        if (p.includes(0x0040a730)) {
          expect(written.has(uid)).toBe(true);
          refs++;
        }
      }
    }
    expect(refs).toBe(1);
    // Source Image Sequence is Type 3 in the CT Image IOD, so its X/Z/U* action is X: gone, not remapped.
    for (const h of ct) expect(findElement(h.elements, 0x00082112)).toBeUndefined();
    expect(headers.map(uidOf)).not.toContain(testUid(66, 1, 1));
  });

  it('keeps what the radiologist needs: characteristics, cleaned descriptions, shifted dates, pixels', async () => {
    const ct = result.manifest.instances.filter((i) => i.modality === 'CT');
    const h = await readHeader(bufferSource(fs.readFileSync(path.join(out, ct[0].file))));
    const cs = charsetsOf(h.elements);
    expect(textValue(findElement(h.elements, T.PatientName), cs)).toBe('HOSTILE-01');
    expect(textValue(findElement(h.elements, T.PatientID), cs)).toBe('HOSTILE-01');
    expect(asciiValue(findElement(h.elements, 0x00101010))).toBe('078Y');
    expect(asciiValue(findElement(h.elements, T.PatientSex))).toBe('F');
    expect(textValue(findElement(h.elements, T.StudyDescription), cs)).toBe('CT chest for');
    const studyDate = asciiValue(findElement(h.elements, T.StudyDate));
    expect(studyDate).toMatch(/^\d{8}$/);
    expect(studyDate).not.toBe('20240102');
    expect(asciiValue(findElement(h.elements, 0x00120062))).toBe('YES');
    expect(asciiValue(findElement(h.elements, 0x00280303))).toBe('MODIFIED');
    // No private block of an unknown creator survives.
    expect(h.elements.some((e) => e.tag >>> 16 === 0x0009)).toBe(false);
  });

  it('is byte-identical when the same case is run again', async () => {
    const again = path.join(tmp, 'again');
    const rescanned = await scan(disc);
    const r2 = await deidentify(
      makePlan(rescanned, { studies: everyStudy(rescanned), includeBurnedIn: true }),
      {
        out: again,
        caseCode: 'HOSTILE-01',
        records: fileRecordStore(path.join(tmp, 'records')),
        random: (n) => new Uint8Array(n).fill(9),
        now: () => new Date('2026-02-02T00:00:00Z'),
      },
    );
    expect(r2.manifest.instances.map((i) => [i.file, i.sha256])).toEqual(
      result.manifest.instances.map((i) => [i.file, i.sha256]),
    );
  });

  it('keeps the private record local, with the mapping exports', () => {
    const dir = path.join(tmp, 'records', 'HOSTILE-01');
    const uidCsv = fs.readFileSync(path.join(dir, 'uid_mapping.csv'), 'utf8').split('\n');
    expect(uidCsv[0]).toBe('id_old,id_new');
    expect(uidCsv).toContain(
      `${testUid(66, 1, 1)},${result.manifest.instances.find((i) => i.modality === 'CT' && i.file.endsWith('00001.dcm'))!.sopInstanceUID}`,
    );
    const pid = fs.readFileSync(path.join(dir, 'patid_mapping.csv'), 'utf8');
    expect(pid).toContain('HX-445566,HOSTILE-01');
    // Nothing identifying in the output folder's names or manifest.
    const names = fs.readdirSync(out, { recursive: true }).join('\n');
    for (const t of HOSTILE_TOKENS) expect(names.toLowerCase()).not.toContain(t.toLowerCase());
    const manifest = fs.readFileSync(path.join(out, 'manifest.json'), 'utf8');
    for (const t of HOSTILE_TOKENS) expect(manifest.toLowerCase()).not.toContain(t.toLowerCase());
  });
});
