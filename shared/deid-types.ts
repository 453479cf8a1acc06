import type { ReasonCode } from './reasons';

/** Profile options a user can switch (PS3.15 Annex E); names are the CLI's `--option NAME=on|off`. */
export interface DeidOptions {
  retainPatientCharacteristics: boolean;
  retainLongitudinalModifiedDates: boolean;
  retainLongitudinalFullDates: boolean;
  cleanDescriptors: boolean;
  cleanStructuredContent: boolean;
  cleanGraphics: boolean;
  retainSafePrivate: boolean;
  retainUIDs: boolean;
  retainDeviceIdentity: boolean;
  retainInstitutionIdentity: boolean;
}

/** Defaults chosen for second-opinion review: keep what a radiologist needs, nothing that identifies. */
export const DEFAULT_DEID_OPTIONS: DeidOptions = {
  retainPatientCharacteristics: true,
  retainLongitudinalModifiedDates: true,
  retainLongitudinalFullDates: false,
  cleanDescriptors: true,
  cleanStructuredContent: true,
  cleanGraphics: true,
  retainSafePrivate: true,
  retainUIDs: false,
  retainDeviceIdentity: false,
  retainInstitutionIdentity: false,
};

/** One de-identified file in an output/job folder. Paths are relative to that folder. */
export interface ManifestInstance {
  file: string;
  sopInstanceUID: string;
  sopClassUID: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  transferSyntaxUID: string;
  modality: string;
  bytes: number;
  sha256: string;
}

/** A source file that was not written, with the reason (path relative to the source root; local only). */
export interface ManifestExclusion {
  path: string;
  reason: ReasonCode;
}

export interface ManifestStudy {
  studyInstanceUID: string;
  studyDescription: string;
  modalities: string[];
  instances: number;
  bytes: number;
}

/**
 * `<out>/manifest.json`: the complete list of what a de-identification run wrote and left out.
 * `complete` is false while the run is in progress or when it failed part-way.
 */
export interface Manifest {
  format: 'cleardisc-manifest';
  version: 1;
  complete: boolean;
  caseCode: string;
  createdAt: string;
  tool: string;
  options: DeidOptions;
  /** Hash of the images chosen and the options (see planKey): tells a resumable job from another choice. */
  planKey?: string;
  /** CID 7050 codes of what was really applied (113100 first). */
  methodCodes: string[];
  instances: ManifestInstance[];
  excluded: ManifestExclusion[];
  quarantined: ManifestExclusion[];
  studies: ManifestStudy[];
  /** Attribute paths of free text kept (cleaned, or kept by an option), for review. */
  keptFreeText: string[];
}

/** What `cleardisc deid --json` prints. */
export interface DeidSummary {
  written: number;
  excluded: ManifestExclusion[];
  quarantined: ManifestExclusion[];
  studies: Array<{ studyInstanceUID: string; instances: number; bytes: number }>;
  out: string;
  caseCode: string;
  /** Attribute paths of free text kept (cleaned, or kept by an option), for review. */
  keptFreeText: string[];
}
