/**
 * The work for one instance of a de-identification run: write the cleaned copy, sync it, pass it through the
 * second lock, and read back what the manifest lists. Everything it needs comes in `InstanceContext`.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { DeidOptions, ManifestExclusion, ManifestInstance } from '../../../shared/deid-types';
import { reasonOf } from '../errors';
import type { DicomElement } from '../dicom/parse';
import { asciiValue, charsetsOf, findElement, T } from '../dicom/values';
import type { SourceFs } from '../scan/source-fs';
import type { IdentityTokens } from '../verify/identity-tokens';
import { verifyFile } from '../verify/second-lock';
import type { CollectedIdentity } from './collect-identity';
import type { ProfileOption } from './profile/profile';
import { deidentifyHeader } from './transform';
import type { UidMapper } from './uid-map';
import { OutputWriteError, writeInstance } from './write-instance';

const QUARANTINE = 'quarantine';

/** What every instance of a run shares: where things are, the case, and what must not survive. */
export interface InstanceContext {
  /** Source root (absolute); job paths are relative to it. */
  root: string;
  /** Output folder (absolute); job files are relative to it. */
  out: string;
  options: DeidOptions;
  caseCode: string;
  dateOffsetDays: number;
  identity: CollectedIdentity;
  /** The second lock's tokens, built once from `identity` by the caller. */
  tokens: IdentityTokens;
  pixelsCleaned: boolean;
  implementation: { classUid: string; versionName: string };
  uids: UidMapper;
  /** mkdir -p, once per folder of the run (see dirMaker). */
  ensureDir: (dir: string) => Promise<void>;
  fs: SourceFs;
}

/** One instance to process: its index in the output layout, source path and output file (both relative). */
export interface InstanceJob {
  index: number;
  source: string;
  file: string;
}

/** What became of one instance. */
export type InstanceOutcome =
  | {
      kind: 'written';
      entry: ManifestInstance;
      studyDescription: string;
      keptFreeText: string[];
      appliedOptions: ProfileOption[];
    }
  | { kind: 'excluded' | 'quarantined'; item: ManifestExclusion };

export async function processInstance(ctx: InstanceContext, job: InstanceJob): Promise<InstanceOutcome> {
  const sourcePath = path.join(ctx.root, job.source);
  const dest = path.join(ctx.out, job.file);
  await ctx.ensureDir(path.dirname(dest));
  const src = await ctx.fs.open(sourcePath).catch(() => undefined);
  if (!src) return { kind: 'excluded', item: { path: job.source, reason: 'unreadable' } };
  let written;
  let report: { keptFreeText: string[]; appliedOptions: Iterable<ProfileOption> } | undefined;
  try {
    written = await writeInstance(sourcePath, dest, src, (parts) => {
      const r = deidentifyHeader(
        {
          meta: parts.meta,
          elements: withSopFromMeta(parts.elements, parts.meta),
          encoding: parts.encoding,
          charsets: charsetsOf(parts.elements),
        },
        {
          options: ctx.options,
          caseCode: ctx.caseCode,
          uids: ctx.uids,
          dateOffsetDays: ctx.dateOffsetDays,
          identity: ctx.identity,
          pixelsCleaned: ctx.pixelsCleaned,
          implementation: ctx.implementation,
        },
      );
      report = r; // counted in the manifest only if this instance is written (not held back below)
      return { meta: r.meta, elements: r.elements };
    });
  } catch (err) {
    // A full or failing output disk stops the run: the image is fine, and the set would silently be short.
    if (err instanceof OutputWriteError) throw err;
    return { kind: 'excluded', item: { path: job.source, reason: reasonOf(err) } };
  } finally {
    await src.close();
  }

  // The second lock: an independent parser re-reads the file looking for any identity token.
  // Header-only re-read for all but small files: the pixel bytes were streamed unchanged and are not text.
  const check = await verifyFile(dest, ctx.tokens, { maxWholeFileBytes: 64 * 1024 });
  if (!check.ok) {
    const qdir = path.join(ctx.out, QUARANTINE);
    await fsp.mkdir(qdir, { recursive: true });
    await fsp.rename(dest, path.join(qdir, `${String(job.index + 1).padStart(5, '0')}.dcm`));
    return {
      kind: 'quarantined',
      item: { path: job.source, reason: check.error ? 'verify-failed' : 'identity-found' },
    };
  }
  const get = (tag: number) => asciiValue(findElement(written.elements, tag));
  if (!get(T.SOPInstanceUID)) {
    // Never list an instance a review service could not store.
    await fsp.rm(dest, { force: true });
    return { kind: 'excluded', item: { path: job.source, reason: 'missing-uid' } };
  }
  return {
    kind: 'written',
    keptFreeText: report?.keptFreeText ?? [],
    appliedOptions: [...(report?.appliedOptions ?? [])],
    studyDescription: get(T.StudyDescription),
    entry: {
      file: job.file,
      sopInstanceUID: get(T.SOPInstanceUID),
      sopClassUID: get(T.SOPClassUID),
      studyInstanceUID: get(T.StudyInstanceUID),
      seriesInstanceUID: get(T.SeriesInstanceUID),
      transferSyntaxUID: written.transferSyntaxUID,
      modality: get(T.Modality),
      bytes: written.bytes,
      sha256: written.sha256,
    },
  };
}

/**
 * Old files sometimes carry their SOP Class/Instance UIDs only in File Meta: copy them into the data set
 * so they are mapped like every other UID and the output is a complete instance.
 */
export function withSopFromMeta(elements: DicomElement[], meta: DicomElement[]): DicomElement[] {
  const add: DicomElement[] = [];
  for (const [ds, m] of [
    [T.SOPClassUID, T.MediaStorageSOPClassUID],
    [T.SOPInstanceUID, T.MediaStorageSOPInstanceUID],
  ] as const) {
    const fromMeta = findElement(meta, m);
    if (!findElement(elements, ds) && fromMeta?.value) add.push({ ...fromMeta, tag: ds });
  }
  return add.length ? [...elements, ...add] : elements;
}

/** mkdir -p that asks the file system once per folder: a series' hundreds of slices share one. */
export function dirMaker(): (dir: string) => Promise<void> {
  const made = new Map<string, Promise<unknown>>();
  return async (dir) => {
    let p = made.get(dir);
    if (!p) made.set(dir, (p = fsp.mkdir(dir, { recursive: true })));
    await p;
  };
}
