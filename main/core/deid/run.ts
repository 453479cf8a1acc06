import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import {
  DEFAULT_DEID_OPTIONS,
  type DeidOptions,
  type DeidSummary,
  type Manifest,
  type ManifestExclusion,
  type ManifestStudy,
} from '../../../shared/deid-types';
import { ClearDiscError } from '../errors';
import { mapPool } from '../map-pool';
import { writeFileAtomic } from '../atomic-write';
import { readHeader } from '../dicom/read-header';
import { charsetsOf } from '../dicom/values';
import { nodeSourceFs, type SourceFs } from '../scan/source-fs';
import type { IndexedInstance } from '../scan/instance';
import { buildIdentityTokens, type IdentityTokens } from '../verify/identity-tokens';
import { newCaseRecord, randomCaseCode, type RandomBytes, type RecordStore } from './case-record';
import { collectIdentity, mergeIdentity, type CollectedIdentity } from './collect-identity';
import { methodCodes } from './options';
import type { ProfileOption } from './profile/profile';
import { planKey, type DeidPlan } from './plan';
import { dirMaker, processInstance, type InstanceOutcome, type InstanceContext } from './process-instance';
import { createUidMapper, uidKeyFor } from './uid-map';
import { isWithin } from '../paths';

export const TOOL_NAME = 'ClearDisc';
export const TOOL_VERSION = '0.1.0';
/** ClearDisc's implementation class UID, under a UUID-derived 2.25 root. */
export const IMPLEMENTATION_CLASS_UID = '2.25.141675294916327917430297384957826483218';

export interface DeidDeps {
  out: string;
  caseCode?: string;
  options?: Partial<DeidOptions>;
  records: RecordStore;
  random: RandomBytes;
  now: () => Date;
  fs?: SourceFs;
  pixelsCleaned?: boolean;
  /** Instances processed at once (default 8). */
  concurrency?: number;
  onProgress?: (p: { done: number; total: number }) => void;
}

export interface DeidResult {
  manifest: Manifest;
  summary: DeidSummary;
  /** Tokens for the second lock, kept so the upload stage can check again right before sending. */
  tokens: IdentityTokens;
}

const MANIFEST = 'manifest.json';
const CONCURRENCY = 8;

const writeJsonAtomic = (file: string, data: unknown): Promise<void> =>
  writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n', { sync: true });

/** Real path of `p`, following links in the part that exists (the rest may not be created yet). */
async function realPathOf(p: string): Promise<string> {
  const abs = path.resolve(p);
  const rest: string[] = [];
  for (let cur = abs; ;) {
    try {
      return path.join(await fsp.realpath(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return abs;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

/** Is `dir/manifest.json` a ClearDisc manifest (not just any file of that name)? */
async function isClearDiscOutput(dir: string): Promise<boolean> {
  try {
    const m = JSON.parse(await fsp.readFile(path.join(dir, MANIFEST), 'utf8')) as { format?: unknown };
    return m?.format === 'cleardisc-manifest';
  } catch {
    return false;
  }
}

/** An output folder whose manifest says the run that wrote it did not finish. */
export async function isIncompleteOutput(dir: string): Promise<boolean> {
  try {
    const m = JSON.parse(await fsp.readFile(path.join(dir, MANIFEST), 'utf8')) as Partial<Manifest>;
    return m.format === 'cleardisc-manifest' && m.complete === false;
  } catch {
    return false;
  }
}

/** The output folder must be new, empty, or an earlier ClearDisc output (which is replaced). */
async function prepareOut(out: string, sourceRoot: string): Promise<void> {
  // Compared by real path, both ways: an output reached through a link into the source, or a source
  // inside an earlier output (which would be emptied below), would both write to the source.
  const [realSource, realOut] = await Promise.all([realPathOf(sourceRoot), realPathOf(out)]);
  if (isWithin(realSource, realOut)) {
    throw new ClearDiscError(
      'write-failed',
      'the output folder is inside the source; the source is never written to',
    );
  }
  if (isWithin(realOut, realSource)) {
    throw new ClearDiscError(
      'write-failed',
      'the source is inside the output folder, which would be emptied; choose another folder',
    );
  }
  let entries: string[] = [];
  try {
    entries = await fsp.readdir(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ClearDiscError('write-failed', 'the output folder cannot be read');
  }
  if (entries.length && !(entries.includes(MANIFEST) && (await isClearDiscOutput(out)))) {
    throw new ClearDiscError('write-failed', 'the output folder is not empty and was not made by ClearDisc');
  }
  if (entries.length) {
    // Marked unfinished before anything is deleted, and the manifest deleted last (rewritten by the new run):
    // a run stopped part-way here leaves a folder that says it is incomplete, never unlabelled files.
    const old = JSON.parse(await fsp.readFile(path.join(out, MANIFEST), 'utf8')) as Manifest;
    await writeJsonAtomic(path.join(out, MANIFEST), { ...old, complete: false });
    for (const e of entries)
      if (e !== MANIFEST) await fsp.rm(path.join(out, e), { recursive: true, force: true });
  }
  await fsp.mkdir(out, { recursive: true });
}

const byNumber = (a: number | null, b: number | null) => (a ?? 1e9) - (b ?? 1e9);

/** Orders instances study → series → instance so output numbering is stable across runs. */
function layout(include: IndexedInstance[]): Map<IndexedInstance, string> {
  const studies = [...new Set(include.map((i) => i.studyInstanceUID))];
  const firstDate = (uid: string) => include.find((i) => i.studyInstanceUID === uid)?.studyDate ?? '';
  studies.sort((a, b) =>
    firstDate(a) < firstDate(b) ? -1 : firstDate(a) > firstDate(b) ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  const files = new Map<IndexedInstance, string>();
  studies.forEach((study, si) => {
    const inStudy = include.filter((i) => i.studyInstanceUID === study);
    const series = [...new Set(inStudy.map((i) => i.seriesInstanceUID))];
    const seriesNo = (uid: string) => inStudy.find((i) => i.seriesInstanceUID === uid)?.seriesNumber ?? null;
    series.sort((a, b) => byNumber(seriesNo(a), seriesNo(b)) || (a < b ? -1 : a > b ? 1 : 0));
    series.forEach((se, ei) => {
      const items = inStudy.filter((i) => i.seriesInstanceUID === se);
      items.sort(
        (a, b) =>
          byNumber(a.instanceNumber, b.instanceNumber) || (a.sopInstanceUID < b.sopInstanceUID ? -1 : 1),
      );
      items.forEach((inst, ii) => {
        const pad = (n: number, w: number) => String(n + 1).padStart(w, '0');
        files.set(inst, `study-${pad(si, 2)}/series-${pad(ei, 3)}/${pad(ii, 5)}.dcm`);
      });
    });
  });
  return files;
}

/**
 * De-identifies the plan's instances into `deps.out`. Every source file ends up written, excluded or
 * quarantined with a reason; `manifest.json` says `complete: false` until the very end.
 */
export async function deidentify(plan: DeidPlan, deps: DeidDeps): Promise<DeidResult> {
  const out = path.resolve(deps.out);
  await prepareOut(out, plan.root);
  const fsx = deps.fs ?? nodeSourceFs;
  const options: DeidOptions = { ...DEFAULT_DEID_OPTIONS, ...deps.options };
  const concurrency = deps.concurrency ?? CONCURRENCY;

  const caseCode = deps.caseCode ?? randomCaseCode(deps.random);
  const record = (await deps.records.load(caseCode)) ?? newCaseRecord(caseCode, deps.random, deps.now);

  // Pass 1: identity from every instance on the source, chosen or not, so cleaning and the second
  // lock know every name, ID and UID that must not survive.
  const excluded: ManifestExclusion[] = [...plan.excluded];
  const found = await mapPool(plan.all, concurrency, async (inst) => {
    try {
      const src = await fsx.open(path.join(plan.root, inst.path));
      try {
        const h = await readHeader(src);
        return collectIdentity(h.elements, charsetsOf(h.elements), h.meta, options);
      } finally {
        await src.close();
      }
    } catch {
      // Unreadable now though it scanned: it will fail again below and be reported there.
      return undefined;
    }
  });
  // Merged in plan order, whatever order the reads finished in: the same disc gives the same tokens.
  let identity: CollectedIdentity = { names: [], ids: [], dates: [], texts: [], uids: [] };
  for (const f of found) if (f) identity = mergeIdentity(identity, f);
  for (const i of plan.all) {
    if (!record.patients.some((p) => p.patientId === i.patientId && p.patientName === i.patientName)) {
      record.patients.push({ patientName: i.patientName, patientId: i.patientId, birthDate: i.birthDate });
    }
  }
  const tokens = buildIdentityTokens(identity);

  const manifest: Manifest = {
    format: 'cleardisc-manifest',
    version: 1,
    complete: false,
    caseCode,
    createdAt: deps.now().toISOString(),
    tool: `${TOOL_NAME} ${TOOL_VERSION}`,
    options,
    planKey: planKey(plan, record.secret, options, Boolean(deps.pixelsCleaned)),
    methodCodes: [], // the union over the instances written, set at the end
    instances: [],
    excluded,
    quarantined: [],
    studies: [],
    keptFreeText: [],
  };
  await writeJsonAtomic(path.join(out, MANIFEST), manifest);

  const ctx: InstanceContext = {
    root: plan.root,
    out,
    options,
    caseCode,
    dateOffsetDays: record.dateOffsetDays,
    identity,
    tokens,
    pixelsCleaned: Boolean(deps.pixelsCleaned),
    implementation: { classUid: IMPLEMENTATION_CLASS_UID, versionName: `CLEARDISC_${TOOL_VERSION}` },
    uids: createUidMapper(uidKeyFor(record.secret, options)),
    fs: fsx,
    ensureDir: dirMaker(),
  };
  const files = [...layout(plan.include)];
  const kept = new Set<string>();
  const applied = new Set<ProfileOption>();
  let done = 0;

  // A few instances at once: one's disc or fsync wait overlaps another's parsing and checking.
  const outcomes = await mapPool(files, concurrency, async ([inst, file], index) => {
    const job = { index, source: inst.path, file };
    const o: InstanceOutcome = await processInstance(ctx, job);
    deps.onProgress?.({ done: ++done, total: files.length });
    return o;
  });

  // Outcomes are gathered in layout order, so the manifest is the same however the work interleaved.
  const studyInfo = new Map<string, ManifestStudy>();
  for (const o of outcomes) {
    if (o.kind === 'excluded') excluded.push(o.item);
    else if (o.kind === 'quarantined') manifest.quarantined.push(o.item);
    else if (o.kind === 'written') {
      const entry = o.entry;
      for (const k of o.keptFreeText) kept.add(k);
      for (const a of o.appliedOptions) applied.add(a);
      manifest.instances.push(entry);
      const st = studyInfo.get(entry.studyInstanceUID) ?? {
        studyInstanceUID: entry.studyInstanceUID,
        studyDescription: o.studyDescription,
        modalities: [] as string[],
        instances: 0,
        bytes: 0,
      };
      if (entry.modality && !st.modalities.includes(entry.modality)) st.modalities.push(entry.modality);
      st.instances++;
      st.bytes += entry.bytes;
      studyInfo.set(entry.studyInstanceUID, st);
    }
  }
  // Remove series folders emptied by quarantine or failures, so the tree holds only manifest files.
  await removeEmptyDirs(out);

  record.uidMap = {
    ...record.uidMap,
    ...Object.fromEntries(ctx.uids.entries()),
  };
  // Merged, not replaced: a case may hold several discs, and the check before sending any of their outputs
  // needs every identity the case has seen.
  record.identity = record.identity ? mergeIdentity(record.identity, identity) : identity;
  await deps.records.save(record);

  manifest.studies = [...studyInfo.values()];
  manifest.keptFreeText = [...kept].sort();
  manifest.methodCodes = methodCodes(applied, { pixelsCleaned: Boolean(deps.pixelsCleaned) }).map(
    (c) => c.codeValue,
  );
  manifest.complete = true;
  await writeJsonAtomic(path.join(out, MANIFEST), manifest);
  return {
    manifest,
    tokens,
    summary: {
      written: manifest.instances.length,
      excluded: manifest.excluded,
      quarantined: manifest.quarantined,
      studies: manifest.studies.map((s) => ({
        studyInstanceUID: s.studyInstanceUID,
        instances: s.instances,
        bytes: s.bytes,
      })),
      out,
      caseCode,
      keptFreeText: manifest.keptFreeText,
    },
  };
}

async function removeEmptyDirs(dir: string): Promise<boolean> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  let empty = true;
  for (const e of entries) {
    if (e.isDirectory()) {
      const sub = path.join(dir, e.name);
      if (await removeEmptyDirs(sub)) await fsp.rmdir(sub);
      else empty = false;
    } else empty = false;
  }
  return empty;
}
