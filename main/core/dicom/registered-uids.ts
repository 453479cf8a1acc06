// UIDs that name public vocabularies, not anything of a patient's: kept as they are by the UID mapping, and never
// identity tokens for the second lock.

/** DICOM's own root: SOP classes, transfer syntaxes, DICOM coding schemes and context groups. */
const DICOM_ROOT = '1.2.840.10008.';
/**
 * HL7's arc for external code systems (LOINC 2.16.840.1.113883.6.1, SNOMED CT .6.96, UCUM .6.8, ICD-10 .6.3,
 * RadLex .6.256): Coding Scheme UIDs in the Coding Scheme Identification Sequence. HL7 assigns it to code
 * systems only, so no site's own UIDs live there.
 */
const HL7_CODE_SYSTEMS = '2.16.840.1.113883.6.';

export function isRegisteredUid(uid: string): boolean {
  return uid.startsWith(DICOM_ROOT) || uid.startsWith(HL7_CODE_SYSTEMS);
}
