// Action D ("replace with a non-zero length dummy value consistent with the VR"): one fixed, obviously artificial
// value per VR, so a reader sees a placeholder and never mistakes it for data. Patient Name/ID are not dummies:
// they become the case code (transform.ts).

/** The dummy for string VRs; valid in PN, LO, SH, CS (upper case, no punctuation), AE and the free-text VRs. */
export const DUMMY_TEXT = 'ANONYMOUS';

/**
 * Dummies in order of preference. A source already anonymised by another tool may carry one of them as a name
 * ('Anonymous'); writing it back would look like that name to the second lock, so the first one that is not an
 * identity token is used. 'X' is a single character, which never counts as a token.
 */
export const DUMMY_TEXT_CHOICES: readonly string[] = [DUMMY_TEXT, 'REMOVED', 'NONE', 'X'];

const DUMMY_STRINGS: Record<string, string> = {
  DA: '19000101',
  TM: '000000',
  DT: '19000101000000',
  AS: '000Y',
  DS: '0',
  IS: '0',
};

/** Byte sizes of one zero value of each binary VR (zero is the same in either byte order). */
const BINARY_SIZES: Record<string, number> = {
  US: 2,
  SS: 2,
  UL: 4,
  SL: 4,
  FL: 4,
  FD: 8,
  SV: 8,
  UV: 8,
  AT: 4,
  OB: 2,
  OW: 2,
  OF: 4,
  OL: 4,
  OD: 8,
  OV: 8,
  UN: 2,
};

/**
 * A dummy string for `vr`, or undefined for binary VRs, UI (re-mapped instead) and SQ (kept and cleaned).
 * `text` is the dummy for the text VRs (see DUMMY_TEXT_CHOICES).
 */
export function dummyString(vr: string, text: string = DUMMY_TEXT): string | undefined {
  if (vr === 'UI' || vr === 'SQ' || vr in BINARY_SIZES) return undefined;
  return DUMMY_STRINGS[vr] ?? text;
}

/** A zero value for a binary VR, or undefined for string VRs. */
export function dummyBinary(vr: string): Uint8Array | undefined {
  const n = BINARY_SIZES[vr];
  return n === undefined ? undefined : new Uint8Array(n);
}
