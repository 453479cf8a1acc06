import type { ReasonCode } from './reasons';

/** One file that was not indexed as an instance, and why. Paths are relative to the source root. */
export interface SkippedFile {
  path: string;
  reason: ReasonCode;
}

export interface PatientSummary {
  patientName: string;
  patientId: string;
  birthDate: string;
}

export interface SeriesSummary {
  seriesInstanceUID: string;
  modality: string;
  seriesDescription: string;
  seriesNumber: number | null;
  bodyPart: string;
  instances: number;
  bytes: number;
  frames: number;
  transferSyntaxes: string[];
  sopClasses: string[];
  /** Pixels may carry burned-in identity (Burned In Annotation YES, or a kind of image that usually does). */
  burnedInRisk: boolean;
}

export interface StudySummary {
  studyInstanceUID: string;
  patientId: string;
  patientName: string;
  studyDate: string;
  studyDescription: string;
  accessionNumber: string;
  modalities: string[];
  instances: number;
  bytes: number;
  series: SeriesSummary[];
}

/** What `cleardisc scan --json` prints (the contract in issue 3), plus a few extra fields. */
export interface ScanSummary {
  root: string;
  files: number;
  instances: number;
  dicomdir: string | null;
  multiplePatients: boolean;
  patients: PatientSummary[];
  studies: StudySummary[];
  skipped: SkippedFile[];
  /** Problems with the DICOMDIR itself (listed files that are missing or point outside the disc). */
  dicomdirProblems: SkippedFile[];
  /** Bytes read from the source while scanning (headers only). */
  bytesRead: number;
  /** Total size of all files seen. */
  bytesTotal: number;
}
