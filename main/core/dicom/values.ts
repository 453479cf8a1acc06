import { decodeText } from './charset';
import type { DicomElement, DicomItem } from './parse';

/** Tags the pipeline reads by name. */
export const T = {
  TransferSyntaxUID: 0x00020010,
  MediaStorageSOPClassUID: 0x00020002,
  MediaStorageSOPInstanceUID: 0x00020003,
  SpecificCharacterSet: 0x00080005,
  ImageType: 0x00080008,
  SOPClassUID: 0x00080016,
  SOPInstanceUID: 0x00080018,
  StudyDate: 0x00080020,
  SeriesDate: 0x00080021,
  StudyTime: 0x00080030,
  AccessionNumber: 0x00080050,
  Modality: 0x00080060,
  ConversionType: 0x00080064,
  InstitutionName: 0x00080080,
  ReferringPhysicianName: 0x00080090,
  StudyDescription: 0x00081030,
  SeriesDescription: 0x0008103e,
  PatientName: 0x00100010,
  PatientID: 0x00100020,
  PatientBirthDate: 0x00100030,
  PatientSex: 0x00100040,
  BodyPartExamined: 0x00180015,
  StudyInstanceUID: 0x0020000d,
  SeriesInstanceUID: 0x0020000e,
  StudyID: 0x00200010,
  SeriesNumber: 0x00200011,
  InstanceNumber: 0x00200013,
  NumberOfFrames: 0x00280008,
  Rows: 0x00280010,
  Columns: 0x00280011,
  BitsAllocated: 0x00280100,
  BurnedInAnnotation: 0x00280301,
  RecognizableVisualFeatures: 0x00280302,
  DirectoryRecordSequence: 0x00041220,
  DirectoryRecordType: 0x00041430,
  ReferencedFileID: 0x00041500,
  PixelData: 0x7fe00010,
} as const;

export function findElement(elements: readonly DicomElement[], tag: number): DicomElement | undefined {
  // Elements are nearly always sorted, but broken files are not: a linear scan is cheap for headers.
  for (const el of elements) if (el.tag === tag) return el;
  return undefined;
}

/** A value decoded as ASCII/Latin-1 with DICOM padding (spaces, NULs) trimmed: for UI, CS, DA, IS... */
export function asciiValue(el: DicomElement | undefined): string {
  if (!el?.value) return '';
  const v = el.value;
  // Index loops rather than a trimming regex, which is quadratic on long runs of padding.
  const pad = (b: number) => b === 0x20 || b === 0 || (b >= 0x09 && b <= 0x0d);
  let start = 0;
  let end = v.length;
  while (start < end && pad(v[start])) start++;
  while (end > start && pad(v[end - 1])) end--;
  return Buffer.from(v.buffer, v.byteOffset + start, end - start).toString('latin1');
}

/** A text value decoded in the data set's character set. */
export function textValue(el: DicomElement | undefined, charsets: string[]): string {
  if (!el?.value) return '';
  return decodeText(el.value, charsets, el.vr);
}

/** Specific Character Set values of a data set (or item, which may override its parent's). */
export function charsetsOf(elements: readonly DicomElement[], inherited: string[] = []): string[] {
  const el = findElement(elements, T.SpecificCharacterSet);
  if (!el?.value) return inherited;
  return asciiValue(el)
    .split('\\')
    .map((s) => s.trim());
}

/** Number from a binary (US, UL, SS, SL) or text (IS, DS) element. */
export function numberValue(el: DicomElement | undefined, littleEndian = true): number | undefined {
  if (!el?.value || el.value.length === 0) return undefined;
  const v = el.value;
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  switch (el.vr) {
    case 'US':
      return v.length >= 2 ? dv.getUint16(0, littleEndian) : undefined;
    case 'SS':
      return v.length >= 2 ? dv.getInt16(0, littleEndian) : undefined;
    case 'UL':
      return v.length >= 4 ? dv.getUint32(0, littleEndian) : undefined;
    case 'SL':
      return v.length >= 4 ? dv.getInt32(0, littleEndian) : undefined;
    default: {
      const n = Number(asciiValue(el).split('\\')[0]);
      return Number.isFinite(n) ? n : undefined;
    }
  }
}

/** Walks every element at every depth (items included), depth-first in file order. */
export function* walk(
  elements: readonly DicomElement[],
  path: number[] = [],
): Generator<{ el: DicomElement; path: number[]; parent: readonly DicomElement[] }> {
  for (const el of elements) {
    yield { el, path, parent: elements };
    if (el.items) {
      for (const item of el.items as DicomItem[]) yield* walk(item.elements, [...path, el.tag]);
    }
  }
}

/** VRs whose values are character strings (PS3.5 6.2), however they are encoded. */
export const STRING_VRS: ReadonlySet<string> = new Set(
  'AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT'.split(' '),
);
