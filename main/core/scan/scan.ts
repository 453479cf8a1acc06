import * as path from 'node:path';
import type { ScanSummary, SeriesSummary, SkippedFile, StudySummary } from '../../../shared/scan-types';
import { ClearDiscError, reasonOf } from '../errors';
import { readHeader, type DicomHeader } from '../dicom/read-header';
import { isDicomdir, referencedFiles, resolveFileIds } from './dicomdir';
import { describeInstance, personKey, type IndexedInstance } from './instance';
import { nodeSourceFs, type SourceFs } from './source-fs';
import { walkSource, type FoundFile } from './walk';
import { mapPool } from '../map-pool';
import { leavesRoot } from '../paths';

export interface ScanProgress {
  filesSeen: number;
  filesRead: number;
  instances: number;
}

export interface ScanDeps {
  fs?: SourceFs;
  /** Files read at once: a little parallelism helps discs and network shares. */
  concurrency?: number;
  onProgress?: (p: ScanProgress) => void;
  signal?: AbortSignal;
}

export interface ScanResult {
  /** Absolute root as given. */
  root: string;
  files: number;
  instances: IndexedInstance[];
  skipped: SkippedFile[];
  dicomdir: string | null;
  dicomdirProblems: SkippedFile[];
  bytesRead: number;
  bytesTotal: number;
}

type Outcome =
  | { kind: 'header'; file: FoundFile; header: DicomHeader }
  | { kind: 'skip'; rel: string; reason: SkippedFile['reason'] };

async function readOne(file: FoundFile, fsx: SourceFs): Promise<Outcome & { bytesRead: number }> {
  if (file.size === 0) return { kind: 'skip', rel: file.rel, reason: 'empty', bytesRead: 0 };
  let handle;
  try {
    handle = await fsx.open(file.abs);
  } catch (err) {
    return {
      kind: 'skip',
      rel: file.rel,
      reason: reasonOf(err) === 'corrupt' ? 'unreadable' : reasonOf(err),
      bytesRead: 0,
    };
  }
  try {
    const header = await readHeader(handle);
    return { kind: 'header', file, header, bytesRead: header.bytesRead };
  } catch (err) {
    return { kind: 'skip', rel: file.rel, reason: reasonOf(err), bytesRead: 0 };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Finds and indexes every DICOM instance under `root` by reading headers only. Every file seen ends
 * up as an instance, the DICOMDIR, or a skipped entry with a reason; the source is never written.
 */
export async function scan(root: string, deps: ScanDeps = {}): Promise<ScanResult> {
  const fsx = deps.fs ?? nodeSourceFs;
  const absRoot = path.resolve(root);
  try {
    const st = await fsx.stat(absRoot);
    if (!st.isDirectory()) throw new ClearDiscError('unreadable', 'the source is not a folder');
  } catch (err) {
    if (err instanceof ClearDiscError) throw err;
    throw new ClearDiscError('unreadable', 'the source folder cannot be opened');
  }

  const files: FoundFile[] = [];
  const skipped: SkippedFile[] = [];
  let seen = 0;
  for await (const ev of walkSource(absRoot, fsx)) {
    seen++;
    if (ev.kind === 'file') files.push(ev.file);
    else skipped.push({ path: ev.rel, reason: ev.reason });
  }

  let filesRead = 0;
  let bytesRead = 0;
  const outcomes = await mapPool(
    files,
    deps.concurrency ?? 8,
    async (f) => {
      const o = await readOne(f, fsx);
      filesRead++;
      bytesRead += o.bytesRead;
      deps.onProgress?.({ filesSeen: seen, filesRead, instances: 0 });
      return o;
    },
    { signal: deps.signal, onAbort: () => new Error('scan cancelled') },
  );

  // DICOMDIRs: the shallowest one is the disc's index; any other is reported as an extra one.
  const dirs = outcomes.filter(
    (o): o is Extract<Outcome, { kind: 'header' }> & { bytesRead: number } =>
      o.kind === 'header' && isDicomdir(o.header),
  );
  dirs.sort(
    (a, b) =>
      a.file.rel.split('/').length - b.file.rel.split('/').length || (a.file.rel < b.file.rel ? -1 : 1),
  );
  const dicomdir = dirs[0]?.file.rel ?? null;
  const dicomdirProblems: SkippedFile[] = [];
  const walked = new Set(files.map((f) => f.abs));
  const listed = new Set<string>();
  const extra: FoundFile[] = [];
  let walkedByReal: Map<string, string> | undefined;
  for (const d of dirs) {
    const { ids, unsafe } = referencedFiles(d.header);
    for (const u of unsafe) dicomdirProblems.push({ path: u, reason: 'outside-root' });
    const { found, missing } = await resolveFileIds(path.dirname(d.file.abs), ids, fsx);
    for (const m of missing)
      dicomdirProblems.push({
        path: path.relative(absRoot, m).split(path.sep).join('/'),
        reason: 'missing-dicomdir-file',
      });
    for (const f of found) {
      if (walked.has(f)) {
        listed.add(f);
        continue;
      }
      // Listed but not reached by the walk (e.g. behind a link): read it only if it really is inside the root.
      const real = await fsx.realpath(f).catch(() => '');
      const rel = path.relative(absRoot, real);
      if (!real || leavesRoot(rel)) {
        dicomdirProblems.push({
          path: path.relative(absRoot, f).split(path.sep).join('/'),
          reason: 'outside-root',
        });
        continue;
      }
      // The same file may have been walked under another name (a folder link): it is read once.
      walkedByReal ??= new Map(
        await Promise.all(
          files.map(async (w) => [await fsx.realpath(w.abs).catch(() => w.abs), w.abs] as const),
        ),
      );
      const same = walkedByReal.get(real);
      if (same) {
        listed.add(same);
        continue;
      }
      let size: number;
      try {
        size = (await fsx.stat(real)).size;
      } catch {
        dicomdirProblems.push({ path: rel.split(path.sep).join('/'), reason: 'missing-dicomdir-file' });
        continue;
      }
      walkedByReal.set(real, real);
      listed.add(real);
      extra.push({ abs: real, rel: rel.split(path.sep).join('/'), size });
    }
  }
  for (const f of extra) {
    seen++;
    const o = await readOne(f, fsx);
    bytesRead += o.bytesRead;
    outcomes.push(o);
  }

  const candidates: IndexedInstance[] = [];
  // When an image is on the disc twice, the copy the DICOMDIR lists is the one indexed.
  const first = (o: Outcome) => (o.kind === 'header' && listed.has(o.file.abs) ? 0 : 1);
  const ordered = outcomes.map((o, i) => ({ o, i })).sort((a, b) => first(a.o) - first(b.o) || a.i - b.i);
  for (const { o } of ordered) {
    if (o.kind === 'skip') {
      skipped.push({ path: o.rel, reason: o.reason });
      continue;
    }
    if (isDicomdir(o.header)) {
      if (o.file.rel !== dicomdir) skipped.push({ path: o.file.rel, reason: 'extra-dicomdir' });
      continue;
    }
    const inst = describeInstance(o.file.rel, o.header);
    if (!inst.sopInstanceUID) skipped.push({ path: o.file.rel, reason: 'missing-uid' });
    else candidates.push(inst);
  }
  const instances = oneInstancePerUid(candidates, skipped);
  deps.onProgress?.({ filesSeen: seen, filesRead: seen, instances: instances.length });
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    root: absRoot,
    files: seen,
    instances,
    skipped,
    dicomdir,
    dicomdirProblems,
    bytesRead,
    bytesTotal: files.reduce((s, f) => s + f.size, 0) + extra.reduce((s, f) => s + f.size, 0),
  };
}

/** What must agree for two files with one SOP Instance UID to be copies of one image (encoding may differ). */
const sameImage = (a: IndexedInstance, b: IndexedInstance) =>
  a.patientId === b.patientId &&
  a.patientName === b.patientName &&
  a.birthDate === b.birthDate &&
  a.studyInstanceUID === b.studyInstanceUID &&
  a.seriesInstanceUID === b.seriesInstanceUID &&
  a.sopClassUID === b.sopClassUID &&
  a.instanceNumber === b.instanceNumber &&
  a.frames === b.frames;

/**
 * Keeps the first (preferred) file of each SOP Instance UID. Further copies of the same image are
 * skipped as duplicates; but when files sharing a UID disagree (another patient, study or image), no
 * order can tell which is right, so every one of them is held back rather than guessing.
 */
function oneInstancePerUid(ordered: IndexedInstance[], skipped: SkippedFile[]): IndexedInstance[] {
  const byUid = new Map<string, IndexedInstance[]>();
  for (const i of ordered) {
    const list = byUid.get(i.sopInstanceUID);
    if (list) list.push(i);
    else byUid.set(i.sopInstanceUID, [i]);
  }
  const kept: IndexedInstance[] = [];
  for (const [first, ...rest] of byUid.values()) {
    if (rest.every((i) => sameImage(first, i))) {
      kept.push(first);
      for (const i of rest) skipped.push({ path: i.path, reason: 'duplicate-instance' });
    } else {
      for (const i of [first, ...rest]) skipped.push({ path: i.path, reason: 'conflicting-instance' });
    }
  }
  return kept;
}

const uniq = (xs: string[]) => [...new Set(xs.filter(Boolean))].sort();

/** Groups instances Patient → Study → Series into the summary the CLI and the UI show. */
export function summarize(r: ScanResult): ScanSummary {
  const studies = new Map<string, IndexedInstance[]>();
  for (const i of r.instances) {
    const list = studies.get(i.studyInstanceUID) ?? [];
    list.push(i);
    studies.set(i.studyInstanceUID, list);
  }
  const studySummaries: StudySummary[] = [...studies.entries()].map(([uid, list]) => {
    const series = new Map<string, IndexedInstance[]>();
    for (const i of list) {
      const s = series.get(i.seriesInstanceUID) ?? [];
      s.push(i);
      series.set(i.seriesInstanceUID, s);
    }
    const first = list[0];
    const pick = (f: (i: IndexedInstance) => string) => list.map(f).find(Boolean) ?? '';
    const seriesSummaries: SeriesSummary[] = [...series.entries()].map(([suid, s]) => ({
      seriesInstanceUID: suid,
      modality: s.map((i) => i.modality).find(Boolean) ?? '',
      seriesDescription: s.map((i) => i.seriesDescription).find(Boolean) ?? '',
      seriesNumber: s[0].seriesNumber,
      bodyPart: s.map((i) => i.bodyPart).find(Boolean) ?? '',
      instances: s.length,
      bytes: s.reduce((n, i) => n + i.size, 0),
      frames: s.reduce((n, i) => n + i.frames, 0),
      transferSyntaxes: uniq(s.map((i) => i.transferSyntaxUID)),
      sopClasses: uniq(s.map((i) => i.sopClassUID)),
      burnedInRisk: s.some((i) => i.burnedInRisk),
    }));
    seriesSummaries.sort(
      (a, b) =>
        (a.seriesNumber ?? 1e9) - (b.seriesNumber ?? 1e9) ||
        (a.seriesInstanceUID < b.seriesInstanceUID ? -1 : 1),
    );
    return {
      studyInstanceUID: uid,
      patientId: first.patientId,
      patientName: first.patientName,
      studyDate: pick((i) => i.studyDate),
      studyDescription: pick((i) => i.studyDescription),
      accessionNumber: pick((i) => i.accessionNumber),
      modalities: uniq(list.map((i) => i.modality)),
      instances: list.length,
      bytes: list.reduce((n, i) => n + i.size, 0),
      series: seriesSummaries,
    };
  });
  studySummaries.sort((a, b) =>
    a.studyDate < b.studyDate
      ? -1
      : a.studyDate > b.studyDate
        ? 1
        : a.studyInstanceUID < b.studyInstanceUID
          ? -1
          : 1,
  );

  const patients = new Map<string, { patientName: string; patientId: string; birthDate: string }>();
  for (const i of r.instances) {
    const key = personKey(i);
    if (!patients.has(key))
      patients.set(key, { patientName: i.patientName, patientId: i.patientId, birthDate: i.birthDate });
  }
  return {
    root: r.root,
    files: r.files,
    instances: r.instances.length,
    dicomdir: r.dicomdir,
    multiplePatients: patients.size > 1,
    patients: [...patients.values()],
    studies: studySummaries,
    skipped: r.skipped,
    dicomdirProblems: r.dicomdirProblems,
    bytesRead: r.bytesRead,
    bytesTotal: r.bytesTotal,
  };
}
