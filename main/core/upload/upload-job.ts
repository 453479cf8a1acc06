// Uploads one job folder: the instances its manifest lists, in batches, resumable from the journal, each file
// re-checked (size, SHA-256, second lock) right before it is sent and sent exactly as checked; then QIDO-RS
// confirms the server holds them.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { ByteRing } from './byte-ring';
import type { Manifest, ManifestInstance } from '../../../shared/deid-types';
import { isReasonCode, type ReasonCode } from '../../../shared/reasons';
import {
  Journal,
  readJournal,
  replayJournal,
  serviceKey,
  JOURNAL_FILE,
  type InstanceJournalState,
  type JournalEntry,
} from './journal';
import { isInside, readManifest, resolveInJob, MANIFEST_FILE, UploadInputError } from './manifest';
import { writeReceipt, RECEIPT_HTML, RECEIPT_JSON, type ReceiptFiles } from './receipt';
import type { BatchHooks, StowInstance } from './stow-client';
import {
  nodeUploadFs,
  type InstanceResult,
  type UploadFs,
  type UploadProgress,
  type VerifyFn,
} from './types';

/** The part of StowClient the job uses (tests may wrap it). */
export interface UploadClient {
  readonly serviceUrl: string;
  storeBatch(instances: readonly StowInstance[], hooks?: BatchHooks): Promise<InstanceResult[]>;
  /** `looking`: the UIDs the caller needs; paging may stop once all of them are seen. */
  listStudyInstances(
    studyInstanceUID: string,
    signal?: AbortSignal,
    looking?: ReadonlySet<string>,
  ): Promise<string[]>;
  /** Instances held per series of a study; undefined when the server does not give every count. */
  seriesInstanceCounts?(
    studyInstanceUID: string,
    signal?: AbortSignal,
  ): Promise<Map<string, number> | undefined>;
}

export interface UploadJobDeps {
  client: UploadClient;
  /** Runs right before a file is sent; a file that is not ok is never sent (failed, 'identity-found'). */
  verify: VerifyFn;
  fs?: UploadFs;
  /** Wall clock for journal lines and the receipt. */
  now?: () => Date;
  /** Monotonic ms for rates. */
  clock?: () => number;
  onProgress?: (p: UploadProgress) => void;
  /** Each instance as it settles (stored or failed). */
  onInstance?: (r: InstanceResult) => void;
  /** Limits of one STOW request. Defaults 100 files and 8 MiB (a bigger single file goes alone). */
  batchMaxFiles?: number;
  batchMaxBytes?: number;
  /**
   * Memory for checked files waiting to be sent from it (default 32 MiB); files that do not fit are read
   * again, and hashed again, as they are sent.
   */
  memoryForCheckedBytes?: number;
  /** Requests in flight at once. Default 2. */
  parallel?: number;
  /** Least time between two progress events while bytes flow. Default 250 ms. */
  progressIntervalMs?: number;
  signal?: AbortSignal;
  /** Write receipt.json/html when complete. Default true. */
  receipt?: boolean;
}

export interface UploadFailure {
  sopInstanceUID: string;
  reason: ReasonCode;
  detail?: string;
}

export interface UploadOutcome {
  jobDir: string;
  caseCode: string;
  serviceUrl: string;
  /** Every manifest instance is stored and the server confirmed holding it (QIDO-RS). */
  complete: boolean;
  total: number;
  /** Instances stored and confirmed on the server. */
  stored: number;
  /** Instances sent (stored) by this run. */
  sentThisRun: number;
  failed: UploadFailure[];
  /** Stored according to the journal or the server's answer, but absent from its QIDO-RS answer. */
  missingOnServer: string[];
  studies: Array<{ studyInstanceUID: string; expected: number; confirmed: number }>;
  /** .dcm files in the folder that the manifest does not list: never sent (relative, de-identified names). */
  notInManifest: string[];
  /** Why confirmation could not run, when it could not. */
  confirmError?: string;
  receipt?: ReceiptFiles;
  /** Journal lines that could not be read (a torn last line after a crash). */
  journalSkippedLines: number;
}

const MiB = 1024 * 1024;

const READ_WHOLE_LIMIT = 16 * MiB;
/**
 * 8 MiB per request: small enough that a dropped connection costs little and that the requests in flight and
 * the next ones already checked fit in HOLD_BUDGET, large enough that per-request costs stay small.
 */
const DEFAULT_BATCH_BYTES = 8 * MiB;
const FIRST_BATCH: BatchRamp = { files: 8, bytes: 4 * MiB };
/** Checked bytes kept in memory for sending, at most (beyond it, files are read again when sent). */
const HOLD_BUDGET = 32 * MiB;

async function sha256OfFile(fs: UploadFs, file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: MiB }) as AsyncIterable<Buffer>)
    h.update(chunk);
  return h.digest('hex');
}

/** The first batches' limits, doubled batch by batch up to the configured ones. */
export interface BatchRamp {
  files: number;
  bytes: number;
}

/**
 * Splits instances into batches of at most maxFiles and maxBytes (a file above maxBytes travels alone). With a
 * ramp, batch k holds at most ramp·2^k files and bytes (capped by the limits): every file of a batch is checked
 * before its request starts, so small first batches put bytes on the wire within milliseconds, while the
 * checks of the larger batches that follow overlap the sending of the earlier ones.
 */
export function planBatches<T extends { bytes: number }>(
  items: readonly T[],
  maxFiles: number,
  maxBytes: number,
  ramp?: BatchRamp,
): T[][] {
  const out: T[][] = [];
  const limit = (max: number, start: number | undefined) =>
    start === undefined ? max : Math.min(max, start * 2 ** Math.min(out.length, 40));
  let cur: T[] = [];
  let bytes = 0;
  for (const it of items) {
    if (
      cur.length > 0 &&
      (cur.length >= limit(maxFiles, ramp?.files) || bytes + it.bytes > limit(maxBytes, ramp?.bytes))
    ) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += it.bytes;
  }
  if (cur.length) out.push(cur);
  return out;
}

async function listDicomFiles(fs: UploadFs, root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  let entries: Awaited<ReturnType<UploadFs['readdir']>>;
  try {
    entries = await fs.readdir(path.join(root, rel));
  } catch {
    return out;
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!rel && e.name === 'quarantine') continue; // held back by de-identification, never part of an upload
      out.push(...(await listDicomFiles(fs, root, r)));
    } else if (e.isFile() && /\.dcm$/i.test(e.name)) out.push(r);
  }
  return out;
}

interface Work {
  inst: ManifestInstance;
  abs?: string;
}

export async function uploadJob(jobDir: string, deps: UploadJobDeps): Promise<UploadOutcome> {
  const fs = deps.fs ?? nodeUploadFs;
  const now = deps.now ?? (() => new Date());
  const clock = deps.clock ?? (() => performance.now());
  const maxFiles = Math.max(1, deps.batchMaxFiles ?? 100);
  const maxBytes = Math.max(1, deps.batchMaxBytes ?? DEFAULT_BATCH_BYTES);
  const parallel = Math.max(1, deps.parallel ?? 2);
  const interval = deps.progressIntervalMs ?? 250;
  const root = path.resolve(jobDir);

  const manifest: Manifest = await readManifest(root, fs);
  if (manifest.instances.length === 0) {
    throw new UploadInputError(
      'This folder holds no images to send: every file was left out by the de-identification.',
    );
  }
  const realRoot = await fs.realpath(root);
  const { entries, skipped } = await readJournal(root, fs);
  const states: Map<string, InstanceJournalState> = replayJournal(entries);
  // Stored on another service (the job sent elsewhere before): not stored on this one.
  const svc = serviceKey(deps.client.serviceUrl);
  for (const [sop, st] of states)
    if (st.state === 'stored' && st.svc !== undefined && st.svc !== svc) states.delete(sop);
  const listed = new Set(manifest.instances.map((i) => i.file.replace(/\\/g, '/')));
  const notInManifest = (await listDicomFiles(fs, root)).filter((f) => !listed.has(f));

  const bySop = new Map(manifest.instances.map((i) => [i.sopInstanceUID, i]));
  const failures = new Map<string, UploadFailure>();
  let sentThisRun = 0;

  // Progress bookkeeping.
  const total = manifest.instances.length;
  const bytesTotal = manifest.instances.reduce((a, i) => a + i.bytes, 0);
  let filesDone = 0;
  let settledBytes = 0;
  for (const i of manifest.instances) {
    if (states.get(i.sopInstanceUID)?.state === 'stored') {
      filesDone++;
      settledBytes += i.bytes;
    }
  }
  const inflight = new Map<number, { sent: number; payload: number }>(); // batch -> current attempt's body bytes
  let shownBytes = 0;
  let wireBytes = 0;
  let firstByteAt: number | undefined;
  let lastEmit = -Infinity;
  let phase: UploadProgress['phase'] = 'sending';
  const progress = (force: boolean) => {
    if (!deps.onProgress) return;
    const t = clock();
    if (!force && t - lastEmit < interval) return;
    lastEmit = t;
    let inflightBytes = 0;
    // Multipart overhead is not file bytes: an attempt counts at most its files' size.
    for (const v of inflight.values()) inflightBytes += Math.min(v.sent, v.payload);
    // Shown progress never goes back (a retried batch re-sends bytes already counted).
    shownBytes = Math.max(shownBytes, Math.min(bytesTotal, settledBytes + inflightBytes));
    const bytesDone = shownBytes;
    const elapsed = firstByteAt === undefined ? 0 : (t - firstByteAt) / 1000;
    const rate = elapsed > 0.05 ? wireBytes / elapsed : 0;
    deps.onProgress({
      phase,
      filesDone,
      filesTotal: total,
      filesFailed: failures.size,
      bytesDone,
      bytesTotal,
      bytesPerSecond: rate,
      etaSeconds: phase === 'done' ? 0 : rate > 0 ? (bytesTotal - bytesDone) / rate : undefined,
    });
  };

  const journal = await Journal.open(root, { fs, now });
  const internal = new AbortController();
  const signal = deps.signal ? AbortSignal.any([deps.signal, internal.signal]) : internal.signal;
  let fatal: unknown;

  // Stored in this run with the server naming each one, without a warning: what the cheap confirmation trusts.
  const referencedThisRun = new Set<string>();
  const storedThisRun = new Set<string>();
  const settle = (r: InstanceResult) => {
    const inst = bySop.get(r.sopInstanceUID)!;
    if (r.state === 'stored' && r.referenced && !r.warnings?.length) referencedThisRun.add(r.sopInstanceUID);
    else referencedThisRun.delete(r.sopInstanceUID);
    if (r.state === 'stored') {
      storedThisRun.add(r.sopInstanceUID);
      states.set(r.sopInstanceUID, {
        state: 'stored',
        svc,
        url: r.retrieveUrl,
        warnings: r.warnings,
        attempt: r.attempt,
        t: now().toISOString(),
      });
      failures.delete(r.sopInstanceUID);
      sentThisRun++;
    } else {
      states.set(r.sopInstanceUID, {
        state: 'failed',
        reason: r.reason,
        detail: r.detail,
        t: now().toISOString(),
      });
      failures.set(r.sopInstanceUID, {
        sopInstanceUID: r.sopInstanceUID,
        reason: r.reason,
        detail: r.detail,
      });
    }
    filesDone++;
    settledBytes += inst.bytes;
    deps.onInstance?.(r);
  };
  const toEntry = (r: InstanceResult): Omit<JournalEntry, 't'> =>
    r.state === 'stored'
      ? {
          sop: r.sopInstanceUID,
          state: 'stored',
          svc,
          attempt: r.attempt,
          url: r.retrieveUrl,
          warnings: r.warnings,
        }
      : { sop: r.sopInstanceUID, state: 'failed', reason: r.reason, attempt: r.attempt, detail: r.detail };

  // Checked bytes waiting to be sent as they are (see precheck), for every batch not yet settled.
  const ring = new ByteRing(Math.max(0, deps.memoryForCheckedBytes ?? HOLD_BUDGET));

  /**
   * Size, SHA-256 and the second lock, right before sending. Returns a failure, or the file's checked bytes when
   * they are kept in memory to be sent (otherwise the file is streamed from disk and hashed again as it goes).
   */
  const precheck = async (w: Work): Promise<{ failed: InstanceResult } | { data?: Buffer }> => {
    const fail = (reason: ReasonCode, detail: string) => ({
      failed: {
        sopInstanceUID: w.inst.sopInstanceUID,
        state: 'failed' as const,
        attempt: 0,
        reason,
        detail,
      },
    });
    if (!w.abs) return fail('outside-root', 'manifest path points outside the job folder');
    let bytes: Buffer | undefined;
    let lent: Buffer | undefined;
    try {
      const real = await fs.realpath(w.abs);
      if (!isInside(realRoot, real))
        return fail('outside-root', 'file is a link leading outside the job folder');
      const st = await fs.stat(real);
      if (!st.isFile()) return fail('unreadable', 'not a regular file');
      if (st.size !== w.inst.bytes)
        return fail('verify-failed', 'file size differs from the manifest: changed since de-identification');
      // Files up to 16 MiB (nearly every CT, MR or X-ray image) are read once: hashed and searched by the second
      // lock from the same bytes, which are then the bytes sent. A larger file is hashed here too, so no byte
      // of a changed file leaves, and again while it is streamed (multipart.ts holds its last bytes back until
      // that hash matches), so a change made in between never reaches the server whole.
      if (st.size > READ_WHOLE_LIMIT) {
        if ((await sha256OfFile(fs, real)) !== w.inst.sha256.toLowerCase())
          return fail('verify-failed', 'SHA-256 differs from the manifest: changed since de-identification');
      } else {
        // Into the ring when it has room, so the bytes can wait there to be sent; else into a buffer of its own.
        const slice = ring.take(st.size);
        try {
          bytes = slice ?? Buffer.allocUnsafe(st.size);
          const n = await fs.readInto(real, bytes);
          if (
            n !== w.inst.bytes ||
            createHash('sha256').update(bytes).digest('hex') !== w.inst.sha256.toLowerCase()
          )
            return fail(
              'verify-failed',
              'SHA-256 differs from the manifest: changed since de-identification',
            );
          if (slice) lent = slice;
        } finally {
          if (slice && !lent) ring.release(slice);
        }
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return fail('unreadable', `could not read the file (${code ?? 'error'})`);
    }
    let v: { ok: boolean; reason?: string };
    try {
      v = await deps.verify(w.abs, bytes);
    } catch {
      if (lent) ring.release(lent);
      return fail('verify-failed', 'the pre-upload identity check could not run');
    }
    if (!v.ok) {
      if (lent) ring.release(lent);
      const reason: ReasonCode = v.reason && isReasonCode(v.reason) ? v.reason : 'identity-found';
      return fail(reason, 'held back by the pre-upload identity check');
    }
    return { data: lent };
  };

  const todo: Work[] = manifest.instances
    .filter((i) => states.get(i.sopInstanceUID)?.state !== 'stored')
    .map((inst) => ({ inst, abs: resolveInJob(root, inst.file) }));
  const batches = planBatches(
    todo.map((w) => ({ w, bytes: w.inst.bytes })),
    maxFiles,
    maxBytes,
    FIRST_BATCH,
  );

  // Checks for a whole batch before any of it is sent, so a held-back file is journaled first. A batch's
  // checks start while earlier batches are still on the wire (see sendBatch): reading, hashing and searching
  // the next files overlaps the network and the server instead of adding to them.
  const checked = new Map<number, Promise<{ ready: StowInstance[]; held: InstanceResult[] }>>();
  const check = (index: number) => {
    let p = checked.get(index);
    if (!p && index < batches.length) {
      p = (async () => {
        const ready: StowInstance[] = [];
        const held: InstanceResult[] = [];
        for (const { w } of batches[index]) {
          if (fatal || signal.aborted) break;
          const r = await precheck(w);
          if ('failed' in r) held.push(r.failed);
          else
            ready.push({
              sopInstanceUID: w.inst.sopInstanceUID,
              path: w.abs!,
              bytes: w.inst.bytes,
              sha256: w.inst.sha256,
              data: r.data,
            });
        }
        return { ready, held };
      })();
      p.catch(() => undefined); // awaited by the batch's sender; never left to reject unobserved
      checked.set(index, p);
    }
    return p;
  };

  const sendBatch = async (index: number) => {
    const { ready, held } = (await check(index))!;
    try {
      await sendChecked(index, ready, held);
    } finally {
      for (const r of ready) if (r.data) ring.release(r.data);
    }
  };

  const sendChecked = async (index: number, ready: StowInstance[], held: InstanceResult[]) => {
    checked.delete(index);
    // The batch this worker will most likely take next: checked while this one is sent.
    // (Only if no worker has taken it yet: a batch already taken was checked by its own sender.)
    if (!fatal && !signal.aborted && index + parallel >= next) void check(index + parallel);
    if (held.length) {
      await journal.append(held.map(toEntry));
      held.forEach(settle);
      progress(true);
    }
    if (!ready.length || fatal || signal.aborted) return;
    try {
      await deps.client.storeBatch(ready, {
        signal,
        onAttempt: async (pending, attempt) => {
          inflight.set(index, { sent: 0, payload: pending.reduce((a, p) => a + p.bytes, 0) });
          await journal.append(
            pending.map((p) => ({ sop: p.sopInstanceUID, state: 'sending' as const, attempt })),
          );
        },
        onSettled: async (results) => {
          inflight.delete(index);
          if (!results.length) return;
          await journal.append(results.map(toEntry));
          results.forEach(settle);
          progress(true);
        },
        onBytes: (n) => {
          firstByteAt ??= clock();
          wireBytes += n;
          const cur = inflight.get(index);
          if (cur) cur.sent += n;
          progress(false);
        },
      });
    } finally {
      inflight.delete(index);
    }
  };

  let next = 0;
  const worker = async () => {
    while (!fatal && !signal.aborted && next < batches.length) {
      try {
        await sendBatch(next++);
      } catch (err) {
        // Credentials, address, certificate, disk: stop every worker; what was not settled stays pending.
        fatal ??= err;
        internal.abort();
      }
    }
  };

  try {
    progress(true);
    await Promise.all(Array.from({ length: Math.min(parallel, batches.length) }, worker));
    if (fatal) throw fatal;
    if (signal.aborted) throw Object.assign(new Error('The upload was cancelled.'), { name: 'AbortError' });

    // Confirmation: the server must hold every manifest instance.
    phase = 'confirming';
    progress(true);
    const studyUids = [...new Set(manifest.instances.map((i) => i.studyInstanceUID))];
    const studies: UploadOutcome['studies'] = [];
    const missingOnServer: string[] = [];
    let confirmError: string | undefined;
    let confirmed = 0;
    const late: Array<Omit<JournalEntry, 't'>> = [];
    /**
     * The cheap confirmation: the server named every instance of the study as stored during this run, and its
     * count in each series is exactly the manifest's. Anything else is settled by listing the study's
     * instances one by one: a resumed job (something stored earlier may have gone since), a bare or "already
     * stored" answer, a count missing, lower or higher (another job of this case added to a series), or a
     * server that cannot answer the series query.
     */
    const countsConfirm = async (study: string, expected: ManifestInstance[]): Promise<boolean> => {
      if (!deps.client.seriesInstanceCounts) return false;
      if (!expected.every((i) => referencedThisRun.has(i.sopInstanceUID))) return false;
      const want = new Map<string, number>();
      for (const i of expected) want.set(i.seriesInstanceUID, (want.get(i.seriesInstanceUID) ?? 0) + 1);
      let have: Map<string, number> | undefined;
      try {
        have = await deps.client.seriesInstanceCounts(study, signal);
      } catch (err) {
        if ((err as Error).name === 'AbortError') throw err;
        return false; // the listing asks again, and reports what it finds (or why it cannot)
      }
      return !!have && [...want].every(([series, n]) => have.get(series) === n);
    };
    for (const study of studyUids) {
      const expected = manifest.instances.filter((i) => i.studyInstanceUID === study);
      let held: Set<string>;
      try {
        if (await countsConfirm(study, expected)) {
          confirmed += expected.length;
          studies.push({ studyInstanceUID: study, expected: expected.length, confirmed: expected.length });
          continue;
        }
        const looking = new Set(expected.map((i) => i.sopInstanceUID));
        held = new Set(await deps.client.listStudyInstances(study, signal, looking));
      } catch (err) {
        if ((err as Error).name === 'StowFatalError' || (err as Error).name === 'AbortError') throw err;
        confirmError = (err as Error).message;
        studies.push({ studyInstanceUID: study, expected: expected.length, confirmed: 0 });
        continue;
      }
      let n = 0;
      for (const inst of expected) {
        const st = states.get(inst.sopInstanceUID);
        const onServer = held.has(inst.sopInstanceUID);
        if (st?.state === 'stored' && onServer) n++;
        else if (st?.state === 'stored' && !onServer) {
          missingOnServer.push(inst.sopInstanceUID);
          // Stored by an earlier run and gone since (the service was emptied or lost it): nobody refused it.
          const f: UploadFailure = storedThisRun.has(inst.sopInstanceUID)
            ? {
                sopInstanceUID: inst.sopInstanceUID,
                reason: 'server-rejected',
                detail: 'acknowledged, but not found on the server afterwards (QIDO-RS)',
              }
            : {
                sopInstanceUID: inst.sopInstanceUID,
                reason: 'missing-on-server',
                detail: 'stored by an earlier run, not found on the server now (QIDO-RS)',
              };
          failures.set(inst.sopInstanceUID, f);
          states.set(inst.sopInstanceUID, {
            state: 'failed',
            reason: f.reason,
            detail: f.detail,
            t: now().toISOString(),
          });
          late.push({ sop: f.sopInstanceUID, state: 'failed', reason: f.reason, detail: f.detail });
        } else if (st?.state === 'failed' && st.reason === 'network-failed' && onServer) {
          // The request reached the server but its answer was lost: the server holds a complete copy of the
          // bytes we sent (a part is only completed after its SHA-256 matched the manifest).
          n++;
          failures.delete(inst.sopInstanceUID);
          states.set(inst.sopInstanceUID, {
            state: 'stored',
            svc,
            detail: 'confirmed by QIDO-RS',
            t: now().toISOString(),
          });
          late.push({ sop: inst.sopInstanceUID, state: 'stored', svc, detail: 'confirmed by QIDO-RS' });
        }
      }
      confirmed += n;
      studies.push({ studyInstanceUID: study, expected: expected.length, confirmed: n });
    }
    await journal.append(late);

    const complete = confirmError === undefined && confirmed === total && failures.size === 0;
    let receipt: ReceiptFiles | undefined;
    if (complete && deps.receipt !== false) {
      receipt = await writeReceipt(
        root,
        { manifest, states, serviceUrl: deps.client.serviceUrl, now: now() },
        fs,
      );
    }
    phase = 'done';
    progress(true);
    return {
      jobDir: root,
      caseCode: manifest.caseCode,
      serviceUrl: deps.client.serviceUrl,
      complete,
      total,
      stored: confirmed,
      sentThisRun,
      failed: manifest.instances.flatMap((i) => failures.get(i.sopInstanceUID) ?? []),
      missingOnServer,
      studies,
      notInManifest,
      confirmError,
      receipt,
      journalSkippedLines: skipped,
    };
  } finally {
    await journal.close();
  }
}

/** Files of a job folder the upload itself writes (never sent, never counted as "not in manifest"). */
export const JOB_FILES = [MANIFEST_FILE, JOURNAL_FILE, RECEIPT_JSON, RECEIPT_HTML];
