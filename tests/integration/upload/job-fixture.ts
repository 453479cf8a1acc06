// Builds upload job folders for tests: real files from ../shared/testdata and generated instances, plus a
// manifest.json that matches the Manifest type (sizes and SHA-256 of each file), as `cleardisc deid` writes it.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_DEID_OPTIONS,
  type Manifest,
  type ManifestExclusion,
  type ManifestInstance,
} from '../../../shared/deid-types';
import { buildInstance, testUid, type InstanceSpec } from '../../fixtures/build-dicom';
import { TEST_FILES } from '../../support/testdata';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs');

export const CT_SMALL = path.join(TEST_FILES, 'CT_small.dcm');
export const MR_SMALL = path.join(TEST_FILES, 'MR_small.dcm');

export const sha256 = (b: Buffer | Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface JobFile {
  data: Buffer;
  /** Relative path in the job folder; default study-NN/series-NNN/NNNNN.dcm. */
  file?: string;
}

export interface BuiltJob {
  dir: string;
  manifest: Manifest;
  /** SOP Instance UID -> SHA-256 of the file. */
  hashes: Map<string, string>;
  rewriteManifest(m: Manifest): void;
}

/** UIDs and modality of a Part 10 file, read with dcmjs (independent of our parser). */
export function describeDicom(
  data: Buffer,
): Pick<
  ManifestInstance,
  | 'sopInstanceUID'
  | 'sopClassUID'
  | 'studyInstanceUID'
  | 'seriesInstanceUID'
  | 'transferSyntaxUID'
  | 'modality'
> & { studyDescription: string } {
  const ab = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const dict = dcmjs.data.DicomMessage.readFile(ab, { untilTag: '7FE00010', includeUntilTagValue: false });
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
  const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.meta);
  return {
    sopInstanceUID: ds.SOPInstanceUID,
    sopClassUID: ds.SOPClassUID,
    studyInstanceUID: ds.StudyInstanceUID,
    seriesInstanceUID: ds.SeriesInstanceUID,
    transferSyntaxUID: meta.TransferSyntaxUID,
    modality: ds.Modality ?? '',
    studyDescription: ds.StudyDescription ?? '',
  };
}

export function tempDir(prefix = 'cleardisc-upload-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeJob(
  files: JobFile[],
  opts: {
    dir?: string;
    caseCode?: string;
    complete?: boolean;
    excluded?: ManifestExclusion[];
    quarantined?: ManifestExclusion[];
  } = {},
): BuiltJob {
  const dir = opts.dir ?? tempDir();
  const instances: ManifestInstance[] = [];
  const hashes = new Map<string, string>();
  const studyIndex = new Map<string, number>();
  const seriesIndex = new Map<string, number>();
  const studies = new Map<string, Manifest['studies'][number]>();
  files.forEach((f, i) => {
    const d = describeDicom(f.data);
    if (!studyIndex.has(d.studyInstanceUID)) studyIndex.set(d.studyInstanceUID, studyIndex.size + 1);
    if (!seriesIndex.has(d.seriesInstanceUID)) seriesIndex.set(d.seriesInstanceUID, seriesIndex.size + 1);
    const rel =
      f.file ??
      `study-${String(studyIndex.get(d.studyInstanceUID)).padStart(2, '0')}/series-${String(seriesIndex.get(d.seriesInstanceUID)).padStart(3, '0')}/${String(i + 1).padStart(5, '0')}.dcm`;
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), f.data);
    const h = sha256(f.data);
    hashes.set(d.sopInstanceUID, h);
    const { studyDescription, ...ids } = d;
    instances.push({ file: rel, ...ids, bytes: f.data.length, sha256: h });
    const st = studies.get(d.studyInstanceUID) ?? {
      studyInstanceUID: d.studyInstanceUID,
      studyDescription,
      modalities: [],
      instances: 0,
      bytes: 0,
    };
    if (d.modality && !st.modalities.includes(d.modality)) st.modalities.push(d.modality);
    st.instances++;
    st.bytes += f.data.length;
    studies.set(d.studyInstanceUID, st);
  });
  const manifest: Manifest = {
    format: 'cleardisc-manifest',
    version: 1,
    complete: opts.complete ?? true,
    caseCode: opts.caseCode ?? 'CD-TEST-0001',
    createdAt: '2025-01-02T03:04:05.000Z',
    tool: 'ClearDisc 0.1.0',
    options: DEFAULT_DEID_OPTIONS,
    methodCodes: ['113100', '113105', '113107', '113108', '113111'],
    instances,
    excluded: opts.excluded ?? [],
    quarantined: opts.quarantined ?? [],
    studies: [...studies.values()],
    keptFreeText: [],
  };
  const rewriteManifest = (m: Manifest) =>
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
  rewriteManifest(manifest);
  return { dir, manifest, hashes, rewriteManifest };
}

/** A generated instance; `kb` sets the pixel data size (rows x columns x 2 bytes). */
export function generated(
  study: number,
  series: number,
  n: number,
  kb = 8,
  extra: Partial<InstanceSpec> = {},
): Buffer {
  const side = Math.max(2, Math.round(Math.sqrt((kb * 1024) / 2)));
  return buildInstance({
    sopInstanceUID: testUid(study, series, n),
    studyInstanceUID: testUid(study),
    seriesInstanceUID: testUid(study, series),
    instanceNumber: n,
    seriesNumber: series,
    rows: side,
    columns: side,
    patientName: 'ANONYMOUS',
    patientId: 'CD-TEST-0001',
    studyDescription: `Study ${study}`,
    ...extra,
  });
}

export function rm(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
