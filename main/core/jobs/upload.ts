// The upload stage as one call for the CLI, serve and Electron: builds the DICOMweb client, wires the second
// lock (the case's private identity tokens) as the pre-send check, and runs the job.
import type { ReasonCode } from '../../../shared/reasons';
import { defaultRecordDir, fileRecordStore, type RecordStore } from '../deid/case-record';
import { readJournal, replayJournal } from '../upload/journal';
import { readManifest, UploadInputError } from '../upload/manifest';
import { StowClient, type StowAuth, type StowClientOptions } from '../upload/stow-client';
import { uploadJob, type UploadJobDeps, type UploadOutcome } from '../upload/upload-job';
import { nodeUploadFs, type UploadFs, type VerifyFn } from '../upload/types';
import { buildIdentityTokens, type IdentityTokens } from '../verify/identity-tokens';
import { verifyBuffer, verifyFile } from '../verify/second-lock';

export interface RunUploadOptions {
  jobDir: string;
  serviceUrl: string;
  auth: StowAuth;
  /** Extra CA certificates (PEM). */
  ca?: string | Buffer;
  /** For HTTPS_PROXY / HTTP_PROXY / NO_PROXY and the case-record folder (CLEARDISC_HOME). */
  env: Record<string, string | undefined>;
  batchMaxFiles?: number;
  batchMaxBytes?: number;
  parallel?: number;
  idleTimeoutMs?: number;
  maxAttempts?: number;
  onProgress?: UploadJobDeps['onProgress'];
  onInstance?: UploadJobDeps['onInstance'];
  signal?: AbortSignal;
  /** Defaults to the second lock with this case's identity tokens from its private record. */
  verify?: VerifyFn;
  records?: RecordStore;
  fs?: UploadFs;
  /** Client knobs for tests (backoff, transport, sleep, random). */
  client?: Partial<StowClientOptions>;
}

/** The second lock as the upload's pre-send check: any identity token found → held back. */
export function secondLockVerify(tokens: IdentityTokens): VerifyFn {
  return async (file, bytes) => {
    const r = bytes ? verifyBuffer(bytes, tokens) : await verifyFile(file, tokens);
    if (r.ok) return { ok: true };
    const reason: ReasonCode = r.error ? 'verify-failed' : 'identity-found';
    return { ok: false, reason };
  };
}

/**
 * The identity tokens of a job's case, from the private case record (~/.cleardisc/cases/<code>/record.json or
 * $CLEARDISC_HOME/cases). Without them the pre-send check cannot run, so the upload refuses to start.
 */
export async function loadCaseTokens(caseCode: string, records: RecordStore): Promise<IdentityTokens> {
  const rec = await records.load(caseCode);
  if (!rec?.identity) {
    throw new UploadInputError(
      `The private record of case ${caseCode} is not on this computer, so the images cannot be checked for personal information again before sending. Upload from the computer that prepared them.`,
    );
  }
  return buildIdentityTokens(rec.identity);
}

export async function runUpload(o: RunUploadOptions): Promise<UploadOutcome> {
  const fs = o.fs ?? nodeUploadFs;
  const client = new StowClient({
    ...o.client,
    baseUrl: o.serviceUrl,
    auth: o.auth,
    ca: o.ca,
    env: o.env,
    idleTimeoutMs: o.idleTimeoutMs ?? o.client?.idleTimeoutMs,
    maxAttempts: o.maxAttempts ?? o.client?.maxAttempts,
  });
  let verify = o.verify;
  if (!verify) {
    const manifest = await readManifest(o.jobDir, fs);
    const records = o.records ?? fileRecordStore(defaultRecordDir(o.env));
    verify = secondLockVerify(await loadCaseTokens(manifest.caseCode, records));
  }
  return uploadJob(o.jobDir, {
    client,
    verify,
    fs,
    batchMaxFiles: o.batchMaxFiles,
    batchMaxBytes: o.batchMaxBytes,
    parallel: o.parallel,
    onProgress: o.onProgress,
    onInstance: o.onInstance,
    signal: o.signal,
  });
}

export interface JobStatus {
  /** Instances in the manifest. */
  total: number;
  /** Manifest instances the journal records as stored (not yet re-confirmed by the server). */
  stored: number;
  /** Manifest instances whose last journal line is a failure, with its reason. */
  failed: Array<{ sopInstanceUID: string; reason: ReasonCode; detail?: string }>;
}

/**
 * Where a job stands according to its own files (manifest + journal), without asking the server: what a
 * command reports when the upload stopped before it could finish. Undefined when the folder holds no job.
 */
export async function jobStatus(jobDir: string, fs: UploadFs = nodeUploadFs): Promise<JobStatus | undefined> {
  let manifest;
  try {
    manifest = await readManifest(jobDir, fs);
  } catch {
    return undefined;
  }
  const states = replayJournal((await readJournal(jobDir, fs).catch(() => undefined))?.entries ?? []);
  const status: JobStatus = { total: manifest.instances.length, stored: 0, failed: [] };
  for (const i of manifest.instances) {
    const st = states.get(i.sopInstanceUID);
    if (st?.state === 'stored') status.stored++;
    else if (st?.state === 'failed')
      status.failed.push({
        sopInstanceUID: i.sopInstanceUID,
        reason: st.reason ?? 'network-failed',
        ...(st.detail ? { detail: st.detail } : {}),
      });
  }
  return status;
}
