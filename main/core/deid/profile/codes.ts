// The closed vocabularies of PS3.15 Annex E: action codes, the option columns of Table E.1-1, and the
// CID 7050 "De-identification Method" codes that name the profile and each option.
// No JSON import here: scripts/generate-reference.ts validates the source tables against these lists, so this
// module must load even when the generated files are missing or stale.

/**
 * Every action code that occurs in Table E.1-1 (2025b) and Table E.3.4-1 (2020b), as PS3.15 Table E.1-1a defines them:
 * - D: replace with a non-zero length dummy value consistent with the VR
 * - Z: replace with a zero-length value (or a dummy consistent with the VR)
 * - X: remove
 * - K: keep (unchanged for non-sequence attributes, cleaned for sequences)
 * - C: clean (replace with values of similar meaning known not to identify)
 * - U: replace with a non-zero length UID, internally consistent within a set of instances
 * - Z/D, X/Z, X/D, X/Z/D: the first unless a later one is needed for IOD conformance (Type 3 / 2 / 1)
 * - X/Z/U*: X unless Z or replacement of the contained instance UIDs (U) is needed for IOD conformance
 *   (sequences of UID references)
 */
export type ActionCode = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U' | 'Z/D' | 'X/Z' | 'X/D' | 'X/Z/D' | 'X/Z/U*';

export const ACTION_CODES: readonly ActionCode[] = Object.freeze([
  'D',
  'Z',
  'X',
  'K',
  'C',
  'U',
  'Z/D',
  'X/Z',
  'X/D',
  'X/Z/D',
  'X/Z/U*',
] as const);

const ACTION_CODE_SET: ReadonlySet<string> = new Set<string>(ACTION_CODES);

export function isKnownActionCode(s: unknown): s is ActionCode {
  return typeof s === 'string' && ACTION_CODE_SET.has(s);
}

/** The option columns of Table E.1-1, in the table's column order (keys as in the innolitics source JSON). */
export const PROFILE_OPTIONS = Object.freeze([
  'rtnSafePrivOpt',
  'rtnUIDsOpt',
  'rtnDevIdOpt',
  'rtnInstIdOpt',
  'rtnPatCharsOpt',
  'rtnLongFullDatesOpt',
  'rtnLongModifDatesOpt',
  'cleanDescOpt',
  'cleanStructContOpt',
  'cleanGraphOpt',
] as const);

export type ProfileOption = (typeof PROFILE_OPTIONS)[number];

const PROFILE_OPTION_SET: ReadonlySet<string> = new Set<string>(PROFILE_OPTIONS);

export function isProfileOption(s: unknown): s is ProfileOption {
  return typeof s === 'string' && PROFILE_OPTION_SET.has(s);
}

/** A CID 7050 concept, ready for an item of De-identification Method Code Sequence (0012,0064). */
export interface DeidMethodCode {
  readonly codeValue: string;
  readonly codingSchemeDesignator: 'DCM';
  readonly codeMeaning: string;
}

export interface OptionInfo {
  /** The option's name in PS3.15 Annex E. */
  readonly name: string;
  /** The PS3.15 section that defines the option. */
  readonly section: string;
  /** The column header of the option in PS3.15 Table E.1-1. */
  readonly column: string;
  /** Its code in PS3.16 CID 7050. */
  readonly code: DeidMethodCode;
}

const dcm = (codeValue: string, codeMeaning: string): DeidMethodCode =>
  Object.freeze({ codeValue, codingSchemeDesignator: 'DCM' as const, codeMeaning });

// PS3.16 CID 7050 De-identification Method (OID 1.2.840.10008.6.1.925). Codes and meanings checked against the CID 7050
// value set as published from the standard (113100-113112).
export const BASIC_PROFILE_CODE = dcm('113100', 'Basic Application Confidentiality Profile');
export const CLEAN_PIXEL_DATA_CODE = dcm('113101', 'Clean Pixel Data Option');
export const CLEAN_RECOGNIZABLE_VISUAL_FEATURES_CODE = dcm(
  '113102',
  'Clean Recognizable Visual Features Option',
);

export const OPTION_INFO: Readonly<Record<ProfileOption, OptionInfo>> = Object.freeze({
  rtnSafePrivOpt: Object.freeze({
    name: 'Retain Safe Private Option',
    section: 'E.3.10',
    column: 'Rtn. Safe Priv. Opt.',
    code: dcm('113111', 'Retain Safe Private Option'),
  }),
  rtnUIDsOpt: Object.freeze({
    name: 'Retain UIDs Option',
    section: 'E.3.9',
    column: 'Rtn. UIDs Opt.',
    code: dcm('113110', 'Retain UIDs Option'),
  }),
  rtnDevIdOpt: Object.freeze({
    name: 'Retain Device Identity Option',
    section: 'E.3.8',
    column: 'Rtn. Dev. Id. Opt.',
    code: dcm('113109', 'Retain Device Identity Option'),
  }),
  rtnInstIdOpt: Object.freeze({
    name: 'Retain Institution Identity Option',
    section: 'E.3.11',
    column: 'Rtn. Inst. Id. Opt.',
    code: dcm('113112', 'Retain Institution Identity Option'),
  }),
  rtnPatCharsOpt: Object.freeze({
    name: 'Retain Patient Characteristics Option',
    section: 'E.3.7',
    column: 'Rtn. Pat. Chars. Opt.',
    code: dcm('113108', 'Retain Patient Characteristics Option'),
  }),
  rtnLongFullDatesOpt: Object.freeze({
    name: 'Retain Longitudinal Temporal Information with Full Dates Option',
    section: 'E.3.6',
    column: 'Rtn. Long. Full Dates Opt.',
    code: dcm('113106', 'Retain Longitudinal Temporal Information Full Dates Option'),
  }),
  rtnLongModifDatesOpt: Object.freeze({
    name: 'Retain Longitudinal Temporal Information with Modified Dates Option',
    section: 'E.3.6',
    column: 'Rtn. Long. Modif. Dates Opt.',
    code: dcm('113107', 'Retain Longitudinal Temporal Information Modified Dates Option'),
  }),
  cleanDescOpt: Object.freeze({
    name: 'Clean Descriptors Option',
    section: 'E.3.5',
    column: 'Clean Desc. Opt.',
    code: dcm('113105', 'Clean Descriptors Option'),
  }),
  cleanStructContOpt: Object.freeze({
    name: 'Clean Structured Content Option',
    section: 'E.3.4',
    column: 'Clean Struct. Cont. Opt.',
    code: dcm('113104', 'Clean Structured Content Option'),
  }),
  cleanGraphOpt: Object.freeze({
    name: 'Clean Graphics Option',
    section: 'E.3.3',
    column: 'Clean Graph. Opt.',
    code: dcm('113103', 'Clean Graphics Option'),
  }),
});

/** Option columns of Table E.3.4-1 (the structured-content table has no Safe Private, Struct. Cont. or Graphics column). */
export const STRUCTURED_CONTENT_OPTION_COLUMNS: Readonly<Record<string, ProfileOption>> = Object.freeze({
  'Rtn. UIDs Opt.': 'rtnUIDsOpt',
  'Rtn. Dev. Id. Opt.': 'rtnDevIdOpt',
  'Rtn. Inst. Id. Opt.': 'rtnInstIdOpt',
  'Rtn. Pat. Chars. Opt.': 'rtnPatCharsOpt',
  'Rtn. Long. Full Dates Opt.': 'rtnLongFullDatesOpt',
  'Rtn. Long. Modif. Dates Opt.': 'rtnLongModifDatesOpt',
  'Clean Desc. Opt.': 'cleanDescOpt',
});
