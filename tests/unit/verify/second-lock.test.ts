import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildIdentityTokens,
  dateForms,
  type IdentityTokens,
} from '../../../main/core/verify/identity-tokens';
import { verifyBuffer, verifyFile, type VerifyHit } from '../../../main/core/verify/second-lock';
import { encodeElements, encodeFileMeta } from '../../../main/core/dicom/write';
import { el, seq } from '../deid/helpers';
import {
  CT_IMAGE,
  EXPLICIT_LE,
  IMPLICIT_LE,
  SECONDARY_CAPTURE,
  buildInstance,
  testUid,
} from '../../fixtures/build-dicom';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs');
const { DicomDict, DicomMetaDictionary } = dcmjs.data;

const TESTDATA = '/work/shared/testdata';
const CHARSET_DIR = path.join(TESTDATA, 'pydicom/src/pydicom/data/charset_files');

const ORIGINAL_UID = testUid(555, 1);
const IDENTITY = {
  names: ['Müller^Jürgen'],
  ids: ['PAT-4711'],
  dates: ['19600101'],
  texts: ['ACC98765', 'St. Elsewhere Hospital'],
  uids: [ORIGINAL_UID],
};
const tokens = buildIdentityTokens(IDENTITY);

type Raw = Record<string, { vr: string; Value: unknown[] }>;

const arrayBuffer = (b: Uint8Array): ArrayBuffer =>
  b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** A Part 10 file: anonymous base attributes, plus `natural` (dcmjs keywords) and `raw` (tag → {vr, Value}). */
function part10(natural: Record<string, unknown> = {}, raw: Raw = {}, ts = EXPLICIT_LE): Buffer {
  const sop = testUid(7, 1);
  const meta = DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SECONDARY_CAPTURE,
    MediaStorageSOPInstanceUID: sop,
    TransferSyntaxUID: ts,
    ImplementationClassUID: '1.2.826.0.1.3680043.9.7433.1.1',
  });
  const dict = new DicomDict(meta);
  dict.dict = {
    ...DicomMetaDictionary.denaturalizeDataset({
      SpecificCharacterSet: 'ISO_IR 192', // dcmjs writes UTF-8
      SOPClassUID: SECONDARY_CAPTURE,
      SOPInstanceUID: sop,
      Modality: 'OT',
      PatientName: 'Anon^Ymous',
      PatientID: 'ANON01',
      ...natural,
    }),
    ...raw,
  };
  return Buffer.from(dict.write());
}

/** Implicit VR little-endian sequence items, as a UN value holds them (PS3.5 6.2.2). */
function implicitSequence(items: Array<Array<[tag: number, value: Buffer]>>): Buffer {
  const parts: Buffer[] = [];
  for (const elements of items) {
    const body = Buffer.concat(
      elements.map(([tag, value]) => {
        const h = Buffer.alloc(8);
        h.writeUInt16LE(tag >>> 16, 0);
        h.writeUInt16LE(tag & 0xffff, 2);
        h.writeUInt32LE(value.length, 4);
        return Buffer.concat([h, value]);
      }),
    );
    const item = Buffer.alloc(8);
    item.writeUInt16LE(0xfffe, 0);
    item.writeUInt16LE(0xe000, 2);
    item.writeUInt32LE(body.length, 4);
    parts.push(item, body);
  }
  return Buffer.concat(parts);
}

const hit = (tag: string, p: string, kind: VerifyHit['kind'], token: VerifyHit['token']): VerifyHit => ({
  tag,
  path: p,
  kind,
  token,
});

/** Results must be loggable: no token text anywhere in them. */
function expectNoIdentity(result: unknown): void {
  const s = JSON.stringify(result).toLowerCase();
  for (const t of [
    'müller',
    'muller',
    'mueller',
    'jürgen',
    'jurgen',
    'pat-4711',
    'acc98765',
    'elsewhere',
    '1960',
    ORIGINAL_UID,
  ])
    expect(s).not.toContain(t);
}

describe('buildIdentityTokens', () => {
  it('splits every PN group and component, with transliterations, and drops titles and single letters', () => {
    const t = buildIdentityTokens({
      names: ['Müller^Jürgen=ミュラー^ユルゲン', 'Smith-Jones^John^P^Dr.^Jr', 'Li^Wei'],
    });
    expect(t.texts).toEqual(
      expect.arrayContaining([
        'Müller',
        'Jürgen',
        'Mueller',
        'Juergen',
        'ミュラー',
        'ユルゲン',
        'Smith-Jones',
        'Smith',
        'Jones',
        'John',
        'Li',
        'Wei',
      ]),
    );
    for (const dropped of ['P', 'Dr.', 'Jr']) expect(t.texts).not.toContain(dropped);
    expect(new Set(t.textCategories)).toEqual(new Set(['name']));
    expect(new Set(t.texts).size).toBe(t.texts.length);
  });

  it('expands dates into written forms', () => {
    const forms = dateForms('19600102');
    for (const f of [
      '19600102',
      '1960-01-02',
      '1960/01/02',
      '02/01/1960',
      '01/02/1960',
      '02.01.1960',
      '02-01-1960',
      '02 jan 1960',
      'jan 2, 1960',
      '2 january 1960',
    ])
      expect(forms).toContain(f);
    expect(dateForms('19601302')).toEqual([]);
  });

  it('keeps IDs and texts with a separator-free variant, drops registered UIDs, de-duplicates', () => {
    const t = buildIdentityTokens({
      ids: ['123-45-678', '123-45-678'],
      texts: ['+1 (555) 010-9999', 'Welby^Marcus'],
      uids: ['1.2.840.10008.5.1.4.1.1.2', ORIGINAL_UID, ` ${ORIGINAL_UID}\0`],
    });
    expect(t.texts).toEqual(
      expect.arrayContaining([
        '123-45-678',
        '12345678',
        '+1 (555) 010-9999',
        '15550109999',
        'Welby',
        'Marcus',
      ]),
    );
    expect(t.texts.filter((x) => x === '123-45-678')).toHaveLength(1);
    expect(t.uids).toEqual([ORIGINAL_UID]);
  });
});

describe('verifyBuffer finds identity hidden anywhere', () => {
  const cases: Array<[what: string, file: () => Buffer, expected: VerifyHit]> = [
    [
      'a sequence nested 3 levels deep',
      () =>
        part10({
          ContentSequence: [{ ContentSequence: [{ ContentSequence: [{ PersonName: 'Müller^Jürgen' }] }] }],
        }),
      hit('0040A123', '0040A730[0].0040A730[0].0040A730[0].0040A123', 'text', 'name'),
    ],
    [
      'a private tag',
      () =>
        part10(
          {},
          {
            '00090010': { vr: 'LO', Value: ['ACME 1.0'] },
            '00091001': { vr: 'LO', Value: ['old id PAT-4711'] },
          },
        ),
      hit('00091001', '00091001', 'text', 'id'),
    ],
    [
      'a private sequence',
      () =>
        part10(
          {},
          {
            '00110010': { vr: 'LO', Value: ['ACME 1.0'] },
            '00111001': {
              vr: 'SQ',
              Value: [{}, { '00111002': { vr: 'LO', Value: ['St. Elsewhere Hospital'] } }],
            },
          },
        ),
      hit('00111002', '00111001[1].00111002', 'text', 'text'),
    ],
    [
      'an explicit-VR UN element holding an implicit-VR sequence',
      () =>
        part10(
          {},
          {
            '00130010': { vr: 'LO', Value: ['ACME 1.0'] },
            '00131001': {
              vr: 'UN',
              Value: [
                arrayBuffer(
                  implicitSequence([
                    [[0x00080060, Buffer.from('OT')]],
                    [[0x00100010, Buffer.from('MULLER^JURGEN ')]],
                  ]),
                ),
              ],
            },
          },
        ),
      hit('00100010', '00131001[1].00100010', 'text', 'name'),
    ],
    [
      'an SR TextValue (transliterated spelling)',
      () =>
        part10({
          ContentSequence: [{ ValueType: 'TEXT', TextValue: 'Seen today. Juergen Mueller reports no pain.' }],
        }),
      hit('0040A160', '0040A730[0].0040A160', 'text', 'name'),
    ],
    [
      'a UTF-8 name in a file that declares Latin-1 (read as the UTF-8 it is)',
      () => part10({ SpecificCharacterSet: 'ISO_IR 100', ImageComments: 'Jürgen' }),
      hit('00204000', '00204000', 'text', 'name'),
    ],
    [
      'a UTF-8 name in a file that declares Cyrillic (raw bytes pass)',
      () => part10({ SpecificCharacterSet: 'ISO_IR 144', ImageComments: 'Jürgen' }),
      hit('00204000', '00204000', 'raw', 'name'),
    ],
    [
      'the birth date written in a comment',
      () => part10({ ImageComments: 'DOB 01/01/1960.' }),
      hit('00204000', '00204000', 'text', 'date'),
    ],
    [
      'an original UID in ReferencedSOPInstanceUID',
      () =>
        part10({
          ReferencedImageSequence: [
            { ReferencedSOPClassUID: CT_IMAGE, ReferencedSOPInstanceUID: ORIGINAL_UID },
          ],
        }),
      hit('00081155', '00081140[0].00081155', 'uid', 'uid'),
    ],
    [
      'the accession number inside a binary OB private blob',
      () =>
        part10(
          {},
          {
            '00150010': { vr: 'LO', Value: ['BLOBCO'] },
            '00151001': {
              vr: 'OB',
              Value: [
                arrayBuffer(
                  Buffer.concat([
                    Buffer.from([0, 7, 0xff, 8]),
                    Buffer.from('ACC98765'),
                    Buffer.from([0, 0xfe]),
                  ]),
                ),
              ],
            },
          },
        ),
      hit('00151001', '00151001', 'raw', 'text'),
    ],
    [
      'a Latin-1 name in a binary blob of a UTF-8 file (raw bytes pass)',
      () =>
        part10(
          { SpecificCharacterSet: 'ISO_IR 192' },
          {
            '00170010': { vr: 'LO', Value: ['BLOBCO'] },
            '00171001': {
              vr: 'OB',
              Value: [
                arrayBuffer(
                  Buffer.concat([Buffer.from([1, 2]), Buffer.from('Jürgen', 'latin1'), Buffer.from([0, 0])]),
                ),
              ],
            },
          },
        ),
      hit('00171001', '00171001', 'raw', 'name'),
    ],
    [
      'a private sequence in an implicit-VR file (dicom-parser drops its items)',
      () =>
        part10(
          {},
          {
            '00110010': { vr: 'LO', Value: ['ACME 1.0'] },
            '00111001': { vr: 'SQ', Value: [{ '00111002': { vr: 'LO', Value: ['PAT-4711'] } }] },
          },
          IMPLICIT_LE,
        ),
      hit('00111002', '00111001[0].00111002', 'text', 'id'),
    ],
  ];

  it.each(cases)('%s', (_what, file, expected) => {
    const result = verifyBuffer(file(), tokens);
    expect(result.error).toBeUndefined();
    expect(result.hits).toEqual([expected]);
    expect(result.ok).toBe(false);
    expectNoIdentity(result);
  });

  it('passes a clean file', () => {
    const result = verifyBuffer(
      part10({
        ImageComments: 'DOB 01/01/1961',
        ReferencedImageSequence: [
          { ReferencedSOPClassUID: CT_IMAGE, ReferencedSOPInstanceUID: testUid(9, 9) },
        ],
      }),
      tokens,
    );
    expect(result).toEqual({ ok: true, hits: [] });
  });

  it('decodes in the Specific Character Set in force, and folds accents', () => {
    const utf8 = part10({ SpecificCharacterSet: 'ISO_IR 192', OtherPatientNames: 'Müller^Jürgen' });
    for (const names of [['MULLER^JURGEN'], ['Müller'], ['mueller']])
      expect(verifyBuffer(utf8, buildIdentityTokens({ names })).hits).toEqual([
        hit('00101001', '00101001', 'text', 'name'),
      ]);
    // Latin-1 (pydicom sample 'Äneas^Rüdiger'), and an item whose own ISO 2022 Japanese set overrides the UTF-8 data set.
    const germ = fs.readFileSync(path.join(CHARSET_DIR, 'chrGerm.dcm'));
    expect(verifyBuffer(germ, buildIdentityTokens({ names: ['RUDIGER'] })).hits).toEqual([
      hit('00100010', '00100010', 'text', 'name'),
    ]);
    const sq = fs.readFileSync(path.join(CHARSET_DIR, 'chrSQEncoding.dcm'));
    for (const names of [['山田^太郎'], ['ヤマダ']])
      // the file has half-width ﾔﾏﾀﾞ
      expect(verifyBuffer(sq, buildIdentityTokens({ names })).hits).toEqual([
        hit('00100010', '00321064[0].00100010', 'text', 'name'),
      ]);
  });

  it('finds phone numbers and IDs written with other separators in text, not in numbers, dates or times', () => {
    const t = buildIdentityTokens({ ids: ['11-05-25-142825', 'ACC-99812'], texts: ['(555) 123-4567'] });
    for (const text of ['call 555.123.4567', 'tel 123 4567', 'acc 99812', 'ref 11 05 25 142825'])
      expect(verifyBuffer(part10({ ImageComments: text }), t).hits).toEqual([
        hit('00204000', '00204000', 'text', 'id'),
      ]);
    // The ID was made from the study time: the time itself, a slope and a longer number are not the ID.
    expect(
      verifyBuffer(
        part10({ StudyTime: '142825.000000', RescaleSlope: '0.142825', ImageComments: '15551234567890' }),
        t,
      ),
    ).toEqual({ ok: true, hits: [] });
  });

  it('finds the birth date in text in forms no token spells, and text written in UTF-16 inside a blob', () => {
    for (const text of ['born JAN 01 1960', 'DOB 1960年1月1日', 'geb. 1. Januar 1960'])
      expect(verifyBuffer(part10({ ImageComments: text }), tokens).hits).toEqual([
        hit('00204000', '00204000', 'text', 'date'),
      ]);
    expect(verifyBuffer(part10({ ImageComments: 'CT 1.2.60, 2020-01-01' }), tokens)).toEqual({
      ok: true,
      hits: [],
    });
    const xml = Buffer.from('<x><PatientName>Jürgen Müller</PatientName></x>', 'utf16le');
    const blob = Buffer.concat([Buffer.from([1, 2, 3, 4]), xml, Buffer.from([9, 9])]);
    const file = part10(
      {},
      { '00150010': { vr: 'LO', Value: ['BLOBCO'] }, '00151001': { vr: 'OB', Value: [arrayBuffer(blob)] } },
    );
    expect(verifyBuffer(file, tokens).hits).toEqual([hit('00151001', '00151001', 'text', 'name')]);
  });

  it('keeps short tokens to whole words and short numbers out of numbers and UIDs', () => {
    const short = buildIdentityTokens({ names: ['Li^Wei'], ids: ['12'] });
    const clean = part10({
      SeriesDescription: 'Oblique',
      ImageComments: 'slope 3.1234',
      InstanceNumber: 12,
      ReferencedImageSequence: [{ ReferencedSOPClassUID: CT_IMAGE, ReferencedSOPInstanceUID: '1.2.12.3' }],
    });
    expect(verifyBuffer(clean, short)).toEqual({ ok: true, hits: [] });
    expect(verifyBuffer(part10({ ImageComments: 'ID: 12', StudyDescription: 'Dr Li' }), short).hits).toEqual([
      hit('00081030', '00081030', 'text', 'name'),
      hit('00204000', '00204000', 'text', 'id'),
    ]);
    // A UID token matches only the whole UID, not a prefix of a longer one; a sentence-ending dot is fine.
    const uidOnly: IdentityTokens = { texts: [], uids: [testUid(555)] };
    expect(
      verifyBuffer(
        part10({
          ReferencedImageSequence: [
            { ReferencedSOPClassUID: CT_IMAGE, ReferencedSOPInstanceUID: ORIGINAL_UID },
          ],
        }),
        uidOnly,
      ).ok,
    ).toBe(true);
    expect(verifyBuffer(part10({ ImageComments: `from ${testUid(555)}.` }), uidOnly).hits).toEqual([
      hit('00204000', '00204000', 'uid', 'uid'),
    ]);
  });

  it('searches bytes outside any element: preamble and a duplicate element dicom-parser overwrote', () => {
    const withPreamble = part10();
    withPreamble.write('Mueller', 10, 'latin1');
    expect(verifyBuffer(withPreamble, tokens).hits).toEqual([hit('', 'preamble', 'raw', 'name')]);

    // Two (0019,1001) elements: the parser keeps only the second, the first must still be searched.
    const dup = part10(
      {},
      {
        '00190010': { vr: 'LO', Value: ['ACME 1.0'] },
        '00191001': { vr: 'LO', Value: ['PAT-4711'] },
        '00191002': { vr: 'LO', Value: ['harmless'] },
      },
    );
    const at = dup.indexOf(Buffer.from([0x19, 0, 0x02, 0x10]));
    dup.writeUInt16LE(0x1001, at + 2);
    const result = verifyBuffer(dup, tokens);
    expect(result.hits).toHaveLength(1);
    expect(result.hits[0]).toMatchObject({ tag: '', kind: 'raw', token: 'id' });
    expect(result.hits[0].path).toMatch(/^bytes@\d+$/);
  });

  it('finds a whole name word in coded values, not a longer word or vocabulary', () => {
    const named = buildIdentityTokens({ names: ['Quixote^Donald'], patientNames: ['Quixote^Donald'] });
    expect(verifyBuffer(part10({ BodyPartExamined: 'QUIXOTE' }), named).hits).toEqual([
      hit('00180015', '00180015', 'text', 'name'),
    ]);
    expect(verifyBuffer(part10({ ImageType: ['ORIGINAL', 'PRIMARY', 'DONALD'] }), named).ok).toBe(false);
    expect(verifyBuffer(part10({ BodyPartExamined: 'DONALDSON', ImageType: ['ORIGINAL'] }), named).ok).toBe(
      true,
    );
    expect(verifyBuffer(part10({ ImageType: ['ORIGINAL', 'PRIMARY', 'DR-QUIXOTE'] }), named).ok).toBe(false);
    // A physician's placeholder name ('NONE') and the patient's placeholder ('UNKNOWN') are vocabulary there.
    const placeholders = buildIdentityTokens({
      names: ['UNKNOWN^MALE', 'NONE'],
      patientNames: ['UNKNOWN^MALE'],
    });
    expect(
      verifyBuffer(part10({ ScanOptions: 'NONE', SmokingStatus: 'UNKNOWN', PatientSex: 'M' }), placeholders)
        .ok,
    ).toBe(true);
  });

  it('searches Pixel Data that stands inside an item (only top-level pixels are images)', () => {
    const enc = { littleEndian: true, explicitVR: true };
    const nested = (px: string) =>
      Buffer.concat([
        encodeFileMeta([el(0x00020010, 'UI', EXPLICIT_LE)]),
        encodeElements([seq(0x00081115, [[el(0x7fe00010, 'OB', px)]])], enc),
      ]);
    const hits = verifyBuffer(nested('Mueller Juergen PAT-4711 '), tokens).hits;
    expect(new Set(hits.map((h) => h.path))).toEqual(new Set(['00081115[0].7FE00010']));
    expect(new Set(hits.map((h) => h.token))).toEqual(new Set(['name', 'id']));
    expect(verifyBuffer(nested('plain pixels'), tokens).ok).toBe(true);
  });

  it('skips pixel data but reads what follows it, also when a large file is read without it', async () => {
    const pixels = Buffer.alloc(4096, 0x20);
    pixels.write('Müller PAT-4711 ACC98765', 100, 'latin1'); // an image, not text: never searched
    const file = buildInstance({
      sopInstanceUID: testUid(8, 1),
      studyInstanceUID: testUid(8),
      seriesInstanceUID: testUid(8, 0),
      patientName: 'Anon^Ymous',
      patientId: 'ANON01',
      birthDate: '19000101',
      accessionNumber: 'X',
      rows: 32,
      columns: 64,
      pixels,
    });
    const tail = part10(
      {},
      { '7FE10010': { vr: 'LO', Value: ['HIDE'] }, '7FE11001': { vr: 'LO', Value: ['PAT-4711'] } },
    );
    // Elements after Pixel Data: splice the private group 7FE1 from another file onto the end.
    const after = tail.subarray(tail.indexOf(Buffer.from([0xe1, 0x7f, 0x10, 0x00])));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'second-lock-'));
    try {
      const p = path.join(tmp, 'big.dcm');
      fs.writeFileSync(p, Buffer.concat([file, after]));
      const expected = [hit('7FE11001', '7FE11001', 'text', 'id')];
      expect((await verifyFile(p, tokens)).hits).toEqual(expected);
      expect((await verifyFile(p, tokens, { maxWholeFileBytes: 1024 })).hits).toEqual(expected);
      expect((await verifyFile(p, tokens, { readFile: async () => fs.readFileSync(p) })).hits).toEqual(
        expected,
      );
      expect(await verifyFile(p, tokens, { maxWholeFileBytes: 1024 })).toEqual(await verifyFile(p, tokens));
      fs.writeFileSync(p, file);
      expect(await verifyFile(p, tokens, { maxWholeFileBytes: 1024 })).toEqual({ ok: true, hits: [] });
      expect(await verifyFile(path.join(tmp, 'Müller PAT-4711.dcm'), tokens)).toEqual({
        ok: false,
        hits: [],
        error: 'unreadable: ENOENT',
      });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('finds a token across the window edge of a huge private blob, and after long padding', () => {
    const blob = Buffer.alloc(8 * 1024 * 1024 + 64, 0);
    blob.write('ACC98765', 8 * 1024 * 1024 - 4, 'latin1');
    const file = part10(
      {},
      { '00150010': { vr: 'LO', Value: ['BLOBCO'] }, '00151001': { vr: 'OB', Value: [arrayBuffer(blob)] } },
    );
    expect(verifyBuffer(file, tokens).hits).toEqual([hit('00151001', '00151001', 'raw', 'text')]);
    // A long run of padding before text must not make decoding quadratic.
    const padded = part10({}, { '00191001': { vr: 'UT', Value: [' '.repeat(1_000_000) + 'PAT-4711'] } });
    const started = Date.now();
    expect(verifyBuffer(padded, tokens).hits).toEqual([hit('00191001', '00191001', 'text', 'id')]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fails files it cannot fully read, without quoting them', () => {
    const file = part10({ ImageComments: 'x'.repeat(200) + ' PAT-4711' });
    for (const bad of [
      file.subarray(0, file.length - 20),
      Buffer.from('Müller Jürgen PAT-4711 ACC98765 01/01/1960'),
      Buffer.alloc(0),
    ]) {
      const result = verifyBuffer(bad, tokens);
      expect(result.ok).toBe(false);
      expect(result.error).toEqual(expect.any(String));
      expectNoIdentity(result);
    }
  });
});

describe('verifyFile over every testdata file', () => {
  const all = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? all(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  const files = all(TESTDATA).sort();
  const made_up = buildIdentityTokens({
    names: ['Zyxwvut^Qponm'],
    ids: ['ZZ-NOT-THERE-99'],
    dates: ['18000101'],
  });

  // Files dicom-parser cannot read (or that are not DICOM): these would be quarantined.
  const UNREADABLE = [
    'LICENSES.md',
    'pydicom-data/data_store/data/emri_small_jpeg_2k_lossless_too_short.dcm',
    'pydicom/src/pydicom/data/charset_files/FileInfo.txt',
    'pydicom/src/pydicom/data/test_files/MR_truncated.dcm',
    'pydicom/src/pydicom/data/test_files/README.txt',
    'pydicom/src/pydicom/data/test_files/SC_rgb_jpeg.dcm',
    'pydicom/src/pydicom/data/test_files/dicomdirtests/DICOMDIR-nooffset',
    'pydicom/src/pydicom/data/test_files/dicomdirtests/README.txt',
    'pydicom/src/pydicom/data/test_files/dicomdirtests/TINY_ALPHA/README',
    'pydicom/src/pydicom/data/test_files/meta_missing_tsyntax.dcm',
    'pydicom/src/pydicom/data/test_files/nested_priv_SQ.dcm',
    'pydicom/src/pydicom/data/test_files/no_meta.dcm',
    'pydicom/src/pydicom/data/test_files/rtplan_truncated.dcm',
  ];
  // Not false positives: these pydicom samples really have PatientBirthDate 18000101.
  const REAL_1800_BIRTH_DATES = ['chrJapMulti.dcm', 'chrJapMultiExplicitIR6.dcm', 'chrKoreanMulti.dcm'];

  it(`has ${files.length} files`, () => expect(files.length).toBeGreaterThanOrEqual(268));

  it('finds no made-up identity, and lists what cannot be parsed', async () => {
    const unreadable: string[] = [];
    const hits: Record<string, VerifyHit[]> = {};
    for (const f of files) {
      const result = await verifyFile(f, made_up);
      const rel = path.relative(TESTDATA, f);
      if (result.error) unreadable.push(rel);
      if (result.hits.length) hits[path.basename(f)] = result.hits;
      else expect(result.ok).toBe(!result.error);
      // The header-only read of large files must find exactly what the whole-file read finds.
      if (!result.error) expect(await verifyFile(f, made_up, { maxWholeFileBytes: 4096 })).toEqual(result);
    }
    expect(unreadable).toEqual(UNREADABLE);
    expect(hits).toEqual(
      Object.fromEntries(
        REAL_1800_BIRTH_DATES.map((f) => [f, [hit('00100030', '00100030', 'text', 'date')]]),
      ),
    );
    expect(files.length - unreadable.length).toBe(255);
  });
});
