import type { DicomHeader } from '../dicom/read-header';
import type { DicomElement } from '../dicom/parse';
import { asciiValue, charsetsOf, findElement, numberValue, T, textValue } from '../dicom/values';
import { burnedInRisk, isCapture } from './burned-in';

/** What the index keeps of one instance: enough to recognise it, choose it and process it later. */
export interface IndexedInstance {
  /** Relative to the source root, forward slashes. */
  path: string;
  size: number;
  format: DicomHeader['format'];
  sopInstanceUID: string;
  sopClassUID: string;
  transferSyntaxUID: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  patientName: string;
  patientId: string;
  birthDate: string;
  studyDate: string;
  studyDescription: string;
  accessionNumber: string;
  modality: string;
  seriesDescription: string;
  seriesNumber: number | null;
  instanceNumber: number | null;
  bodyPart: string;
  frames: number;
  burnedInAnnotation: string;
  burnedInRisk: boolean;
  charsets: string[];
}

export function describeInstance(rel: string, h: DicomHeader): IndexedInstance {
  const els = h.elements;
  const cs = charsetsOf(els);
  const a = (tag: number) => asciiValue(findElement(els, tag));
  const t = (tag: number) => textValue(findElement(els, tag), cs);
  const le = h.encoding.littleEndian;
  const sopClassUID = a(T.SOPClassUID) || asciiValue(findElement(h.meta, T.MediaStorageSOPClassUID));
  const modality = a(T.Modality);
  const bia = a(T.BurnedInAnnotation);
  return {
    path: rel,
    size: h.size,
    format: h.format,
    sopInstanceUID: a(T.SOPInstanceUID) || asciiValue(findElement(h.meta, T.MediaStorageSOPInstanceUID)),
    sopClassUID,
    transferSyntaxUID: h.transferSyntax.uid,
    studyInstanceUID: a(T.StudyInstanceUID),
    seriesInstanceUID: a(T.SeriesInstanceUID),
    patientName: t(T.PatientName),
    patientId: t(T.PatientID),
    birthDate: a(T.PatientBirthDate),
    studyDate: a(T.StudyDate),
    studyDescription: t(T.StudyDescription),
    accessionNumber: t(T.AccessionNumber),
    modality,
    seriesDescription: t(T.SeriesDescription),
    seriesNumber: numberValue(findElement(els, T.SeriesNumber), le) ?? null,
    instanceNumber: numberValue(findElement(els, T.InstanceNumber), le) ?? null,
    bodyPart: t(T.BodyPartExamined),
    frames: numberValue(findElement(els, T.NumberOfFrames), le) ?? 1,
    burnedInAnnotation: bia,
    burnedInRisk:
      burnedInRisk(
        bia,
        sopClassUID,
        modality,
        a(T.RecognizableVisualFeatures),
        isCapture(a(T.ImageType), a(T.ConversionType)),
      ) || hasEmbeddedOverlay(els, le),
    charsets: cs,
  };
}

/**
 * An overlay kept in the pixel words' unused high bits (retired, but on old discs): its graphics, text included,
 * travel inside the pixels, which are sent unchanged. Overlay Bit Position above 0 with no Overlay Data of its own.
 */
function hasEmbeddedOverlay(els: readonly DicomElement[], le: boolean): boolean {
  return els.some((e) => {
    const group = e.tag >>> 16;
    if (group < 0x6000 || group > 0x60ff || group & 1 || (e.tag & 0xffff) !== 0x0102) return false;
    const hasData = els.some((d) => d.tag >>> 0 === ((group << 16) | 0x3000) >>> 0);
    return !hasData && (numberValue(e, le) ?? 0) > 0;
  });
}

/**
 * Who an instance belongs to, as far as the header tells: ID, name and birth date. Spellings a system may
 * vary for one person (case, trailing empty name components, padding) compare the same.
 */
export function personKey(i: Pick<IndexedInstance, 'patientId' | 'patientName' | 'birthDate'>): string {
  const norm = (v: string) =>
    v
      .trim()
      .replace(/[\s^=]+$/u, '')
      .toUpperCase();
  return [i.patientId, i.patientName, i.birthDate].map(norm).join('\u0000');
}
