import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  defaultReferenceDir,
  generateAll,
  OUTPUT_FILES,
  parseCsv,
  REPO_ROOT,
  SOURCE_FILES,
} from '../../../scripts/generate-reference';
import {
  DICTIONARY_SIZE,
  formatTag,
  isPrivateCreator,
  lookup,
  parseTag,
  tagForKeyword,
  tagToString,
} from '../../../main/core/dicom/dictionary';
import {
  ACTION_CODES,
  BASIC_PROFILE_CODE,
  exactRows,
  isKnownActionCode,
  loadProfile,
  loadSafePrivate,
  loadStructuredContentCodes,
  OPTION_INFO,
  patternRows,
  PROFILE_OPTIONS,
  PROFILE_SOURCE,
  rowForTag,
  safePrivateKey,
  structuredContentCodeMap,
  structuredContentKey,
} from '../../../main/core/deid/profile/profile';

const referenceDir = defaultReferenceDir();
const haveReference = fs.existsSync(path.join(referenceDir, SOURCE_FILES.profile));
// ../shared is beside the repository for development; a clean clone without it still runs every other test.
const describeWithReference = haveReference ? describe : describe.skip;

describeWithReference('generated files match ../shared/reference', () => {
  const generated = generateAll(referenceDir);

  it.each(Object.values(OUTPUT_FILES))('%s is up to date', (rel) => {
    const fresh = generated.get(rel);
    expect(fresh).toBeDefined();
    const committed = fs.readFileSync(path.join(REPO_ROOT, rel), 'utf8');
    expect(JSON.parse(committed)).toEqual(JSON.parse(fresh as string));
    // Byte-identical too, so `generate-reference.ts --check` agrees.
    expect(committed === fresh).toBe(true);
  });

  it('every action in every column of the source Table E.1-1 is a known ActionCode', () => {
    const raw = JSON.parse(fs.readFileSync(path.join(referenceDir, SOURCE_FILES.profile), 'utf8')) as Record<
      string,
      string
    >[];
    const unknown: string[] = [];
    for (const row of raw) {
      for (const [key, value] of Object.entries(row)) {
        if (key === 'basicProfile' || (PROFILE_OPTIONS as readonly string[]).includes(key)) {
          if (!isKnownActionCode(value)) unknown.push(`${row.tag} ${key}=${JSON.stringify(value)}`);
        }
      }
    }
    expect(unknown).toEqual([]);
    // And no column the loader does not know about.
    const columns = new Set(raw.flatMap((r) => Object.keys(r)));
    for (const c of columns) {
      expect(['name', 'tag', 'id', 'stdCompIOD', 'basicProfile', ...PROFILE_OPTIONS]).toContain(c);
    }
  });

  it('refuses to generate from a table with an unknown action code', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-ref-'));
    try {
      for (const f of Object.values(SOURCE_FILES))
        fs.copyFileSync(path.join(referenceDir, f), path.join(tmp, f));
      const file = path.join(tmp, SOURCE_FILES.profile);
      const rows = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>[];
      rows[0].basicProfile = 'X/Z/U**';
      fs.writeFileSync(file, JSON.stringify(rows));
      expect(() => generateAll(tmp)).toThrow(/unknown action code "X\/Z\/U\*\*"/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('every action in the source Table E.3.4-1 is a known ActionCode', () => {
    const [header, ...rows] = parseCsv(
      fs.readFileSync(path.join(referenceDir, SOURCE_FILES.structuredContent), 'utf8'),
    );
    const first = header.indexOf('Basic Prof.');
    expect(first).toBeGreaterThan(0);
    for (const row of rows) {
      const bad = row.slice(first).filter((cell) => cell !== '' && !isKnownActionCode(cell));
      expect(bad).toEqual([]);
    }
  });
});

describe('Table E.1-1 (generated)', () => {
  const rows = loadProfile();

  it('has 647 rows from the 2025b edition', () => {
    expect(rows).toHaveLength(647);
    expect(PROFILE_SOURCE.edition).toBe('2025b');
    expect(PROFILE_SOURCE.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(exactRows().size).toBe(643);
  });

  it('holds only known action codes in every column', () => {
    const unknown: string[] = [];
    for (const row of rows) {
      if (!isKnownActionCode(row.basic)) unknown.push(`${row.tag} basic=${row.basic}`);
      for (const [option, code] of Object.entries(row.options)) {
        if (!(PROFILE_OPTIONS as readonly string[]).includes(option))
          unknown.push(`${row.tag} column ${option}`);
        if (!isKnownActionCode(code)) unknown.push(`${row.tag} ${option}=${code}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('isKnownActionCode rejects anything outside the closed list', () => {
    for (const code of ACTION_CODES) expect(isKnownActionCode(code)).toBe(true);
    for (const bad of ['', 'x', 'X ', 'X/Z/U', 'U*', 'K/C', 'X/Z/U**', 'XD', null, 1]) {
      expect(isKnownActionCode(bad)).toBe(false);
    }
  });

  it('uses every action code at least once in the Basic Profile column', () => {
    const used = new Set(rows.map((r) => r.basic));
    expect([...used].sort()).toEqual([...ACTION_CODES].filter((c) => c !== 'K' && c !== 'C').sort());
  });

  it.each([
    ['00100010', 'PatientName', 'Z', {}],
    ['00100030', 'PatientBirthDate', 'Z', {}],
    ['00100020', 'PatientID', 'Z/D', {}],
    ['0020000D', 'StudyInstanceUID', 'U', { rtnUIDsOpt: 'K' }],
    ['00080018', 'SOPInstanceUID', 'U', { rtnUIDsOpt: 'K' }],
    ['00080080', 'InstitutionName', 'X/Z/D', { rtnInstIdOpt: 'K' }],
    ['00081140', 'ReferencedImageSequence', 'X/Z/U*', { rtnUIDsOpt: 'K' }],
    ['00080020', 'StudyDate', 'Z', { rtnLongFullDatesOpt: 'K', rtnLongModifDatesOpt: 'C' }],
    ['00101010', 'PatientAge', 'X', { rtnPatCharsOpt: 'K' }],
    ['00181000', 'DeviceSerialNumber', 'X/Z/D', { rtnDevIdOpt: 'K' }],
    ['00001000', 'AffectedSOPInstanceUID', 'X', { rtnUIDsOpt: 'K' }],
  ])('%s %s: basic %s', (tag, keyword, basic, options) => {
    const row = exactRows().get(parseTag(tag));
    expect(row).toBeDefined();
    expect(row?.keyword).toBe(keyword);
    expect(row?.basic).toBe(basic);
    expect(row?.options).toEqual(options);
  });

  it('writes the four pattern rows as 50xxxxxx, 60xx3000, 60xx4000 and private', () => {
    const patterns = patternRows().map((r) => [r.tag, r.name, r.basic, r.options]);
    expect(patterns).toEqual([
      ['50xxxxxx', 'Curve Data', 'X', { cleanGraphOpt: 'C' }],
      ['60xx3000', 'Overlay Data', 'X', { cleanGraphOpt: 'C' }],
      ['60xx4000', 'Overlay Comments', 'X', { cleanGraphOpt: 'C' }],
      ['private', 'Private Attributes', 'X', { rtnSafePrivOpt: 'C' }],
    ]);
    for (const r of patternRows()) expect(r.tagNumber).toBeUndefined();
  });

  it('finds the governing row of a tag', () => {
    expect(rowForTag(0x00100010)?.keyword).toBe('PatientName');
    expect(rowForTag(0x60003000)?.tag).toBe('60xx3000');
    expect(rowForTag(0x601e3000)?.tag).toBe('60xx3000');
    expect(rowForTag(0x60023000)?.tag).toBe('60xx3000');
    expect(rowForTag(0x60204000)?.tag).toBe('60xx4000'); // beyond the standard's overlay groups: the row as written
    expect(rowForTag(0x60024000)?.tag).toBe('60xx4000');
    expect(rowForTag(0x50100010)?.tag).toBe('50xxxxxx');
    expect(rowForTag(0x60013000)?.tag).toBe('private');
    expect(rowForTag(0x00091010)?.tag).toBe('private');
    expect(rowForTag(0x00090010)?.tag).toBe('private');
    expect(rowForTag(0x00280010)).toBeUndefined(); // Rows: not in the table
  });

  it('joins retired and VR from the dictionary, and keeps the Icon Image Sequence note', () => {
    expect(rows.filter((r) => r.retired).length).toBe(101);
    expect(exactRows().get(0x00880200)).toMatchObject({
      name: 'Icon Image Sequence',
      note: 'see Note 11',
      vr: 'SQ',
    });
    const curve = patternRows().find((r) => r.tag === '50xxxxxx');
    expect(curve).toMatchObject({ retired: true, vr: '', keyword: '' });
    expect(patternRows().find((r) => r.tag === '60xx3000')).toMatchObject({
      vr: 'OB|OW',
      keyword: 'OverlayData',
    });
    for (const r of rows) expect(r.name).not.toMatch(/\s\s|\n|^\s|\s$/);
  });
});

describe('options and CID 7050', () => {
  it('describes every option column', () => {
    expect(Object.keys(OPTION_INFO).sort()).toEqual([...PROFILE_OPTIONS].sort());
    const codes = Object.values(OPTION_INFO).map((o) => o.code.codeValue);
    expect(new Set(codes).size).toBe(codes.length);
    expect(OPTION_INFO.rtnSafePrivOpt.code).toEqual({
      codeValue: '113111',
      codingSchemeDesignator: 'DCM',
      codeMeaning: 'Retain Safe Private Option',
    });
    expect(OPTION_INFO.cleanDescOpt.code.codeValue).toBe('113105');
    expect(OPTION_INFO.rtnInstIdOpt.code.codeValue).toBe('113112');
    expect(BASIC_PROFILE_CODE.codeValue).toBe('113100');
  });
});

describe('safe private attributes (Table E.3.10-1)', () => {
  it('keys entries by creator, group and element low byte', () => {
    const map = loadSafePrivate();
    expect(map.size).toBe(130);
    const suv = map.get(safePrivateKey('Philips PET Private Group', 0x7053, 0x1000));
    expect(suv).toMatchObject({ group: 0x7053, elementLow: 0x00, vr: 'DS' });
    expect(map.get(safePrivateKey('GEMS_ACQU_01  ', 0x0019, 0x109e))?.meaning).toBe(
      'Internal Pulse Sequence Name',
    );
    expect(map.get(safePrivateKey('NQLeft', 0x0199, 0x0a))?.meaning).toBe('Left Cerebellar Gray Matter');
    expect(map.get(safePrivateKey('HOLOGIC, Inc.', 0x7e01, 0x12))?.vr).toBe('OB');
    expect(
      map.get(safePrivateKey('SIEMENS SYNGO ULTRA-SOUND TOYON DATA STREAMING', 0x7fd1, 0x01))?.meaning,
    ).toBe('Padding');
    expect(map.get(safePrivateKey('ELSCINT1', 0x00e1, 0x22))).toBeUndefined();
    for (const e of map.values()) expect(e.group & 1).toBe(1);
  });
});

describe('structured content codes (Table E.3.4-1)', () => {
  it('loads 206 rows with known actions', () => {
    const codes = loadStructuredContentCodes();
    expect(codes).toHaveLength(206);
    for (const c of codes) {
      expect(isKnownActionCode(c.basic)).toBe(true);
      for (const a of Object.values(c.options)) expect(isKnownActionCode(a)).toBe(true);
    }
    const subjectName = structuredContentCodeMap().get(structuredContentKey('DCM', '121029', 'PNAME'));
    expect(subjectName).toMatchObject({ codeMeaning: 'Subject Name', basic: 'D', options: {} });
    const studyDate = structuredContentCodeMap().get(structuredContentKey('DCM', '111060', 'DATE'));
    expect(studyDate?.options).toEqual({ rtnLongFullDatesOpt: 'K', rtnLongModifDatesOpt: 'C' });
  });
});

describe('dictionary', () => {
  it('formats and parses tags', () => {
    expect(tagToString(0x00100010)).toBe('00100010');
    expect(tagToString(0x7fe00010)).toBe('7FE00010');
    expect(tagToString((0xfffe << 16) | 0xe000)).toBe('FFFEE000');
    expect(formatTag(0x0020000d)).toBe('(0020,000D)');
    expect(parseTag('0020000D')).toBe(0x0020000d);
    expect(parseTag('(0020,000d)')).toBe(0x0020000d);
    expect(parseTag('7fe0,0010')).toBe(0x7fe00010);
    expect(parseTag('(FFFE,E0DD)')).toBe(0xfffee0dd);
    expect(() => parseTag('0010,001')).toThrow();
    expect(() => parseTag('PatientName')).toThrow();
    expect(() => tagToString(0x1_0000_0000)).toThrow();
  });

  it('looks up standard tags', () => {
    expect(DICTIONARY_SIZE).toBe(5203);
    expect(lookup(0x00100010)).toEqual({
      vr: 'PN',
      vrs: ['PN'],
      keyword: 'PatientName',
      vm: '1',
      retired: false,
    });
    expect(lookup(0x7fe00010)).toMatchObject({ vr: 'OB', vrs: ['OB', 'OW'], keyword: 'PixelData' });
    expect(lookup(0x00280106)?.vrs).toEqual(['US', 'SS']);
    expect(lookup(0x00281200)?.vrs).toEqual(['US', 'SS', 'OW']);
    expect(lookup(0x00020010)).toMatchObject({ vr: 'UI', keyword: 'TransferSyntaxUID' });
    expect(lookup(0x00080001)).toMatchObject({ keyword: 'LengthToEnd', retired: true });
    expect(lookup(0xfffee000)).toMatchObject({ keyword: 'Item', vr: 'UN' });
  });

  it('resolves repeating groups through masks', () => {
    expect(lookup(0x60003000)).toMatchObject({ vrs: ['OB', 'OW'], keyword: 'OverlayData', retired: false });
    expect(lookup(0x601e0010)?.keyword).toBe('OverlayRows');
    expect(lookup(0x60200010)).toBeUndefined(); // beyond 601E
    expect(lookup(0x50023000)?.keyword).toBe('CurveData');
    expect(lookup(0x7f100010)?.keyword).toBe('VariablePixelData');
    expect(lookup(0x10000120)?.keyword).toBe('EscapeTriplet');
    expect(lookup(0x10000125)?.keyword).toBe('ShiftTableTriplet');
    expect(lookup(0x00283100)).toBeUndefined();
    expect(lookup(0x002804a2)?.keyword).toBe('CoefficientCoding');
  });

  it('handles group lengths and private tags', () => {
    expect(lookup(0x00080000)).toMatchObject({ vr: 'UL', vm: '1' });
    expect(lookup(0x00020000)).toMatchObject({
      vr: 'UL',
      keyword: 'FileMetaInformationGroupLength',
      retired: false,
    });
    expect(lookup(0x00091010)).toBeUndefined();
    expect(lookup(0x00090010)).toMatchObject({ vr: 'LO', vrs: ['LO'] });
    expect(lookup(0x001900ff)).toMatchObject({ vr: 'LO' });
    expect(lookup(0x00090100)).toBeUndefined();
    expect(lookup(0x60013000)).toBeUndefined();
    expect(lookup(0x00030010)).toBeUndefined(); // 0003 may not carry private data
    expect(isPrivateCreator(0x00290010)).toBe(true);
    expect(isPrivateCreator(0x00291010)).toBe(false);
  });

  it('round-trips keywords', () => {
    expect(tagForKeyword('PatientName')).toBe(0x00100010);
    expect(tagForKeyword('OverlayData')).toBe(0x60003000);
    expect(tagForKeyword('patientname')).toBeUndefined();
    expect(tagForKeyword('')).toBeUndefined();
    let checked = 0;
    for (const row of loadProfile()) {
      if (row.tagNumber === undefined || row.tag.startsWith('0000')) continue;
      expect(tagForKeyword(row.keyword)).toBe(row.tagNumber);
      expect(lookup(row.tagNumber)?.keyword).toBe(row.keyword);
      checked++;
    }
    expect(checked).toBe(641);
  });
});
