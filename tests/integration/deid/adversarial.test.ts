import { everyStudy } from '../../support/every-study';
/**
 * Adversarial discs: identity placed where the engine or the second lock might not look, each run through the
 * whole pipeline (scan → plan → deidentify → second lock). Every test names the leak (identity in an output the
 * second lock passed) or the break (an image held back for no good reason) it guards against.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileRecordStore } from '../../../main/core/deid/case-record';
import { makePlan } from '../../../main/core/deid/plan';
import { deidentify, type DeidResult } from '../../../main/core/deid/run';
import { bufferSource, readHeader } from '../../../main/core/dicom/read-header';
import { parseDataSet } from '../../../main/core/dicom/parse';
import { charsetsOf, findElement, textValue } from '../../../main/core/dicom/values';
import { scan } from '../../../main/core/scan/scan';
import { encodeRaw, grayscalePixelModule, part10, uid } from '../../fixtures/raw-dicom';
import {
  buildInstance,
  IMPLICIT_LE,
  testUid,
  writeFile,
  type InstanceSpec,
} from '../../fixtures/build-dicom';

const CASE = 'ADV-CASE-01';

interface Run {
  result: DeidResult;
  /** Output files, read back. */
  outputs: Buffer[];
}

const tmps: string[] = [];
afterAll(() => {
  for (const t of tmps) fs.rmSync(t, { recursive: true, force: true });
});

async function deid(files: Record<string, Buffer>): Promise<Run> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-adv-'));
  tmps.push(tmp);
  const disc = path.join(tmp, 'disc');
  const out = path.join(tmp, 'out');
  for (const [rel, b] of Object.entries(files)) writeFile(disc, rel, b);
  const scanned = await scan(disc);
  const result = await deidentify(
    makePlan(scanned, { studies: everyStudy(scanned), includeBurnedIn: true }),
    {
      out,
      caseCode: CASE,
      records: fileRecordStore(path.join(tmp, 'records')),
      random: (n) => new Uint8Array(n).fill(5),
      now: () => new Date('2026-01-01T00:00:00Z'),
    },
  );
  return { result, outputs: result.manifest.instances.map((i) => fs.readFileSync(path.join(out, i.file))) };
}

function instance(
  patientName: string,
  extra: Record<string, unknown> = {},
  spec: Partial<InstanceSpec> = {},
): Buffer {
  return buildInstance({
    sopInstanceUID: testUid(88, 1, 1),
    studyInstanceUID: testUid(88),
    seriesInstanceUID: testUid(88, 1),
    patientName,
    patientId: 'PID-884411',
    birthDate: '19471203',
    extra,
    ...spec,
  });
}

/** Tokens found in any output, in ASCII/Latin-1 any case or UTF-8 bytes. */
function found(outputs: Buffer[], tokens: string[]): string[] {
  const hits = new Set<string>();
  for (const b of outputs) {
    const lower = b.toString('latin1').toLowerCase();
    const utf8 = b.toString('utf8').toLowerCase();
    for (const t of tokens)
      if (lower.includes(t.toLowerCase()) || utf8.includes(t.toLowerCase())) hits.add(t);
  }
  return [...hits];
}

async function text(b: Buffer, tag: number): Promise<string> {
  const h = await readHeader(bufferSource(b));
  return textValue(findElement(h.elements, tag), charsetsOf(h.elements));
}

const IMAGE_COMMENTS = 0x00204000;

// ---- raw element helpers (what dcmjs will not write) -------------------------------------------------------------

const padded = (s: string) => Buffer.from(s.length % 2 ? s + ' ' : s, 'latin1');
const explicitEl = (tag: number, vr: string, value: Buffer) =>
  encodeRaw([{ tag, vr, value }], { littleEndian: true, explicitVR: true });
const implicitEl = (tag: number, value: Buffer) =>
  encodeRaw([{ tag, vr: 'UN', value }], { littleEndian: true, explicitVR: false });

function dataSetStart(b: Buffer): number {
  let pos = 132;
  while (b.readUInt16LE(pos) === 0x0002) {
    const vr = b.toString('latin1', pos + 4, pos + 6);
    pos += ['OB', 'UN', 'SQ', 'UT'].includes(vr) ? 12 + b.readUInt32LE(pos + 8) : 8 + b.readUInt16LE(pos + 6);
  }
  return pos;
}

/** Inserts raw bytes before the first top-level element whose tag is above `tag` (or at the end: after Pixel Data). */
function insertAt(part10: Buffer, tag: number, raw: Buffer, explicitVR = true): Buffer {
  const r = parseDataSet(part10, dataSetStart(part10), { littleEndian: true, explicitVR });
  const next = r.elements.find((e) => e.tag >>> 0 > tag >>> 0);
  const at = next ? next.offset : part10.length;
  return Buffer.concat([part10.subarray(0, at), raw, part10.subarray(at)]);
}

/** A CT slice written byte by byte: Specific Character Set as declared, name and descriptions as given. */
function declared(n: number, charset: string | null, name: Buffer, description: Buffer): Buffer {
  const CT = '1.2.840.10008.5.1.4.1.1.2';
  const text = (b: Buffer) => (b.length % 2 ? Buffer.concat([b, Buffer.from(' ')]) : b);
  const els = [
    ...(charset ? [{ tag: 0x00080005, vr: 'CS', value: padded(charset) }] : []),
    { tag: 0x00080016, vr: 'UI', value: uid(CT) },
    { tag: 0x00080018, vr: 'UI', value: uid(testUid(89, 1, n)) },
    { tag: 0x00080060, vr: 'CS', value: padded('CT') },
    { tag: 0x00081030, vr: 'LO', value: text(description) },
    { tag: 0x00100010, vr: 'PN', value: text(name) },
    { tag: 0x00100020, vr: 'LO', value: padded('PID-884411') },
    { tag: 0x0020000d, vr: 'UI', value: uid(testUid(89)) },
    { tag: 0x0020000e, vr: 'UI', value: uid(testUid(89, 1)) },
    { tag: 0x00204000, vr: 'LT', value: text(description) },
    ...grayscalePixelModule({ rows: 2, columns: 2, bitsAllocated: 16, bitsStored: 12 }, true),
    { tag: 0x7fe00010, vr: 'OW', value: Buffer.alloc(8) },
  ];
  return part10(
    { sopClass: CT, sopInstance: testUid(89, 1, n), transferSyntax: '1.2.840.10008.1.2.1' },
    encodeRaw(els, { littleEndian: true, explicitVR: true }),
  );
}

// ---- the cases ---------------------------------------------------------------------------------------------------

describe('adversarial discs', () => {
  it('leak: a birth date written in a comment as 3-Dec-1947, 03.12.47, Dec. 3, 1947, 3rd December 1947 or 1947-12-3', async () => {
    const spellings = [
      '3-Dec-1947',
      '03.12.47',
      'Dec. 3, 1947',
      '3rd December 1947',
      'December 3rd, 1947',
      '1947-12-3',
      '03 DEC 47',
      '3 Dec. 1947',
    ];
    const files: Record<string, Buffer> = {};
    spellings.forEach((s, i) => {
      files[`A/IM${i + 1}`] = instance(
        'Zorblatt^Quentavia',
        { ImageComments: `DOB ${s} per chart` },
        { sopInstanceUID: testUid(88, 1, i + 1), instanceNumber: i + 1 },
      );
    });
    const { result, outputs } = await deid(files);
    expect(result.summary.quarantined).toEqual([]);
    expect(result.summary.written).toBe(spellings.length);
    expect(found(outputs, spellings)).toEqual([]);
    // The rest of the comment survives.
    for (const b of outputs) expect(await text(b, IMAGE_COMMENTS)).toMatch(/^DOB\b.*per chart$/);
  });

  it('leak: a surname with an apostrophe, written with a typographic apostrophe, without it, or split (O’Sullivan, OSullivan, O Sullivan)', async () => {
    const { result, outputs } = await deid({
      'A/IM1': instance("O'Sullivan^Siobhan", {
        ImageComments: 'Seen by O’Sullivan; OSullivan; O Sullivan; D‘Arcy',
      }),
      'A/IM2': instance("D'Arcy^Aoife", {}, { sopInstanceUID: testUid(88, 1, 2), instanceNumber: 2 }),
    });
    expect(result.summary.quarantined).toEqual([]);
    expect(result.summary.written).toBe(2);
    expect(found(outputs, ['Sullivan', 'Arcy', 'Siobhan', 'Aoife'])).toEqual([]);
  });

  it('leak and break: one name in UTF-8 in one value and Latin-1 in another, whatever the file declares', async () => {
    const utf8 = (t: string) => Buffer.from(t, 'utf8');
    const latin1 = (t: string) => Buffer.from(t, 'latin1');
    const name = 'Müller^Jürgen';
    const note = 'CT for Jürgen Müller';
    const { result, outputs } = await deid({
      // Before: the UTF-8 note under a Latin-1 name was sent as it was (leak); the other three were held back.
      'A/declares-utf8-latin1-name': declared(1, 'ISO_IR 192', latin1(name), utf8(note)),
      'A/declares-utf8-latin1-note': declared(2, 'ISO_IR 192', utf8(name), latin1(note)),
      'A/declares-latin1-utf8-note': declared(3, 'ISO_IR 100', latin1(name), utf8(note)),
      'A/declares-nothing-utf8-note': declared(4, null, latin1(name), utf8(note)),
    });
    expect(result.summary.quarantined).toEqual([]);
    expect(result.summary.written).toBe(4);
    expect(found(outputs, ['Müller', 'Jürgen', 'Muller', 'Jurgen', 'MÃ¼ller', 'JÃ¼rgen'])).toEqual([]);
    for (const o of outputs) expect(await text(o, IMAGE_COMMENTS)).toBe('CT for');
  });

  it('leak: a family name of several words written joined in text (Mc Donald → McDonald)', async () => {
    const { result, outputs } = await deid({
      'A/IM1': instance('Mc Donald^Ronald', { ImageComments: 'Discussed with McDonald family' }),
    });
    expect(result.summary.quarantined).toEqual([]);
    expect(found(outputs, ['McDonald', 'Ronald'])).toEqual([]);
    expect(await text(outputs[0], IMAGE_COMMENTS)).toBe('Discussed with family');
  });

  it('leak: identity in a non-image element of a bulk-data group ((6020,3000), (7FE0,0020) after Pixel Data) is searched', async () => {
    const name = 'Zorblatt^Quentavia';
    const notOverlay = insertAt(instance(name), 0x60203000, explicitEl(0x60203000, 'OB', padded('Zorblatt')));
    const afterPixels = insertAt(
      instance(name, {}, { sopInstanceUID: testUid(88, 1, 2), instanceNumber: 2 }),
      0x7fe00020,
      explicitEl(0x7fe00020, 'OB', padded('Quentavia')),
    );
    const { result, outputs } = await deid({ 'A/IM1': notOverlay, 'A/IM2': afterPixels });
    // (6020,3000) matches the overlay-data row as written (60xx) and goes; the engine keeps the unknown binary
    // (7FE0,0020), so the second lock must hold that one back.
    expect(found(outputs, ['Zorblatt', 'Quentavia'])).toEqual([]);
    expect(result.summary.written).toBe(1);
    expect(result.summary.quarantined.map((q) => q.reason)).toEqual(['identity-found']);
  });

  it('break: safe private text in an implicit VR file (read as UN) is cleaned like in an explicit file, not quarantined', async () => {
    const implicit = instance('Zorblatt^Quentavia', {}, { transferSyntax: IMPLICIT_LE });
    // GEMS_ACQU_01 (0019,xx9E) Internal Pulse Sequence Name: LO in Table E.3.10-1, UN when read implicit.
    const withPrivate = insertAt(
      implicit,
      0x00190010,
      Buffer.concat([
        implicitEl(0x00190010, padded('GEMS_ACQU_01')),
        implicitEl(0x0019109e, padded('FSE Zorblatt')),
      ]),
      false,
    );
    const { result, outputs } = await deid({ 'A/IM1': withPrivate });
    expect(result.summary.quarantined).toEqual([]);
    expect(result.summary.written).toBe(1);
    expect(found(outputs, ['Zorblatt', 'Quentavia'])).toEqual([]);
    // The safe value itself survives, cleaned.
    expect(outputs[0].includes(Buffer.from('FSE'))).toBe(true);
  });
});
