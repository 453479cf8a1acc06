// Hand-built data elements and a one-call transform for the de-identification unit tests.
import { decodeText } from '../../../main/core/dicom/charset';
import type { DicomElement, DicomItem } from '../../../main/core/dicom/parse';
import { parseDataSet } from '../../../main/core/dicom/parse';
import type { Encoding } from '../../../main/core/dicom/transfer-syntax';
import { encodeElements } from '../../../main/core/dicom/write';
import { charsetsOf, findElement } from '../../../main/core/dicom/values';
import {
  collectIdentity,
  emptyIdentity,
  mergeIdentity,
  type CollectedIdentity,
} from '../../../main/core/deid/collect-identity';
import { deidentifyHeader, type DeidContext, type DeidOutput } from '../../../main/core/deid/transform';
import { createUidMapper } from '../../../main/core/deid/uid-map';
import { DEFAULT_DEID_OPTIONS, type DeidOptions } from '../../../shared/deid-types';

export const EXPLICIT_LE: Encoding = { littleEndian: true, explicitVR: true };
export const IMPLICIT_LE: Encoding = { littleEndian: true, explicitVR: false };
export const EXPLICIT_BE: Encoding = { littleEndian: false, explicitVR: true };

/** Case code with no word in it, so it can never collide with a test name token. */
export const CASE = 'CD-7Q4X-K2M9';
export const SECRET = Buffer.from('0123456789abcdef0123456789abcdef', 'latin1');
export const OFFSET = -400;

export const ALL_OFF: DeidOptions = {
  retainPatientCharacteristics: false,
  retainLongitudinalModifiedDates: false,
  retainLongitudinalFullDates: false,
  cleanDescriptors: false,
  cleanStructuredContent: false,
  cleanGraphics: false,
  retainSafePrivate: false,
  retainUIDs: false,
  retainDeviceIdentity: false,
  retainInstitutionIdentity: false,
};

export function bytes(v: string | Uint8Array | number[]): Uint8Array {
  if (typeof v === 'string') return Uint8Array.from(Buffer.from(v, 'latin1'));
  return Uint8Array.from(v);
}

export function el(tag: number, vr: string, value: string | Uint8Array | number[] = ''): DicomElement {
  const v = bytes(value);
  return { tag: tag >>> 0, vr, offset: 0, valueOffset: 0, length: v.length, value: v };
}

export function seq(tag: number, items: DicomElement[][], vr = 'SQ', itemEncoding?: Encoding): DicomElement {
  const its: DicomItem[] = items.map((elements) => ({ offset: 0, elements }));
  return {
    tag: tag >>> 0,
    vr,
    offset: 0,
    valueOffset: 0,
    length: 0xffffffff,
    items: its,
    ...(itemEncoding ? { itemEncoding } : {}),
  };
}

export interface RunOptions {
  options?: DeidOptions;
  encoding?: Encoding;
  meta?: DicomElement[];
  identity?: CollectedIdentity;
  uids?: ReturnType<typeof createUidMapper>;
  pixelsCleaned?: boolean;
  caseCode?: string;
}

export function context(elements: DicomElement[], o: RunOptions = {}): DeidContext {
  return {
    options: o.options ?? DEFAULT_DEID_OPTIONS,
    caseCode: o.caseCode ?? CASE,
    uids: o.uids ?? createUidMapper(SECRET),
    dateOffsetDays: OFFSET,
    identity: o.identity ?? collectIdentity(elements, charsetsOf(elements), o.meta ?? []),
    pixelsCleaned: o.pixelsCleaned ?? false,
    implementation: { classUid: '2.25.1234', versionName: 'CLEARDISC_0' },
  };
}

/** De-identifies `elements` (identity collected from them unless given). */
export function run(elements: DicomElement[], o: RunOptions = {}): DeidOutput {
  return deidentifyHeader(
    { meta: o.meta ?? [], elements, encoding: o.encoding ?? EXPLICIT_LE, charsets: charsetsOf(elements) },
    context(elements, o),
  );
}

/** Encodes and re-parses: proves the output is writable and gives the elements as a reader sees them. */
export function reparse(elements: DicomElement[], encoding: Encoding = EXPLICIT_LE): DicomElement[] {
  return parseDataSet(encodeElements(elements, encoding), 0, encoding).elements;
}

export function textOf(
  elements: readonly DicomElement[],
  tag: number,
  charsets = charsetsOf(elements),
): string | undefined {
  const e = findElement(elements, tag);
  if (!e) return undefined;
  return e.value ? decodeText(e.value, charsets, e.vr) : '';
}

export function identityOf(...sets: DicomElement[][]): CollectedIdentity {
  return sets.reduce((acc, s) => mergeIdentity(acc, collectIdentity(s, charsetsOf(s))), emptyIdentity());
}
