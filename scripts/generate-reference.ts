// Generates the reference tables ClearDisc ships, from the read-only DICOM tables in ../shared/reference:
//   main/core/dicom/dictionary.generated.json                  PS3.6 data dictionary (attributes.2025b.json)
//   main/core/deid/profile/table-e1-1.generated.json           PS3.15 Table E.1-1 (confidentiality_profile_attributes.2025b.json)
//   main/core/deid/profile/safe-private.generated.json         PS3.15 Table E.3.10-1 (CSV)
//   main/core/deid/profile/structured-content-codes.generated.json  PS3.15 Table E.3.4-1 (CSV)
//
// Usage: npx tsx scripts/generate-reference.ts [--check]
//   CLEARDISC_REFERENCE_DIR overrides the source folder (default: ../shared/reference from the repository root).
//   --check regenerates in memory and exits 1 if a committed file differs (or is missing).
//
// Output is deterministic (no timestamps, sorted) and fails loudly on anything the app could not interpret:
// an action code outside ACTION_CODES, an unknown option column, a tag that does not parse.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  isKnownActionCode,
  isProfileOption,
  STRUCTURED_CONTENT_OPTION_COLUMNS,
  type ActionCode,
  type ProfileOption,
} from '../main/core/deid/profile/codes';
import type { ProfileRowJson, SafePrivateJson } from '../main/core/deid/profile/generated-shapes';

export const REPO_ROOT = path.resolve(__dirname, '..');

export const SOURCE_FILES = {
  dictionary: 'attributes.2025b.json',
  profile: 'confidentiality_profile_attributes.2025b.json',
  safePrivate: 'table_E.3.10-1_safe_private_attributes.2020b.csv',
  structuredContent: 'table_E.3.4-1_clean_structured_content_codes.2020b.csv',
} as const;

export const OUTPUT_FILES = {
  dictionary: 'main/core/dicom/dictionary.generated.json',
  profile: 'main/core/deid/profile/table-e1-1.generated.json',
  safePrivate: 'main/core/deid/profile/safe-private.generated.json',
  structuredContent: 'main/core/deid/profile/structured-content-codes.generated.json',
} as const;

export function defaultReferenceDir(): string {
  const fromEnv = process.env.CLEARDISC_REFERENCE_DIR;
  return fromEnv ? path.resolve(fromEnv) : path.resolve(REPO_ROOT, '..', 'shared', 'reference');
}

// ---------------------------------------------------------------------------------------------------------------
// Shapes of the generated files (the profile's shapes are in main/core/deid/profile/generated-shapes.ts).

export interface SourceRecord {
  file: string;
  edition: string;
  sha256: string;
  table: string;
}

/** [VR ("US|SS" when several, "" when PS3.6 gives none), Keyword, VM, retired 0|1] */
export type DictTuple = [string, string, string, 0 | 1];
/** [pattern ("60xx3000": upper-case hex, lower-case x for any nibble), VR, Keyword, VM, retired] */
export type MaskTuple = [string, string, string, string, 0 | 1];

export interface StructuredContentJson {
  codeValue: string;
  codingSchemeDesignator: string;
  codeMeaning: string;
  valueType: string;
  retired: boolean;
  inStdTemplate: boolean;
  basic: ActionCode;
  options: Partial<Record<ProfileOption, ActionCode>>;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function fail(message: string): never {
  throw new Error(`generate-reference: ${message}`);
}

interface SourceFile {
  name: string;
  bytes: Buffer;
  text: string;
}

function readSource(dir: string, name: string): SourceFile {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) fail(`missing source file ${file} (set CLEARDISC_REFERENCE_DIR?)`);
  const bytes = fs.readFileSync(file);
  return { name, bytes, text: bytes.toString('utf8').replace(/^\uFEFF/, '') };
}

function sourceRecord(src: SourceFile, table: string): SourceRecord {
  const m = /\.(\d{4}[a-e])\.(?:json|csv)$/.exec(src.name);
  if (!m) fail(`cannot read the edition from the file name ${src.name}`);
  return {
    file: src.name,
    edition: m[1],
    sha256: createHash('sha256').update(src.bytes).digest('hex'),
    table,
  };
}

/** Collapse runs of whitespace (including newlines and NBSP) to one space and trim. */
function clean(s: unknown): string {
  if (s === undefined || s === null) return '';
  if (typeof s !== 'string') fail(`expected a string, got ${JSON.stringify(s)}`);
  return s.replace(/[\s\u00a0\u200b]+/g, ' ').trim();
}

function action(raw: unknown, where: string): ActionCode {
  // Action cells are short codes: drop any whitespace inside them before checking (none found in 2025b).
  const s = typeof raw === 'string' ? raw.replace(/[\s\u00a0\u200b]+/g, '') : raw;
  if (!isKnownActionCode(s)) fail(`unknown action code ${JSON.stringify(raw)} at ${where}`);
  return s;
}

function yesNo(raw: unknown, where: string): boolean {
  const s = clean(raw);
  if (s === 'Y') return true;
  if (s === 'N') return false;
  fail(`expected Y or N, got ${JSON.stringify(raw)} at ${where}`);
}

/** "(0008,0050)" -> "00080050"; "(60XX,3000)" -> "60xx3000"; "(0028,04X0)" -> "002804x0". */
function tagPattern(raw: string, where: string): string {
  const m = /^\(([0-9A-Fa-fXx]{4}),([0-9A-Fa-fXx]{4})\)$/.exec(raw.trim());
  if (!m) fail(`cannot parse tag ${JSON.stringify(raw)} at ${where}`);
  return (m[1] + m[2]).toUpperCase().replace(/X/g, 'x');
}

function isExact(pattern: string): boolean {
  return /^[0-9A-F]{8}$/.test(pattern);
}

/** Does an 8-character pattern (x = any nibble) cover another pattern or tag string? */
function patternCovers(pattern: string, tag: string): boolean {
  for (let i = 0; i < 8; i++) {
    if (pattern[i] !== 'x' && pattern[i] !== tag[i]) return false;
  }
  return true;
}

function vrList(raw: string, where: string): string {
  const s = clean(raw);
  if (s === '' || /^See Note/i.test(s)) return ''; // 4 blank retired entries; the 3 (FFFE,Exxx) item tags
  const vrs = s.split(/\s+or\s+/);
  for (const vr of vrs)
    if (!/^[A-Z]{2}$/.test(vr)) fail(`cannot parse VR ${JSON.stringify(raw)} at ${where}`);
  return vrs.join('|');
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) fail('unterminated quoted CSV field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

function csvRecords(src: SourceFile, expectedHeader: readonly string[]): Record<string, string>[] {
  const [header, ...rows] = parseCsv(src.text);
  if (!header) fail(`${src.name} is empty`);
  const names = header.map(clean);
  for (const h of expectedHeader)
    if (!names.includes(h)) fail(`${src.name}: missing column ${JSON.stringify(h)}`);
  return rows.map((r, i) => {
    if (r.length !== names.length)
      fail(`${src.name} line ${i + 2}: ${r.length} fields, expected ${names.length}`);
    return Object.fromEntries(names.map((n, j) => [n, r[j] ?? '']));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Serialisation: one entry per line, compact inside each entry, keys in a fixed order.

function block(open: string, close: string, lines: string[]): string {
  return lines.length === 0
    ? `${open}${close}`
    : `${open}\n${lines.map((l) => `    ${l}`).join(',\n')}\n  ${close}`;
}

/**
 * Top-level keys one per line; an array becomes one element per line, a Map one member per line (a Map, not an
 * object, because JavaScript puts integer-like keys such as "20000010" before "00080005" in an object).
 */
function serialise(top: Record<string, unknown>): string {
  const parts = Object.entries(top).map(([key, value]) => {
    let body: string;
    if (Array.isArray(value))
      body = block(
        '[',
        ']',
        value.map((v) => JSON.stringify(v)),
      );
    else if (value instanceof Map)
      body = block(
        '{',
        '}',
        [...value.entries()].map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`),
      );
    else body = JSON.stringify(value);
    return `  ${JSON.stringify(key)}: ${body}`;
  });
  return `{\n${parts.join(',\n')}\n}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// PS3.6 dictionary

interface RawAttribute {
  tag: string;
  name: string;
  keyword: string;
  valueRepresentation: string;
  valueMultiplicity: string;
  retired: string;
  id: string;
}

interface DictionaryBuild {
  json: { source: SourceRecord; tags: Map<string, DictTuple>; masks: MaskTuple[] };
  /** pattern or tag string -> entry, for joining Table E.1-1 */
  byPattern: Map<string, { vr: string; keyword: string; retired: boolean }>;
}

function buildDictionary(src: SourceFile): DictionaryBuild {
  const raw = JSON.parse(src.text) as RawAttribute[];
  if (!Array.isArray(raw) || raw.length === 0) fail(`${src.name}: expected a non-empty array`);
  const exact: [string, DictTuple][] = [];
  const masks: MaskTuple[] = [];
  const byPattern: DictionaryBuild['byPattern'] = new Map();
  const keywords = new Set<string>();
  for (const a of raw) {
    const where = `${src.name} ${a.tag}`;
    const pattern = tagPattern(a.tag, where);
    if (byPattern.has(pattern)) fail(`duplicate tag ${a.tag} in ${src.name}`);
    const vr = vrList(a.valueRepresentation, where);
    const keyword = clean(a.keyword);
    if (keyword && !/^[A-Za-z][A-Za-z0-9]*$/.test(keyword))
      fail(`odd keyword ${JSON.stringify(keyword)} at ${where}`);
    if (keyword) {
      if (keywords.has(keyword)) fail(`duplicate keyword ${keyword} at ${where}`);
      keywords.add(keyword);
    }
    const retired = yesNo(a.retired, where);
    const vm = clean(a.valueMultiplicity);
    byPattern.set(pattern, { vr, keyword, retired });
    const flag: 0 | 1 = retired ? 1 : 0;
    if (isExact(pattern)) exact.push([pattern, [vr, keyword, vm, flag]]);
    else masks.push([pattern, vr, keyword, vm, flag]);
  }
  exact.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  masks.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return {
    json: {
      source: sourceRecord(
        src,
        'PS3.6 Table 6-1 Registry of DICOM Data Elements (and 7-1 File Meta Elements)',
      ),
      tags: new Map(exact),
      masks,
    },
    byPattern,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// PS3.15 Table E.1-1

/** Rows of Table E.1-1 that are Command Elements (PS3.7 Table E.1-1), absent from the PS3.6 dictionary. */
const COMMAND_ELEMENTS: Record<string, { vr: string; keyword: string; retired: boolean }> = {
  '00001000': { vr: 'UI', keyword: 'AffectedSOPInstanceUID', retired: false },
  '00001001': { vr: 'UI', keyword: 'RequestedSOPInstanceUID', retired: false },
};

const PRIVATE_ROW_TAG = /^\(gggg,eeee\)\s*where\s+gggg\s+is\s+odd$/i;

function buildProfile(src: SourceFile, dict: DictionaryBuild, dictSource: SourceRecord) {
  const raw = JSON.parse(src.text) as Record<string, unknown>[];
  if (!Array.isArray(raw)) fail(`${src.name}: expected an array`);
  const fixed = new Set(['name', 'tag', 'id', 'stdCompIOD', 'basicProfile']);
  const rows: ProfileRowJson[] = [];
  const seen = new Set<string>();
  for (const [i, r] of raw.entries()) {
    const rawTag = clean(r.tag);
    const where = `${src.name} row ${i} ${rawTag}`;
    const tag = PRIVATE_ROW_TAG.test(rawTag) ? 'private' : tagPattern(rawTag, where);
    if (seen.has(tag)) fail(`duplicate row ${tag} at ${where}`);
    seen.add(tag);

    // "Icon Image Sequence\n\n(see Note 11)": keep the name, move the note aside.
    let name = clean(r.name);
    let note: string | undefined;
    const noteMatch = /^(.*?)\s*\((see Note \d+)\)$/i.exec(name);
    if (noteMatch) {
      name = noteMatch[1];
      note = noteMatch[2];
    }

    const options: Partial<Record<ProfileOption, ActionCode>> = {};
    for (const [key, value] of Object.entries(r)) {
      if (fixed.has(key)) continue;
      if (!isProfileOption(key)) fail(`unknown column ${JSON.stringify(key)} at ${where}`);
      if (clean(value) === '') continue;
      options[key] = action(value, `${where} ${key}`);
    }
    const ordered: Partial<Record<ProfileOption, ActionCode>> = {};
    for (const key of Object.keys(options).sort() as ProfileOption[]) ordered[key] = options[key];

    let vr = '';
    let keyword = '';
    let retired = false;
    const entry = tag === 'private' ? undefined : (dict.byPattern.get(tag) ?? COMMAND_ELEMENTS[tag]);
    if (entry) {
      ({ vr, keyword, retired } = entry);
    } else if (tag !== 'private') {
      // A pattern with no single dictionary entry, e.g. Curve Data (50xx,xxxx): retired when every PS3.6 entry
      // it covers is retired.
      const covered = [...dict.byPattern.entries()].filter(([p]) => patternCovers(tag, p));
      if (covered.length === 0) fail(`no dictionary entry for ${where}`);
      retired = covered.every(([, e]) => e.retired);
    }

    const row: ProfileRowJson = {
      tag,
      keyword,
      name,
      vr,
      retired,
      inStdCompIOD: yesNo(r.stdCompIOD, `${where} stdCompIOD`),
      basic: action(r.basicProfile, `${where} basicProfile`),
      options: ordered,
    };
    if (note) row.note = note;
    rows.push(row);
  }
  rows.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return {
    source: sourceRecord(src, 'PS3.15 Table E.1-1 Application Level Confidentiality Profile Attributes'),
    joinedWith: dictSource,
    rows,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// PS3.15 Table E.3.10-1 and Table E.3.4-1

function buildSafePrivate(src: SourceFile) {
  const records = csvRecords(src, ['Data Element', 'Private Creator', 'VR', 'VM', 'Meaning']);
  const seen = new Set<string>();
  const entries: SafePrivateJson[] = records.map((r, i) => {
    const where = `${src.name} line ${i + 2}`;
    const m = /^\(([0-9A-Fa-f]{4}),xx([0-9A-Fa-f]{2})\)$/i.exec(clean(r['Data Element']));
    if (!m) fail(`cannot parse private tag ${JSON.stringify(r['Data Element'])} at ${where}`);
    const group = m[1].toUpperCase();
    if ((parseInt(group, 16) & 1) === 0) fail(`private group ${group} is even at ${where}`);
    const creator = clean(r['Private Creator']);
    if (!creator) fail(`empty private creator at ${where}`);
    const element = `xx${m[2].toUpperCase()}`;
    const key = `${creator}|${group}|${element}`;
    if (seen.has(key)) fail(`duplicate safe private entry ${key} at ${where}`);
    seen.add(key);
    const vr = clean(r.VR);
    if (vr && !/^[A-Z]{2}$/.test(vr)) fail(`odd VR ${JSON.stringify(vr)} at ${where}`);
    return { creator, group, element, vr, vm: clean(r.VM), meaning: clean(r.Meaning) };
  });
  entries.sort((a, b) =>
    a.creator !== b.creator
      ? a.creator < b.creator
        ? -1
        : 1
      : `${a.group}${a.element}` < `${b.group}${b.element}`
        ? -1
        : 1,
  );
  return { source: sourceRecord(src, 'PS3.15 Table E.3.10-1 Safe Private Attributes'), entries };
}

function buildStructuredContent(src: SourceFile) {
  const fixed = [
    'Code Meaning',
    'Code Value',
    'Coding Scheme Designator',
    'Value Type',
    'Retd. (from PS3.16 )',
    'In Std. Tpl. (from PS3.16 )',
    'Basic Prof.',
  ];
  const records = csvRecords(src, fixed);
  const seen = new Set<string>();
  const rows: StructuredContentJson[] = records.map((r, i) => {
    const where = `${src.name} line ${i + 2}`;
    const options: Partial<Record<ProfileOption, ActionCode>> = {};
    for (const [column, value] of Object.entries(r)) {
      if (fixed.includes(column)) continue;
      const option = STRUCTURED_CONTENT_OPTION_COLUMNS[column];
      if (!option) fail(`unknown column ${JSON.stringify(column)} in ${src.name}`);
      if (clean(value) === '') continue;
      options[option] = action(value, `${where} ${column}`);
    }
    const ordered: Partial<Record<ProfileOption, ActionCode>> = {};
    for (const key of Object.keys(options).sort() as ProfileOption[]) ordered[key] = options[key];
    const row: StructuredContentJson = {
      codeValue: clean(r['Code Value']),
      codingSchemeDesignator: clean(r['Coding Scheme Designator']),
      codeMeaning: clean(r['Code Meaning']),
      valueType: clean(r['Value Type']),
      retired: yesNo(r['Retd. (from PS3.16 )'], where),
      inStdTemplate: yesNo(r['In Std. Tpl. (from PS3.16 )'], where),
      basic: action(r['Basic Prof.'], `${where} Basic Prof.`),
      options: ordered,
    };
    if (!row.codeValue || !row.codingSchemeDesignator) fail(`empty code at ${where}`);
    const key = `${row.codingSchemeDesignator}|${row.codeValue}|${row.valueType}`;
    if (seen.has(key)) fail(`duplicate code ${key} at ${where}`);
    seen.add(key);
    return row;
  });
  const key = (r: StructuredContentJson) =>
    [r.codingSchemeDesignator, r.codeValue, r.valueType].join('\u0000');
  rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { source: sourceRecord(src, 'PS3.15 Table E.3.4-1 Clean Structured Content Option Codes'), rows };
}

// ---------------------------------------------------------------------------------------------------------------

/** Builds every generated file in memory: repository-relative path -> file contents. */
export function generateAll(referenceDir: string = defaultReferenceDir()): Map<string, string> {
  const dictSrc = readSource(referenceDir, SOURCE_FILES.dictionary);
  const dict = buildDictionary(dictSrc);
  const out = new Map<string, string>();
  out.set(OUTPUT_FILES.dictionary, serialise(dict.json));
  out.set(
    OUTPUT_FILES.profile,
    serialise(buildProfile(readSource(referenceDir, SOURCE_FILES.profile), dict, dict.json.source)),
  );
  out.set(
    OUTPUT_FILES.safePrivate,
    serialise(buildSafePrivate(readSource(referenceDir, SOURCE_FILES.safePrivate))),
  );
  out.set(
    OUTPUT_FILES.structuredContent,
    serialise(buildStructuredContent(readSource(referenceDir, SOURCE_FILES.structuredContent))),
  );
  return out;
}

/** Committed files whose contents differ from a fresh generation (missing files count as different). */
export function staleFiles(generated: Map<string, string>, root: string = REPO_ROOT): string[] {
  const stale: string[] = [];
  for (const [rel, contents] of generated) {
    const file = path.join(root, rel);
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== contents) stale.push(rel);
  }
  return stale;
}

function main(argv: string[]): number {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`usage: npx tsx scripts/generate-reference.ts [--check]\n`);
    return 2;
  }
  const referenceDir = defaultReferenceDir();
  const generated = generateAll(referenceDir);
  if (argv.includes('--check')) {
    const stale = staleFiles(generated);
    if (stale.length > 0) {
      process.stderr.write(
        `Out of date with ${referenceDir}:\n${stale.map((f) => `  ${f}`).join('\n')}\n` +
          `Run: npx tsx scripts/generate-reference.ts\n`,
      );
      return 1;
    }
    process.stdout.write(`Reference files are up to date (${generated.size} files).\n`);
    return 0;
  }
  for (const [rel, contents] of generated) {
    const file = path.join(REPO_ROOT, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (before !== contents) fs.writeFileSync(file, contents);
    process.stdout.write(
      `${before === contents ? 'unchanged' : 'wrote    '} ${rel} (${Buffer.byteLength(contents)} bytes)\n`,
    );
  }
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
