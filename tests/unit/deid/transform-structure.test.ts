// The transform at every depth: nested sequences, private blocks and sequences, UN holding implicit sequences,
// curves and overlays, SR content items (Table E.3.4-1), and what is always removed.
import { decodeText } from '../../../main/core/dicom/charset';
import { parseDataSet, type DicomElement } from '../../../main/core/dicom/parse';
import { encodeElements, encodeHeader } from '../../../main/core/dicom/write';
import { findElement, T, walk } from '../../../main/core/dicom/values';
import { shiftDT } from '../../../main/core/deid/date-shift';
import { DUMMY_TEXT } from '../../../main/core/deid/dummy-values';
import { createUidMapper } from '../../../main/core/deid/uid-map';
import { DEFAULT_DEID_OPTIONS } from '../../../shared/deid-types';
import {
  ALL_OFF,
  CASE,
  el,
  EXPLICIT_LE,
  IMPLICIT_LE,
  OFFSET,
  reparse,
  run,
  SECRET,
  seq,
  textOf,
} from './helpers';

const UID = '1.2.826.0.1.3680043.9.7433.99.8.1';
const PATIENT = el(T.PatientName, 'PN', 'Doe^John');
const mapped = (u: string): string => createUidMapper(SECRET).map(u);
const str = (e: DicomElement | undefined): string | undefined =>
  e ? (e.value ? decodeText(e.value, [], e.vr) : '') : undefined;
const itemOf = (e: DicomElement | undefined, i = 0): DicomElement[] => e?.items?.[i]?.elements ?? [];

describe('nested sequences', () => {
  // Referenced Series Sequence (kept) > Content Sequence > Content Sequence > Content Sequence: four levels.
  const deepest = [
    el(0x0040a123, 'PN', 'Doe^John'), // Person Name: D
    el(0x0040a160, 'UT', 'Report for John Doe, stable'), // Text Value: not in the table, cleaned inside Content Sequence
    el(0x0040a120, 'DT', '20240102101500+0100'), // DateTime: shifted
    el(0x0040a124, 'UI', UID), // UID: re-mapped
    el(0x00140104, 'PN', 'Someone^Else'), // a name the table does not list: removed
    el(0x00101040, 'LO', '1 Main Street'), // Patient's Address: X
    el(0x00080000, 'UL', [4, 0, 0, 0]), // a group length: removed
  ];
  const source = [
    PATIENT,
    seq(0x00081115, [[seq(0x0040a730, [[seq(0x0040a730, [[seq(0x0040a730, [deepest])]])]])]]),
  ];

  it('applies the profile at the fourth level', () => {
    const out = run(source);
    const l4 = itemOf(
      findElement(
        itemOf(
          findElement(
            itemOf(findElement(itemOf(findElement(out.elements, 0x00081115)), 0x0040a730)),
            0x0040a730,
          ),
        ),
        0x0040a730,
      ),
    );
    expect(l4.length).toBeGreaterThan(0);
    expect(str(findElement(l4, 0x0040a123))).toBe(DUMMY_TEXT);
    expect(str(findElement(l4, 0x0040a160))).toBe('Report for, stable');
    expect(str(findElement(l4, 0x0040a120))).toBe(shiftDT('20240102101500+0100', OFFSET));
    expect(str(findElement(l4, 0x0040a124))).toBe(mapped(UID));
    expect(findElement(l4, 0x00140104)).toBeUndefined();
    expect(findElement(l4, 0x00101040)).toBeUndefined();
    expect(findElement(l4, 0x00080000)).toBeUndefined();
    expect(out.keptFreeText).toEqual([
      'ReferencedSeriesSequence>ContentSequence>ContentSequence>ContentSequence>TextValue',
    ]);
    reparse(out.elements);
  });

  it('gives Type 1 free text a dummy when neither structured content nor descriptors are cleaned', () => {
    const out = run(source, {
      options: { ...DEFAULT_DEID_OPTIONS, cleanStructuredContent: false, cleanDescriptors: false },
    });
    const texts = [...walk(out.elements)].filter(({ el: e }) => e.tag === 0x0040a160);
    expect(texts.map(({ el: e }) => str(e))).toEqual([DUMMY_TEXT]);
  });

  it('does not mutate its input', () => {
    const before = encodeElements(source, EXPLICIT_LE);
    run(source);
    expect(encodeElements(source, EXPLICIT_LE).equals(before)).toBe(true);
  });
});

describe('private attributes', () => {
  const unknownBlock = [
    el(0x00090010, 'LO', 'ACME 1.0'),
    el(0x00091001, 'LO', 'Doe'),
    seq(0x00091002, [[el(0x00080090, 'PN', 'Doe^Referrer'), el(0x0040a123, 'PN', 'Doe^John')]]),
  ];
  const safeBlock = [
    el(0x00190011, 'LO', 'GEMS_ACQU_01'), // block 11: elements (0019,11xx)
    el(0x00191123, 'DS', '12.5'), // Table Speed: safe
    el(0x001911ff, 'LO', 'Doe'), // not in Table E.3.10-1
  ];
  const safeSequence = [
    el(0x7e010010, 'LO', 'HOLOGIC, Inc.'),
    seq(0x7e011010, [
      [el(0x0040a123, 'PN', 'Doe^John'), el(0x00081155, 'UI', UID), el(0x00081030, 'LO', 'kept')],
    ]),
  ];

  it('removes unknown private elements, their sequences (with the names inside) and their creator', () => {
    for (const options of [DEFAULT_DEID_OPTIONS, ALL_OFF]) {
      const out = run([PATIENT, ...unknownBlock], { options });
      expect(out.elements.filter((e) => e.tag >>> 16 === 0x0009)).toEqual([]);
    }
  });

  it('keeps safe private elements, and their creator, only with Retain Safe Private', () => {
    const on = run([PATIENT, ...safeBlock]);
    expect(str(findElement(on.elements, 0x00190011))).toBe('GEMS_ACQU_01');
    expect(str(findElement(on.elements, 0x00191123))).toBe('12.5');
    expect(findElement(on.elements, 0x001911ff)).toBeUndefined();
    expect(on.appliedOptions.has('rtnSafePrivOpt')).toBe(true);
    const off = run([PATIENT, ...safeBlock], {
      options: { ...DEFAULT_DEID_OPTIONS, retainSafePrivate: false },
    });
    expect(off.elements.filter((e) => e.tag >>> 16 === 0x0019)).toEqual([]);
  });

  it('de-identifies inside a kept safe private sequence', () => {
    const out = run([PATIENT, ...safeSequence]);
    const item = itemOf(findElement(out.elements, 0x7e011010));
    expect(str(findElement(out.elements, 0x7e010010))).toBe('HOLOGIC, Inc.');
    expect(str(findElement(item, 0x0040a123))).toBe(DUMMY_TEXT);
    expect(str(findElement(item, 0x00081155))).toBe(mapped(UID));
    expect(findElement(item, 0x00081030)).toBeDefined();
  });

  it('drops private elements that no creator reserved', () => {
    const out = run([PATIENT, el(0x00191023, 'DS', '1'), el(0x00190005, 'LO', 'x')]);
    expect(out.elements.filter((e) => e.tag >>> 16 === 0x0019)).toEqual([]);
  });
});

describe('UN holding an implicit VR sequence', () => {
  // (0008,1115) written as UN by a writer that did not know it, its items implicit VR little endian.
  const inner = encodeElements(
    [
      el(0x00081060, 'PN', 'Doe^Reader'),
      el(0x00081155, 'UI', UID),
      el(0x00081150, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    ],
    IMPLICIT_LE,
  );
  const item = Buffer.concat([Buffer.from([0xfe, 0xff, 0x00, 0xe0]), Buffer.alloc(4), inner]);
  item.writeUInt32LE(inner.length, 4);
  const file = Buffer.concat([
    encodeElements([PATIENT], EXPLICIT_LE),
    encodeHeader(0x00081115, 'UN', item.length, EXPLICIT_LE),
    item,
  ]);
  const source = parseDataSet(file, 0, EXPLICIT_LE).elements;

  it('is parsed as items, and the names inside go', () => {
    const un = findElement(source, 0x00081115)!;
    expect(un.vr).toBe('UN');
    expect(un.items).toHaveLength(1);
    const out = run(source);
    const back = findElement(reparse(out.elements), 0x00081115)!;
    expect(back.vr).toBe('UN');
    const items = back.items!;
    expect(items).toHaveLength(1);
    expect(findElement(items[0].elements, 0x00081060)).toBeUndefined();
    expect(str(findElement(items[0].elements, 0x00081155))).toBe(mapped(UID));
    expect(str(findElement(items[0].elements, 0x00081150))).toBe('1.2.840.10008.5.1.4.1.1.2');
  });

  // The same sequence written by a sender that left its content explicit VR (a known real-world fault).
  const unWith = (content: Buffer): DicomElement[] => {
    const it = Buffer.concat([Buffer.from([0xfe, 0xff, 0x00, 0xe0]), Buffer.alloc(4), content]);
    it.writeUInt32LE(content.length, 4);
    const f = Buffer.concat([
      encodeElements([PATIENT, el(0x00080020, 'DA', '20200315')], EXPLICIT_LE),
      encodeHeader(0x00081032, 'UN', it.length, EXPLICIT_LE),
      it,
    ]);
    return parseDataSet(f, 0, EXPLICIT_LE).elements;
  };

  it('with explicit VR content: still read, de-identified inside, and written back implicit as UN must be', () => {
    const explicit = unWith(
      encodeElements([el(0x00080020, 'DA', '20200315'), el(0x00081060, 'PN', 'Doe^Reader')], EXPLICIT_LE),
    );
    expect(findElement(explicit, 0x00081032)!.items).toHaveLength(1);
    const back = findElement(reparse(run(explicit).elements), 0x00081032)!;
    expect(back.vr).toBe('UN');
    const inside = itemOf(back);
    expect(findElement(inside, 0x00081060)).toBeUndefined();
    expect(str(findElement(inside, 0x00080020))).toBe(str(findElement(run(explicit).elements, 0x00080020)));
    expect(str(findElement(inside, 0x00080020))).not.toBe('20200315');
  });

  it('a safe private sequence that cannot be read goes too (the safe-private table says SQ)', () => {
    const bad = Buffer.from([
      0xfe, 0xff, 0x00, 0xe0, 12, 0, 0, 0, 0x08, 0, 0x20, 0, 0xff, 0xff, 0xff, 0x7f, 0x44, 0x6f, 0x65, 0x20,
    ]);
    const f = Buffer.concat([
      encodeElements([PATIENT, el(0x7e010010, 'LO', 'HOLOGIC, Inc.')], IMPLICIT_LE),
      encodeHeader(0x7e011010, 'UN', bad.length, IMPLICIT_LE),
      bad,
    ]);
    const els = parseDataSet(f, 0, IMPLICIT_LE).elements;
    expect(findElement(els, 0x7e011010)!.items).toBeUndefined();
    const out = run(els).elements;
    expect(findElement(out, 0x7e011010)).toBeUndefined();
  });

  it('that cannot be read as items in any encoding goes whole (nothing inside could be checked)', () => {
    // An item header, then bytes that are neither implicit nor explicit elements.
    const garbage = unWith(
      Buffer.from([0x08, 0x00, 0x20, 0x00, 0xff, 0xff, 0xff, 0x7f, 0x44, 0x6f, 0x65, 0x20]),
    );
    const raw = findElement(garbage, 0x00081032)!;
    expect(raw.items).toBeUndefined();
    expect(raw.value!.length).toBeGreaterThan(0);
    expect(findElement(run(garbage).elements, 0x00081032)).toBeUndefined();
  });
});

describe('names typed into coded values', () => {
  it('empties a CS or code value component holding a whole name word; vocabulary and longer words stay', () => {
    const source = [
      el(T.PatientName, 'PN', 'Quixote^Donald'),
      el(0x00080008, 'CS', 'ORIGINAL\\PRIMARY\\QUIXOTE'),
      el(0x00080060, 'CS', 'CT'),
      el(0x00180015, 'CS', 'DONALDSON_HEAD'), // a longer word is not the name
      el(0x00181030, 'LO', 'QUIXOTE protocol'),
      seq(0x00082218, [
        [el(0x00080100, 'SH', 'QUIXOTE'), el(0x00080102, 'SH', 'SCT'), el(0x00080104, 'LO', 'x')],
      ]),
    ];
    const out = run(source).elements;
    expect(str(findElement(out, 0x00080008))).toBe('ORIGINAL\\PRIMARY\\');
    expect(str(findElement(out, 0x00080060))).toBe('CT');
    expect(str(findElement(out, 0x00180015))).toBe('DONALDSON_HEAD');
    expect(str(findElement(itemOf(findElement(out, 0x00082218)), 0x00080100))).toBe('');
    expect(str(findElement(itemOf(findElement(out, 0x00082218)), 0x00080102))).toBe('SCT');
  });
  it("leaves the standard's own words alone: a patient called Text does not empty a Value Type", () => {
    const out = run([
      el(T.PatientName, 'PN', 'Text^Image'),
      el(0x0040a040, 'CS', 'TEXT'),
      el(0x00080008, 'CS', 'DERIVED\\IMAGE'),
    ]);
    expect(str(findElement(out.elements, 0x0040a040))).toBe('TEXT');
    expect(str(findElement(out.elements, 0x00080008))).toBe('DERIVED\\IMAGE');
  });
});

describe('addresses and misplaced pixels', () => {
  it('removes URLs the table does not list (they name servers and carry original UIDs)', () => {
    const out = run([PATIENT, el(0x00081190, 'UR', `https://pacs.example.org/dicomweb/studies/${UID}`)]);
    expect(findElement(out.elements, 0x00081190)).toBeUndefined();
  });

  it('removes Pixel Data found inside an item (only icons carry it, and nobody cleaned it)', () => {
    const out = run([
      PATIENT,
      seq(0x00081115, [[el(0x00081155, 'UI', UID), el(0x7fe00010, 'OB', 'Doe John PID778899 ')]]),
    ]);
    const item = itemOf(findElement(out.elements, 0x00081115));
    expect(str(findElement(item, 0x00081155))).toBe(mapped(UID));
    expect(findElement(item, 0x7fe00010)).toBeUndefined();
  });
});

describe('curves and overlays', () => {
  const overlay = (g: number, withData: boolean): DicomElement[] => [
    el(g * 0x10000 + 0x0010, 'US', [8, 0]),
    el(g * 0x10000 + 0x0011, 'US', [8, 0]),
    el(g * 0x10000 + 0x0040, 'CS', 'G'),
    el(g * 0x10000 + 0x0100, 'US', [1, 0]),
    ...(withData ? [el(g * 0x10000 + 0x3000, 'OW', new Array(8).fill(0xff))] : []),
    el(g * 0x10000 + 0x4000, 'LT', 'Note about Doe'),
  ];
  const curve = [
    el(0x50000005, 'US', [1, 0]),
    el(0x50000022, 'LO', 'Doe curve'),
    el(0x50003000, 'OW', [1, 2, 3, 4]),
  ];
  const source = [PATIENT, ...curve, ...overlay(0x6000, true), ...overlay(0x6002, false)];
  const group = (els: DicomElement[], g: number) => els.filter((e) => e.tag >>> 16 === g);

  it('without Clean Graphics: curves and overlay data and comments go; an overlay with its data goes whole', () => {
    const out = run(source, { options: { ...DEFAULT_DEID_OPTIONS, cleanGraphics: false } });
    expect(group(out.elements, 0x5000)).toEqual([]);
    expect(group(out.elements, 0x6000)).toEqual([]);
    expect(group(out.elements, 0x6002).map((e) => e.tag)).toEqual([
      0x60020010, 0x60020011, 0x60020040, 0x60020100,
    ]);
  });

  it('with Clean Graphics: comments are cleaned, but bitmaps and curve data (which cannot be) still go, whole', () => {
    const out = run(source);
    expect(group(out.elements, 0x5000)).toEqual([]);
    expect(group(out.elements, 0x6000)).toEqual([]);
    expect(str(findElement(out.elements, 0x60024000))).toBe('Note about');
    expect(out.appliedOptions.has('cleanGraphOpt')).toBe(true);
  });

  it('a curve without curve data is cleaned under Clean Graphics, removed without', () => {
    const onlyLabel = [PATIENT, el(0x50000022, 'LO', 'Doe curve')];
    expect(str(findElement(run(onlyLabel).elements, 0x50000022))).toBe('curve');
    expect(findElement(run(onlyLabel, { options: ALL_OFF }).elements, 0x50000022)).toBeUndefined();
  });
});

describe('structured content (Table E.3.4-1)', () => {
  const concept = (code: string, scheme: string) =>
    seq(0x0040a043, [[el(0x00080100, 'SH', code), el(0x00080102, 'SH', scheme), el(0x00080104, 'LO', 'x')]]);
  const item = (type: string, code: string, scheme: string, value: DicomElement) => [
    el(0x0040a010, 'CS', 'CONTAINS'),
    el(0x0040a040, 'CS', type),
    concept(code, scheme),
    value,
  ];
  const items = [
    item('PNAME', '121029', 'DCM', el(0x0040a123, 'PN', 'Doe^John')), // Subject Name: D
    item('DATE', '121031', 'DCM', el(0x0040a121, 'DA', '19600101')), // Subject Birth Date: X
    item('TEXT', '113871', 'DCM', el(0x0040a160, 'UT', 'P-12345')), // Person ID: X
    item('TEXT', '11329-0', 'LN', el(0x0040a160, 'UT', 'Doe lives alone')), // History: X, Clean Descriptors C
    item('TEXT', '999999', '99TEST', el(0x0040a160, 'UT', 'Doe has a cough')), // not in the table
  ];
  const source = [PATIENT, el(0x0040a040, 'CS', 'CONTAINER'), seq(0x0040a730, items)];
  const values = (content: { elements: DicomElement[] }[]) =>
    content.map((i) =>
      str(
        findElement(i.elements, 0x0040a123) ??
          findElement(i.elements, 0x0040a121) ??
          findElement(i.elements, 0x0040a160),
      ),
    );

  it('removes items whose concept the table removes, dummies or cleans the others', () => {
    expect(values(findElement(run(source).elements, 0x0040a730)!.items!)).toEqual([
      DUMMY_TEXT,
      'lives alone',
      'has a cough',
    ]);
    const off = findElement(run(source, { options: ALL_OFF }).elements, 0x0040a730)!.items!;
    expect(values(off)).toEqual([DUMMY_TEXT, DUMMY_TEXT]);
  });

  it('caps a Subject Age of 90 years or more at 90, in its own units, like Patient Age becomes 090Y', () => {
    const unit = (u: string) => seq(0x004008ea, [[el(0x00080100, 'SH', u), el(0x00080102, 'SH', 'UCUM')]]);
    const age = (n: string, u: string, code = '121033', scheme = 'DCM') =>
      item(
        'NUM',
        code,
        scheme,
        seq(0x0040a300, [
          [el(0x0040a30a, 'DS', n), el(0x0040a161, 'FD', [0, 0, 0, 0, 0, 0x40, 0x58, 0x40]), unit(u)],
        ]),
      );
    const ages = [
      age('95', 'a'),
      age('89', 'a'),
      age('1150', 'mo'),
      age('40000', 'd'),
      age('97', 'a', '30525-0', 'LN'),
      age('97', 'mm', '121206', 'DCM'), // a distance, not an age
    ];
    const out = findElement(run([PATIENT, seq(0x0040a730, ages)]).elements, 0x0040a730)!.items!;
    const measured = out.map((i) => findElement(i.elements, 0x0040a300)!.items![0].elements);
    expect(measured.map((m) => str(findElement(m, 0x0040a30a)))).toEqual([
      '90',
      '89',
      '1080',
      '32873',
      '90',
      '97',
    ]);
    // The same number as a float would keep the age: it goes with the cap.
    expect(measured.map((m) => findElement(m, 0x0040a161) !== undefined)).toEqual([
      false,
      true,
      false,
      false,
      false,
      true,
    ]);
  });

  it('empties instead of removing when the document references items by position', () => {
    const byRef = [...source, seq(0x0040a731, [[el(0x0040db73, 'UL', [1, 0, 0, 0, 2, 0, 0, 0])]])];
    const content = findElement(run(byRef).elements, 0x0040a730)!.items!;
    expect(values(content)).toEqual([DUMMY_TEXT, '', '', 'lives alone', 'has a cough']);
  });
});

describe('values that are not what their VR says', () => {
  it('a date, time, age or name written under another VR is handled as what it is (Study Date as LO moves)', () => {
    const out = run([
      PATIENT,
      el(0x00080020, 'LO', '20200315'), // Study Date
      el(0x0008002a, 'SH', '20200315101530'), // Acquisition DateTime
      el(0x00101010, 'CS', '095Y'), // Patient's Age
      el(0x00080090, 'LO', 'Welby^Marcus'), // Referring Physician's Name
    ]);
    expect(str(findElement(out.elements, 0x00080020))).toBe(shiftDT('20200315', OFFSET));
    expect(str(findElement(out.elements, 0x0008002a))).toBe(shiftDT('20200315101530', OFFSET));
    expect(str(findElement(out.elements, 0x00101010))).toBe('090Y');
    expect(str(findElement(out.elements, 0x00080090)) ?? '').not.toMatch(/welby|marcus/i);
    // The element keeps the VR it was written with.
    expect(findElement(out.elements, 0x00080020)?.vr).toBe('LO');
  });

  it('dates written in kept text move with the case (or go where their order is unclear); the birth date goes', () => {
    const source = [
      PATIENT,
      el(0x00100030, 'DA', '19600201'),
      el(0x00081030, 'LO', 'CT HEAD 15.03.2020 DOB FEB 01 1960'), // Study Description
      el(0x0008103e, 'LO', 'AX 03/04/2020 post'), // Series Description
    ];
    const out = run(source);
    const moved = shiftDT('20200315', OFFSET);
    expect(str(findElement(out.elements, 0x00081030))).toBe(
      `CT HEAD ${moved.slice(6, 8)}.${moved.slice(4, 6)}.${moved.slice(0, 4)} DOB`,
    );
    expect(str(findElement(out.elements, 0x0008103e))).toBe('AX post');
    const full = run(source, {
      options: {
        ...DEFAULT_DEID_OPTIONS,
        retainLongitudinalModifiedDates: false,
        retainLongitudinalFullDates: true,
      },
    });
    expect(str(findElement(full.elements, 0x00081030))).toBe('CT HEAD 15.03.2020 DOB');
  });

  it('a time that is not one (a date and time in Study Time) is emptied; real times stay, colons too', () => {
    const out = run([
      PATIENT,
      el(0x00080030, 'TM', '20200315101500'),
      el(0x00080031, 'TM', '101530.123 '),
      el(0x00080032, 'TM', '10:15:30'),
      el(0x00080033, 'TM', '2020-03-15'),
    ]);
    expect(str(findElement(out.elements, 0x00080030))).toBe('');
    expect(str(findElement(out.elements, 0x00080031))).toBe('101530.123');
    expect(str(findElement(out.elements, 0x00080032))).toBe('10:15:30');
    expect(str(findElement(out.elements, 0x00080033))).toBe('');
  });

  it('a safe private slot holding a date moves with every other date; one holding a name loses it', () => {
    const block = [
      el(0x00e10010, 'LO', 'ELSCINT1'),
      el(0x00e11021, 'DA', '20200315'), // DLP by the table (DS), written as a date
      el(0x00e11050, 'PN', 'Doe^John'), // Acquisition Duration by the table, written as a name
      el(0x00e11051, 'DT', '20200315101530'), // not safe: removed
    ];
    const modified = run([PATIENT, ...block]);
    expect(str(findElement(modified.elements, 0x00e11021))).toBe(shiftDT('20200315', OFFSET));
    expect(str(findElement(modified.elements, 0x00e11050))).toBe(DUMMY_TEXT);
    expect(findElement(modified.elements, 0x00e11051)).toBeUndefined();
    const full = run([PATIENT, ...block], {
      options: {
        ...DEFAULT_DEID_OPTIONS,
        retainLongitudinalModifiedDates: false,
        retainLongitudinalFullDates: true,
      },
    });
    expect(str(findElement(full.elements, 0x00e11021))).toBe('20200315');
    const none = run([PATIENT, ...block], {
      options: { ...DEFAULT_DEID_OPTIONS, retainLongitudinalModifiedDates: false },
    });
    expect(str(findElement(none.elements, 0x00e11021))).toBe('');
  });
});

describe('always removed, always set', () => {
  it('removes signatures, MACs, original and encrypted attributes, padding, icons, group lengths and the extended offset table', () => {
    const source = [
      el(0x00080000, 'UL', [0, 0, 0, 0]),
      PATIENT,
      seq(0x00880200, [[el(0x00280010, 'US', [1, 0])]]),
      seq(0x04000561, [[el(0x00100010, 'PN', 'Doe^John')]]),
      seq(0x4ffe0001, [[el(0x04000015, 'CS', 'SHA256')]]),
      seq(0xfffafffa, [[el(0x04000100, 'UI', UID)]]),
      el(0xfffcfffc, 'OB', [0, 0]),
      seq(0x04000500, [[el(0x04000510, 'UI', UID), el(0x04000520, 'OB', 'encrypted identity')]]),
      el(0x7fe00001, 'OV', [0, 0, 0, 0, 0, 0, 0, 0]),
      el(0x7fe00002, 'OV', [4, 0, 0, 0, 0, 0, 0, 0]),
    ];
    for (const options of [
      DEFAULT_DEID_OPTIONS,
      { ...DEFAULT_DEID_OPTIONS, retainUIDs: true, retainLongitudinalFullDates: true },
    ]) {
      const tags = run(source, { options }).elements.map((e) => e.tag);
      for (const t of [
        0x00080000, 0x00880200, 0x04000561, 0x4ffe0001, 0xfffafffa, 0xfffcfffc, 0x04000500, 0x7fe00001,
        0x7fe00002,
      ])
        expect(tags).not.toContain(t);
    }
  });

  it('puts the case code in Patient Name and Patient ID, present or not', () => {
    const out = run([el(T.PatientID, 'LO', 'PID-1')]);
    expect(textOf(out.elements, T.PatientName)).toBe(CASE);
    expect(textOf(out.elements, T.PatientID)).toBe(CASE);
  });

  it('removes names the table does not list and keeps what cannot identify', () => {
    const out = run([
      PATIENT,
      el(0x00140104, 'PN', 'Else^Some'),
      el(0x00080060, 'CS', 'CT'),
      el(0x00280010, 'US', [0, 2]),
    ]);
    expect(findElement(out.elements, 0x00140104)).toBeUndefined();
    expect(textOf(out.elements, 0x00080060)).toBe('CT');
    expect(Buffer.from(findElement(out.elements, 0x00280010)!.value!)).toEqual(Buffer.from([0, 2]));
  });

  it('reports the paths of free text kept after cleaning, never values', () => {
    const out = run([PATIENT, el(0x00081030, 'LO', 'CT CHEST Doe'), el(0x0008103e, 'LO', 'Doe')]);
    expect(textOf(out.elements, 0x00081030)).toBe('CT CHEST');
    expect(textOf(out.elements, 0x0008103e)).toBe('');
    expect(out.keptFreeText).toEqual(['StudyDescription']);
  });

  it('also lists free text kept as it is by an option (Ethnic Groups under Retain Patient Characteristics)', () => {
    const out = run([PATIENT, el(0x00102162, 'UC', 'Some group'), el(0x00081030, 'LO', 'CT CHEST')]);
    expect(textOf(out.elements, 0x00102162)).toBe('Some group');
    expect(out.keptFreeText).toEqual(['EthnicGroups', 'StudyDescription']);
    // Switched off, the attribute goes and is not listed.
    const off = run([PATIENT, el(0x00102162, 'UC', 'Some group')], {
      options: { ...DEFAULT_DEID_OPTIONS, retainPatientCharacteristics: false },
    });
    expect(findElement(off.elements, 0x00102162)).toBeUndefined();
    expect(off.keptFreeText).toEqual([]);
  });
});
