// Identity collected from source headers: what cleaning removes from kept text and what the second lock
// (verify/identity-tokens.ts → second-lock.ts) proves absent from the output. Collected from every instance of a
// case, chosen or not, at every sequence depth, so a name that appears in full in one file and in a description in
// another is still caught.

import { DEFAULT_DEID_OPTIONS, type DeidOptions } from '../../../shared/deid-types';
import { decodeText, trimSpaceAndNul } from '../dicom/charset';
import { lookup } from '../dicom/dictionary';
import { isPrivateTag, type DicomElement } from '../dicom/parse';
import { charsetsOf, STRING_VRS } from '../dicom/values';
import { decideAction } from './actions';
import { isRegisteredUid, trimUid } from './uid-map';
import { TEXT_PIECES } from '../verify/identity-tokens';

/** Every option off: the base that a caller's partial options are laid over. */
const NO_OPTIONS = Object.fromEntries(
  Object.keys(DEFAULT_DEID_OPTIONS).map((k) => [k, false]),
) as unknown as DeidOptions;

export interface CollectedIdentity {
  /** PN values as decoded (all component groups), e.g. 'Yamada^Tarou=山田^太郎'. */
  names: string[];
  ids: string[];
  /** DA values (birth dates). */
  dates: string[];
  /** Addresses, phone numbers, institution, department and station names, issuers. */
  texts: string[];
  /** Every non-registered UID. */
  uids: string[];
  /** The patient's own names (Patient's Name, Other Patient Names, Birth Name, Mother's Birth Name), also in `names`. */
  patientNames?: string[];
}

export function emptyIdentity(): CollectedIdentity {
  return { names: [], ids: [], dates: [], texts: [], uids: [], patientNames: [] };
}

/** Patient's Name, Other Patient Names, Patient's Birth Name, Patient's Mother's Birth Name. */
const PATIENT_NAMES = new Set([0x00100010, 0x00101001, 0x00101005, 0x00101060]);

/** Identifiers of the patient or the visit: collected whatever their length. */
const PATIENT_IDS = new Set([
  0x00100020, // Patient ID (also inside Other Patient IDs Sequence)
  0x00101000, // Other Patient IDs
  0x00101090, // Medical Record Locator
  0x00080050, // Accession Number
  0x00380010, // Admission ID
  0x00380060, // Service Episode ID
  0x00402016, // Placer Order Number / Imaging Service Request
  0x00402017, // Filler Order Number / Imaging Service Request
  0x00120040, // Clinical Trial Subject ID
  0x00120042, // Clinical Trial Subject Reading ID
]);

/**
 * Workflow identifiers (Study ID, procedure step IDs): often short counters ('1', '23') that would match numbers
 * everywhere, so only collected from 5 characters up, where they are specific enough to identify.
 */
const WORKFLOW_IDS = new Set([
  0x00200010, // Study ID
  0x00400253, // Performed Procedure Step ID
  0x00400009, // Scheduled Procedure Step ID
  0x00401001, // Requested Procedure ID
]);
const MIN_WORKFLOW_ID = 5;

const CODE_VALUE = 0x00080100;
const CODE_MEANING = 0x00080104;
const PERSON_IDENTIFICATION_CODE_SEQUENCE = 0x00401101;
const INSTITUTION_CODE_SEQUENCE = 0x00080082;

type TextKind = 'patient' | 'institution' | 'device';

/** Free text that identifies: of the patient (always), of the institution or of the device (unless retained). */
const TEXTS = new Map<number, TextKind>([
  [0x00100021, 'patient'], // Issuer of Patient ID
  [0x00101040, 'patient'], // Patient's Address
  [0x00102154, 'patient'], // Patient's Telephone Numbers
  [0x00102155, 'patient'], // Patient's Telecom Information
  [0x00102152, 'patient'], // Region of Residence
  [0x00102299, 'patient'], // Responsible Organization
  [0x00380300, 'patient'], // Current Patient Location
  [0x00080092, 'patient'], // Referring Physician's Address
  [0x00080094, 'patient'], // Referring Physician's Telephone Numbers
  [0x00401102, 'patient'], // Person's Address
  [0x00401103, 'patient'], // Person's Telephone Numbers
  [0x00401104, 'patient'], // Person's Telecom Information
  [0x00400031, 'patient'], // Local Namespace Entity ID (issuers of IDs and accession numbers)
  [0x00080080, 'institution'], // Institution Name
  [0x00080081, 'institution'], // Institution Address
  [0x00081040, 'institution'], // Institutional Department Name
  [0x00321033, 'institution'], // Requesting Service
  [0x00380400, 'institution'], // Patient's Institution Residence
  [0x00400011, 'institution'], // Scheduled Procedure Step Location
  [0x00400243, 'institution'], // Performed Location
  [0x0040a027, 'institution'], // Verifying Organization
  [0x00120031, 'institution'], // Clinical Trial Site Name
  [0x00120060, 'institution'], // Clinical Trial Coordinating Center Name
  [0x00081010, 'device'], // Station Name
  [0x00400010, 'device'], // Scheduled Station Name
  [0x00400242, 'device'], // Performed Station Name
]);

const BIRTH_DATE = 0x00100030;

const CURRENT_PATIENT_LOCATION = 0x00380300;
/**
 * Places and devices ('ICU', 'CT', 'MR1', 'NIH', bed '52'): a piece this short is a word or number of every
 * description ('CT HEAD W/O', 'MRI BRAIN', '52 yo', 'NIH stroke scale'), which removing it everywhere would
 * break, while it says next to nothing of who the patient is. Longer pieces ('Oncology West', 'CTAWP73421')
 * are collected.
 */
const MIN_PLACE_PIECE = 4;
const isPlace = (tag: number, kind: TextKind) => kind !== 'patient' || tag === CURRENT_PATIENT_LOCATION;
const placePieces = (value: string): string[] =>
  value.split(TEXT_PIECES).filter((p) => (p.match(/[\p{L}\p{N}]/gu) ?? []).length >= MIN_PLACE_PIECE);

/** The VR to interpret a value with: UN elements of standard tags are read with their dictionary VR. */
export function effectiveVR(el: DicomElement): string {
  if (el.items && el.vr !== 'SQ') return 'SQ';
  if (isPrivateTag(el.tag)) return el.vr;
  const vr = lookup(el.tag)?.vr;
  if (el.vr !== 'UN') {
    // A date, time, age, name or UID written under another text VR (Study Date as LO) is still one: handled by
    // what it is, or a real date would pass as an unremarkable string.
    return vr && vr !== el.vr && MEANING_VRS.has(vr) && STRING_VRS.has(el.vr) ? vr : el.vr;
  }
  return vr && vr !== 'UN' ? vr : 'UN';
}

/** Dictionary VRs whose handling depends on what the value is (shifted, capped, replaced, mapped). */
const MEANING_VRS = new Set(['DA', 'DT', 'TM', 'AS', 'PN', 'UI']);

class Collector {
  private readonly sets = {
    names: new Set<string>(),
    patientNames: new Set<string>(),
    ids: new Set<string>(),
    dates: new Set<string>(),
    texts: new Set<string>(),
    uids: new Set<string>(),
  };

  private readonly full: DeidOptions;

  constructor(private readonly options: Partial<DeidOptions>) {
    this.full = { ...NO_OPTIONS, ...options };
  }

  /** UIDs the options keep as they are (Retain UIDs; device UIDs under Retain Device Identity) are not identity here. */
  private uidKept(tag: number): boolean {
    if (this.options.retainUIDs) return true;
    if (isPrivateTag(tag) || tag >>> 16 === 0x0002) return false;
    return decideAction(tag, { options: this.full, vr: 'UI' }).action === 'K';
  }

  private add(kind: keyof CollectedIdentity, value: string): void {
    const v = trimSpaceAndNul(value);
    if (v !== '') this.sets[kind].add(v);
  }

  private textWanted(kind: TextKind): boolean {
    if (kind === 'institution') return !this.options.retainInstitutionIdentity;
    if (kind === 'device') return !this.options.retainDeviceIdentity;
    return true;
  }

  visit(elements: readonly DicomElement[], inherited: string[], parentTag?: number): void {
    const charsets = charsetsOf(elements, inherited);
    for (const el of elements) {
      const vr = effectiveVR(el);
      if (el.items) {
        for (const item of el.items) this.visit(item.elements, charsets, el.tag);
        continue;
      }
      if (!el.value || el.value.length === 0) continue;
      const tag = el.tag >>> 0;
      const text = (): string => decodeText(el.value!, charsets, vr);
      if (vr === 'UI') {
        if (this.uidKept(tag) || tag === 0x00020010 || tag === 0x00020012) continue;
        for (const u of text().split('\\').map(trimUid)) if (u && !isRegisteredUid(u)) this.add('uids', u);
      } else if (vr === 'PN') {
        this.add('names', text());
        if (PATIENT_NAMES.has(tag)) this.add('patientNames', text());
      } else if (PATIENT_IDS.has(tag)) {
        for (const id of text().split('\\')) this.add('ids', id);
      } else if (
        WORKFLOW_IDS.has(tag) ||
        (tag === CODE_VALUE && parentTag === PERSON_IDENTIFICATION_CODE_SEQUENCE)
      ) {
        for (const id of text().split('\\')) if (id.trim().length >= MIN_WORKFLOW_ID) this.add('ids', id);
      } else if (tag === BIRTH_DATE) {
        this.add('dates', text());
      } else if (TEXTS.has(tag) && this.textWanted(TEXTS.get(tag)!)) {
        if (isPlace(tag, TEXTS.get(tag)!)) for (const piece of placePieces(text())) this.add('texts', piece);
        else this.add('texts', text());
      } else if (
        tag === CODE_MEANING &&
        parentTag === INSTITUTION_CODE_SEQUENCE &&
        this.textWanted('institution')
      ) {
        this.add('texts', text());
      }
    }
  }

  result(): CollectedIdentity {
    return {
      names: [...this.sets.names],
      ids: [...this.sets.ids],
      dates: [...this.sets.dates],
      texts: [...this.sets.texts],
      uids: [...this.sets.uids],
      patientNames: [...this.sets.patientNames],
    };
  }
}

/**
 * Identity in one instance's header (`elements`: the data set, any depth; `meta`: File Meta, for its UIDs).
 * `options` leaves out what the person chose to keep (institution, device identity, UIDs), which would otherwise be
 * cleaned away and then flagged by the second lock. Without options everything is collected (the safe default).
 */
export function collectIdentity(
  elements: readonly DicomElement[],
  charsets: string[],
  meta: readonly DicomElement[] = [],
  options: Partial<DeidOptions> = {},
): CollectedIdentity {
  const c = new Collector(options);
  c.visit(meta, []);
  c.visit(elements, charsets);
  return c.result();
}

/** Union of two collections, first occurrence order kept (deterministic for a given order of instances). */
export function mergeIdentity(a: CollectedIdentity, b: CollectedIdentity): CollectedIdentity {
  const u = (x: string[], y: string[]): string[] => [...new Set([...x, ...y])];
  return {
    names: u(a.names, b.names),
    ids: u(a.ids, b.ids),
    dates: u(a.dates, b.dates),
    texts: u(a.texts, b.texts),
    uids: u(a.uids, b.uids),
    patientNames: u(a.patientNames ?? [], b.patientNames ?? []),
  };
}
