// PS3.15 Annex E as data: Table E.1-1 (2025b), Table E.3.10-1 safe private attributes and Table E.3.4-1 structured
// content codes (2020b), from the *.generated.json files made by scripts/generate-reference.ts.

import { trimSpaceAndNul } from '../../dicom/charset';
import safePrivateJson from './safe-private.generated.json';
import structuredContentJson from './structured-content-codes.generated.json';
import tableJson from './table-e1-1.generated.json';
import { isKnownActionCode, type ActionCode, type ProfileOption } from './codes';
import type { ProfileRowJson, ReferenceSource, SafePrivateJson } from './generated-shapes';

export {
  ACTION_CODES,
  BASIC_PROFILE_CODE,
  CLEAN_PIXEL_DATA_CODE,
  CLEAN_RECOGNIZABLE_VISUAL_FEATURES_CODE,
  isKnownActionCode,
  isProfileOption,
  OPTION_INFO,
  PROFILE_OPTIONS,
} from './codes';
export type { ActionCode, DeidMethodCode, OptionInfo, ProfileOption } from './codes';

export type { ReferenceSource } from './generated-shapes';

export type OptionActions = Readonly<Partial<Record<ProfileOption, ActionCode>>>;

export interface ProfileRow {
  /**
   * "GGGGEEEE" (upper-case hex) for the 643 single attributes, or one of the patterns
   * "50xxxxxx" (Curve Data), "60xx3000" (Overlay Data), "60xx4000" (Overlay Comments), "private" (odd groups).
   */
  readonly tag: string;
  /** The tag as a number; undefined for pattern rows. */
  readonly tagNumber: number | undefined;
  /** PS3.6 keyword ('' for Curve Data and the private row). */
  readonly keyword: string;
  /** The attribute name as Table E.1-1 prints it. */
  readonly name: string;
  /** PS3.6 VR(s) joined by '|', e.g. "OB|OW"; '' for Curve Data and the private row. */
  readonly vr: string;
  readonly retired: boolean;
  /** Table E.1-1 "In Std. Comp. IOD" column. */
  readonly inStdCompIOD: boolean;
  /** e.g. "see Note 11" (Icon Image Sequence). */
  readonly note?: string;
  /** The Basic Profile action. */
  readonly basic: ActionCode;
  /** The option columns that are not empty for this row. */
  readonly options: OptionActions;
}

interface TableJson {
  source: ReferenceSource;
  joinedWith: ReferenceSource;
  /** Action codes are checked on load: the file could be edited by hand. */
  rows: (Omit<ProfileRowJson, 'basic' | 'options'> & { basic: string; options: Record<string, string> })[];
}

function checkedAction(code: string, where: string): ActionCode {
  if (!isKnownActionCode(code)) throw new Error(`unknown action code ${JSON.stringify(code)} in ${where}`);
  return code;
}

function checkedOptions(options: Record<string, string>, where: string): OptionActions {
  const out: Partial<Record<ProfileOption, ActionCode>> = {};
  for (const [key, code] of Object.entries(options))
    out[key as ProfileOption] = checkedAction(code, `${where} ${key}`);
  return Object.freeze(out);
}

// ---------------------------------------------------------------------------------------------------------------
// Table E.1-1

const table = tableJson as unknown as TableJson;

/** Source of Table E.1-1 and of the dictionary it was joined with. */
export const PROFILE_SOURCE: ReferenceSource = Object.freeze({ ...table.source });
export const PROFILE_DICTIONARY_SOURCE: ReferenceSource = Object.freeze({ ...table.joinedWith });

interface Matcher {
  readonly row: ProfileRow;
  readonly matches: (tag: number) => boolean;
}

let rowsCache: readonly ProfileRow[] | undefined;
let exactCache: ReadonlyMap<number, ProfileRow> | undefined;
let patternCache: readonly Matcher[] | undefined;

/** All 647 rows of Table E.1-1, sorted by tag (patterns after their group, "private" last). */
export function loadProfile(): readonly ProfileRow[] {
  if (!rowsCache) {
    rowsCache = Object.freeze(
      table.rows.map((r) => {
        const where = `Table E.1-1 ${r.tag}`;
        const row: ProfileRow = {
          tag: r.tag,
          tagNumber: /^[0-9A-F]{8}$/.test(r.tag) ? parseInt(r.tag, 16) >>> 0 : undefined,
          keyword: r.keyword,
          name: r.name,
          vr: r.vr,
          retired: r.retired,
          inStdCompIOD: r.inStdCompIOD,
          ...(r.note ? { note: r.note } : {}),
          basic: checkedAction(r.basic, where),
          options: checkedOptions(r.options, where),
        };
        return Object.freeze(row);
      }),
    );
  }
  return rowsCache;
}

/** Rows for single attributes, by tag number. */
export function exactRows(): ReadonlyMap<number, ProfileRow> {
  if (!exactCache) {
    const map = new Map<number, ProfileRow>();
    for (const row of loadProfile()) if (row.tagNumber !== undefined) map.set(row.tagNumber, row);
    exactCache = map;
  }
  return exactCache;
}

function matcherFor(row: ProfileRow): Matcher {
  if (row.tag === 'private') return { row, matches: (tag) => ((tag >>> 16) & 1) === 1 };
  let mask = 0;
  let value = 0;
  for (const ch of row.tag) {
    mask = mask * 16 + (ch === 'x' ? 0 : 0xf);
    value = value * 16 + (ch === 'x' ? 0 : parseInt(ch, 16));
  }
  const groupPattern = row.tag.slice(0, 4);
  // The standard's curves and overlays are the even groups 5000-501E and 6000-601E (PS3.5 7.6); the rows are read
  // as written (any even xx), so data in a group beyond 1E, which no standard reader expects, goes too.
  const repeating = groupPattern === '50xx' || groupPattern === '60xx';
  return {
    row,
    matches: (tag) => {
      const t = tag >>> 0;
      if ((t & mask) >>> 0 !== value >>> 0) return false;
      return !repeating || ((t >>> 16) & 1) === 0;
    },
  };
}

function matchers(): readonly Matcher[] {
  if (!patternCache)
    patternCache = Object.freeze(
      loadProfile()
        .filter((r) => r.tagNumber === undefined)
        .map(matcherFor),
    );
  return patternCache;
}

/** The 4 pattern rows: "50xxxxxx", "60xx3000", "60xx4000" and "private". */
export function patternRows(): readonly ProfileRow[] {
  return matchers().map((m) => m.row);
}

/**
 * The row of Table E.1-1 that governs a tag: its own row, else a repeating-group row (curves, overlay data and
 * comments), else the private row for any odd group; undefined for standard attributes the table does not list.
 */
export function rowForTag(tag: number): ProfileRow | undefined {
  const t = tag >>> 0;
  const hit = exactRows().get(t);
  if (hit) return hit;
  // Non-private patterns first: they are even groups, so order only matters for clarity.
  for (const m of matchers()) if (m.row.tag !== 'private' && m.matches(t)) return m.row;
  for (const m of matchers()) if (m.row.tag === 'private' && m.matches(t)) return m.row;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Table E.3.10-1 safe private attributes

export interface SafePrivateEntry {
  /** Private Creator value as the table gives it (trimmed). */
  readonly creator: string;
  readonly group: number;
  /** The element's low byte: (gggg,xxEE) -> 0xEE. */
  readonly elementLow: number;
  /** '' where the table gives no VR. */
  readonly vr: string;
  readonly vm: string;
  readonly meaning: string;
}

interface SafePrivateFile {
  source: ReferenceSource;
  entries: SafePrivateJson[];
}

const safePrivate = safePrivateJson as unknown as SafePrivateFile;
export const SAFE_PRIVATE_SOURCE: ReferenceSource = Object.freeze({ ...safePrivate.source });

/** Private creators compare after trimming spaces and NULs at both ends (the value padding of LO). */
export function normaliseCreator(creator: string): string {
  return trimSpaceAndNul(creator);
}

/**
 * Key of a private element in loadSafePrivate(): creator (normalised), group, and the low byte of the element.
 * `element` may be the full element number (gggg,xxEE) or already the low byte.
 */
export function safePrivateKey(creator: string, group: number, element: number): string {
  const g = (group & 0xffff).toString(16).toUpperCase().padStart(4, '0');
  const e = (element & 0xff).toString(16).toUpperCase().padStart(2, '0');
  return `${normaliseCreator(creator)}|${g}|${e}`;
}

let safePrivateCache: ReadonlyMap<string, SafePrivateEntry> | undefined;

/** Table E.3.10-1, keyed by safePrivateKey(creator, group, element). */
export function loadSafePrivate(): ReadonlyMap<string, SafePrivateEntry> {
  if (!safePrivateCache) {
    const map = new Map<string, SafePrivateEntry>();
    for (const e of safePrivate.entries) {
      const entry: SafePrivateEntry = Object.freeze({
        creator: e.creator,
        group: parseInt(e.group, 16),
        elementLow: parseInt(e.element.slice(2), 16),
        vr: e.vr,
        vm: e.vm,
        meaning: e.meaning,
      });
      map.set(safePrivateKey(entry.creator, entry.group, entry.elementLow), entry);
    }
    safePrivateCache = map;
  }
  return safePrivateCache;
}

// ---------------------------------------------------------------------------------------------------------------
// Table E.3.4-1 structured content codes

export interface StructuredContentCode {
  readonly codeValue: string;
  readonly codingSchemeDesignator: string;
  readonly codeMeaning: string;
  /** SR value type of the content item: TEXT, PNAME, DATETIME, UIDREF, IMAGE, COMPOSITE, ... */
  readonly valueType: string;
  readonly retired: boolean;
  readonly inStdTemplate: boolean;
  readonly basic: ActionCode;
  /** Table E.3.4-1 has columns for the UIDs, Device, Institution, Patient Characteristics, both Dates and Descriptors options. */
  readonly options: OptionActions;
}

interface StructuredContentJson {
  source: ReferenceSource;
  rows: {
    codeValue: string;
    codingSchemeDesignator: string;
    codeMeaning: string;
    valueType: string;
    retired: boolean;
    inStdTemplate: boolean;
    basic: string;
    options: Record<string, string>;
  }[];
}

const structuredContent = structuredContentJson as unknown as StructuredContentJson;
export const STRUCTURED_CONTENT_SOURCE: ReferenceSource = Object.freeze({ ...structuredContent.source });

let structuredCache: readonly StructuredContentCode[] | undefined;

/** Table E.3.4-1 rows (a concept may appear once per value type), sorted by scheme, code value, value type. */
export function loadStructuredContentCodes(): readonly StructuredContentCode[] {
  if (!structuredCache) {
    structuredCache = Object.freeze(
      structuredContent.rows.map((r) => {
        const where = `Table E.3.4-1 ${r.codingSchemeDesignator} ${r.codeValue}`;
        return Object.freeze({
          codeValue: r.codeValue,
          codingSchemeDesignator: r.codingSchemeDesignator,
          codeMeaning: r.codeMeaning,
          valueType: r.valueType,
          retired: r.retired,
          inStdTemplate: r.inStdTemplate,
          basic: checkedAction(r.basic, where),
          options: checkedOptions(r.options, where),
        });
      }),
    );
  }
  return structuredCache;
}

/** Key for looking up a concept name: "<scheme>|<code value>|<value type>", e.g. "DCM|121029|PNAME". */
export function structuredContentKey(
  codingSchemeDesignator: string,
  codeValue: string,
  valueType: string,
): string {
  return `${codingSchemeDesignator.trim()}|${codeValue.trim()}|${valueType.trim().toUpperCase()}`;
}

let structuredMapCache: ReadonlyMap<string, StructuredContentCode> | undefined;

/** Table E.3.4-1 keyed by structuredContentKey(scheme, code value, value type). */
export function structuredContentCodeMap(): ReadonlyMap<string, StructuredContentCode> {
  if (!structuredMapCache) {
    structuredMapCache = new Map(
      loadStructuredContentCodes().map((c) => [
        structuredContentKey(c.codingSchemeDesignator, c.codeValue, c.valueType),
        c,
      ]),
    );
  }
  return structuredMapCache;
}
