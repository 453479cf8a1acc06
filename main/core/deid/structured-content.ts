// PS3.15 Table E.3.4-1: content items (SR Content Sequence, Acquisition Context, specimen preparation steps) whose
// concept names carry identity — 'Subject Name', 'Person Observer Name', 'Subject Birth Date', 'Device Observer
// UID', ... The table gives an action per concept and value type; it applies to the item's value.

import { asciiValue, findElement } from '../dicom/values';
import type { DicomElement } from '../dicom/parse';
import { actionFromColumns, type Action } from './actions';
import { structuredContentCodeMap, structuredContentKey, type ProfileOption } from './profile/profile';

const VALUE_TYPE = 0x0040a040;
const CONCEPT_NAME_CODE_SEQUENCE = 0x0040a043;
const CODE_VALUE = 0x00080100;
const CODING_SCHEME_DESIGNATOR = 0x00080102;
const LONG_CODE_VALUE = 0x00080119;
const URN_CODE_VALUE = 0x00080120;

/** Where each value type keeps its value (PS3.3 C.17.3 / Table 10-2 Content Item Macro). */
const VALUE_TAGS: Record<string, readonly number[]> = {
  TEXT: [0x0040a160],
  PNAME: [0x0040a123],
  UIDREF: [0x0040a124],
  DATETIME: [0x0040a120],
  DATE: [0x0040a121],
  TIME: [0x0040a122],
  NUM: [0x0040a300, 0x0040a301],
  CODE: [0x0040a168],
  IMAGE: [0x00081199],
  COMPOSITE: [0x00081199],
  WAVEFORM: [0x00081199],
  SCOORD: [0x00700022],
  SCOORD3D: [0x00700022],
  TCOORD: [0x0040a132, 0x0040a130, 0x0040a13a],
};

export interface ContentItemDecision {
  /** X: the item goes (or, when the document references items by position, its value is emptied). */
  action: Action;
  /** Tags of the item's value elements the action applies to. */
  valueTags: readonly number[];
  option?: ProfileOption;
}

/**
 * The Table E.3.4-1 action for a content item (an item holding Value Type and Concept Name Code Sequence), or
 * undefined when its concept is not in the table (its elements then follow Table E.1-1 as usual). Compound codes
 * resolve to X: template requirements are unknown here, and removal is the safer reading.
 */
export function contentItemDecision(
  item: readonly DicomElement[],
  inForce: ReadonlySet<ProfileOption>,
): ContentItemDecision | undefined {
  const valueType = asciiValue(findElement(item, VALUE_TYPE)).toUpperCase();
  const concept = findElement(item, CONCEPT_NAME_CODE_SEQUENCE)?.items?.[0]?.elements;
  if (!valueType || !concept) return undefined;
  const code =
    asciiValue(findElement(concept, CODE_VALUE)) ||
    asciiValue(findElement(concept, LONG_CODE_VALUE)) ||
    asciiValue(findElement(concept, URN_CODE_VALUE));
  const scheme = asciiValue(findElement(concept, CODING_SCHEME_DESIGNATOR));
  const row = structuredContentCodeMap().get(structuredContentKey(scheme, code, valueType));
  if (!row) return undefined;
  // Tag 0: no attribute Type applies to a concept, so compound codes take their first (removing) choice.
  const { action, option } = actionFromColumns(row.basic, row.options, inForce, 0, '');
  return { action, valueTags: VALUE_TAGS[valueType] ?? [], option };
}

/** Concepts whose NUM value is the subject's age (DCM, LOINC, SNOMED CT codes for "Age" / "Subject Age"). */
const AGE_CONCEPTS = new Set(['DCM|121033', 'LN|30525-0', 'LN|21612-7', 'SCT|397669002', 'SRT|F-00040']);
/** UCUM age units, in days. */
const DAYS_PER_UCUM: Record<string, number> = {
  a: 365.25,
  mo: 365.25 / 12,
  wk: 7,
  d: 1,
  h: 1 / 24,
  min: 1 / 1440,
};
const MEASURED_VALUE_SEQUENCE = 0x0040a300;
const MEASUREMENT_UNITS_CODE_SEQUENCE = 0x004008ea;
const NUMERIC_VALUE = 0x0040a30a;
/** Other spellings of the same number (Floating Point Value, Rational Numerator/Denominator): they would keep the age. */
const OTHER_NUMBER_TAGS = new Set([0x0040a161, 0x0040a162, 0x0040a163]);

/**
 * A NUM content item giving the subject's age as 90 years or more says 90 years instead (in its own units), as
 * Patient's Age becomes 090Y: ages above 89 are rare enough to identify. Returns the item unchanged otherwise.
 */
export function capSubjectAge(item: readonly DicomElement[]): readonly DicomElement[] {
  if (asciiValue(findElement(item, VALUE_TYPE)).toUpperCase() !== 'NUM') return item;
  const concept = findElement(item, CONCEPT_NAME_CODE_SEQUENCE)?.items?.[0]?.elements;
  const scheme = asciiValue(findElement(concept ?? [], CODING_SCHEME_DESIGNATOR));
  if (!concept || !AGE_CONCEPTS.has(`${scheme}|${asciiValue(findElement(concept, CODE_VALUE))}`)) return item;
  const measured = findElement(item, MEASURED_VALUE_SEQUENCE);
  const value = measured?.items?.[0]?.elements;
  if (!measured || !value) return item;
  const units = findElement(value, MEASUREMENT_UNITS_CODE_SEQUENCE)?.items?.[0]?.elements ?? [];
  // Years when the unit is missing or unknown: the safer reading (a large number of days is not a small age).
  const perDay = DAYS_PER_UCUM[asciiValue(findElement(units, CODE_VALUE))] ?? 365.25;
  const n = Number(asciiValue(findElement(value, NUMERIC_VALUE)));
  if (!Number.isFinite(n) || (n * perDay) / 365.25 < 90) return item;
  // ASCII digits; the writer pads the value to even length.
  const capped = Uint8Array.from(Buffer.from(String(Math.ceil((90 * 365.25) / perDay)), 'latin1'));
  const newValue = value
    .filter((e) => !OTHER_NUMBER_TAGS.has(e.tag >>> 0))
    .map((e) => (e.tag >>> 0 === NUMERIC_VALUE ? { ...e, value: capped, length: capped.length } : e));
  const newMeasured: DicomElement = {
    ...measured,
    items: [{ ...measured.items![0], elements: newValue }, ...measured.items!.slice(1)],
  };
  return item.map((e) => (e === measured ? newMeasured : e));
}
