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

/**
 * Registered UIDs under DICOM's root are short: at most 9 components of at most 3 digits after it in PS3.6 Table A-1
 * (checked against pydicom's copy of the registry). Some devices mint instance UIDs under the root anyway, with a
 * date, time or serial number appended ('1.2.840.10008.5.1.4.1.1.2.20200315.101530.778899'): those are mapped.
 * The limits leave room for UIDs registered later than our dictionary.
 */
function looksRegistered(rest: string): boolean {
  const parts = rest.split('.');
  return parts.length <= 12 && parts.every((p) => /^\d{1,4}$/.test(p));
}

export function isRegisteredUid(uid: string): boolean {
  if (uid.startsWith(HL7_CODE_SYSTEMS)) return true;
  return uid.startsWith(DICOM_ROOT) && looksRegistered(uid.slice(DICOM_ROOT.length));
}
