// The attributes that say a data set was de-identified, and how (PS3.3 C.7.1.1 Patient Identity Removed, PS3.15
// E.1.1 "the De-identification Method Code Sequence shall be added"), plus Longitudinal Temporal Information
// Modified (PS3.3 C.7.3.1) and Burned In Annotation when the pixels were cleaned.

import type { DicomElement, DicomItem } from '../dicom/parse';
import type { DeidMethodCode, ProfileOption } from './profile/profile';

export const PATIENT_IDENTITY_REMOVED = 0x00120062;
export const DEIDENTIFICATION_METHOD = 0x00120063;
export const DEIDENTIFICATION_METHOD_CODE_SEQUENCE = 0x00120064;
export const LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED = 0x00280303;
export const BURNED_IN_ANNOTATION = 0x00280301;

/** De-identification Method (LO, at most 64 characters). */
export const DEIDENTIFICATION_METHOD_TEXT = 'ClearDisc: DICOM PS3.15 Basic Profile (options: see 0012,0064)';

function element(tag: number, vr: string, text: string): DicomElement {
  const value = Uint8Array.from(Buffer.from(text, 'latin1'));
  return { tag, vr, offset: 0, valueOffset: 0, length: value.length, value };
}

function codeItem(code: DeidMethodCode): DicomItem {
  return {
    offset: 0,
    elements: [
      element(0x00080100, 'SH', code.codeValue),
      element(0x00080102, 'SH', code.codingSchemeDesignator),
      element(0x00080104, 'LO', code.codeMeaning),
    ],
  };
}

/** MODIFIED when dates were shifted, UNMODIFIED when kept, REMOVED when neither date option is in force. */
export function temporalInformation(
  inForce: ReadonlySet<ProfileOption>,
): 'MODIFIED' | 'UNMODIFIED' | 'REMOVED' {
  if (inForce.has('rtnLongModifDatesOpt')) return 'MODIFIED';
  if (inForce.has('rtnLongFullDatesOpt')) return 'UNMODIFIED';
  return 'REMOVED';
}

/** Top-level elements to add (replacing any with the same tag). All values are ASCII: valid in every charset. */
export function deidentificationElements(a: {
  codes: readonly DeidMethodCode[];
  inForce: ReadonlySet<ProfileOption>;
  pixelsCleaned: boolean;
}): DicomElement[] {
  const out: DicomElement[] = [
    element(PATIENT_IDENTITY_REMOVED, 'CS', 'YES'),
    element(DEIDENTIFICATION_METHOD, 'LO', DEIDENTIFICATION_METHOD_TEXT),
    {
      tag: DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
      vr: 'SQ',
      offset: 0,
      valueOffset: 0,
      length: 0,
      items: a.codes.map(codeItem),
    },
    element(LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED, 'CS', temporalInformation(a.inForce)),
  ];
  // Only a pixel cleaner can vouch for the pixels; the source's own value is left as it was otherwise.
  if (a.pixelsCleaned) out.push(element(BURNED_IN_ANNOTATION, 'CS', 'NO'));
  return out;
}
