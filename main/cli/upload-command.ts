// `cleardisc upload`: sends a de-identified job folder to a DICOMweb review service (STOW-RS), confirms it with
// QIDO-RS and writes the receipt. Credentials come only from the environment or a token file, never argv,
// and are never printed.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { REASONS } from '../../shared/reasons';
import { jobStatus, runUpload, type RunUploadOptions } from '../core/jobs/upload';
import { UploadInputError } from '../core/upload/manifest';
import { parseServiceUrl, ServiceUrlError } from '../core/upload/service-url';
import type { StowAuth } from '../core/upload/stow-client';
import type { UploadProgress } from '../core/upload/types';
import type { UploadOutcome } from '../core/upload/upload-job';
import { formatBytes, UsageError, type CliIO } from './io';
import { createProgress, duration, type Progress } from './progress';

export const UPLOAD_USAGE =
  'cleardisc upload <deid-dir> --to <dicomweb-base-url> [--token-file F] [--ca-file F] [--batch-mb N] [--parallel N] [--json]';

/** Test hooks (the binary passes none): a fake pre-send check, client knobs, a clock. */
export type UploadCommandOverrides = Partial<
  Pick<RunUploadOptions, 'verify' | 'records' | 'client' | 'idleTimeoutMs' | 'maxAttempts' | 'batchMaxFiles'>
> & { clock?: () => number; progressEveryMs?: number };

function positiveNumber(
  name: string,
  raw: string | undefined,
  opts: { integer?: boolean; max?: number } = {},
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (
    !Number.isFinite(n) ||
    n <= 0 ||
    (opts.integer && !Number.isInteger(n)) ||
    (opts.max !== undefined && n > opts.max)
  ) {
    throw new UsageError(
      `--${name} must be a ${opts.integer ? 'whole ' : ''}number above 0${opts.max ? ` and at most ${opts.max}` : ''}`,
    );
  }
  return n;
}

/** `--batch-mb` (MB of images per request) and `--parallel` (requests at once), shared by upload and send. */
export const BATCH_ARG_OPTIONS = {
  'batch-mb': { type: 'string' },
  parallel: { type: 'string' },
} as const;

export function readBatchArgs(values: { 'batch-mb'?: string; parallel?: string }): {
  batchMaxBytes?: number;
  parallel?: number;
} {
  const batchMb = positiveNumber('batch-mb', values['batch-mb'], { max: 4096 });
  return {
    batchMaxBytes: batchMb !== undefined ? Math.round(batchMb * 1024 * 1024) : undefined,
    parallel: positiveNumber('parallel', values.parallel, { integer: true, max: 16 }),
  };
}

export async function readAuth(
  env: CliIO['env'],
  tokenFile: string | undefined,
  io: CliIO,
): Promise<StowAuth> {
  let token: string | undefined;
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = await fsp.readFile(tokenFile, 'utf8');
      const st = await fsp.stat(tokenFile);
      if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
        io.err(
          `cleardisc upload: warning: the token file can be read by other users (chmod 600 ${tokenFile})\n`,
        );
      }
    } catch (err) {
      throw new UsageError(`cannot read the token file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    token = text.trim();
    if (!token) throw new UsageError('the token file is empty');
  } else if (env.CLEARDISC_TOKEN !== undefined && env.CLEARDISC_TOKEN !== '') {
    token = env.CLEARDISC_TOKEN.trim();
  }
  const user = env.CLEARDISC_USER;
  const password = env.CLEARDISC_PASSWORD;
  const basic = Boolean(user) || Boolean(password);
  if (token && basic) {
    throw new UsageError(
      'give either a token (CLEARDISC_TOKEN or --token-file) or CLEARDISC_USER/CLEARDISC_PASSWORD, not both',
    );
  }
  if (token) {
    if (/[\r\n]/.test(token)) throw new UsageError('the token must be a single line');
    return { kind: 'bearer', token };
  }
  if (basic) {
    if (!user || password === undefined)
      throw new UsageError('set both CLEARDISC_USER and CLEARDISC_PASSWORD');
    if (user.includes(':')) throw new UsageError('CLEARDISC_USER cannot contain ":"');
    return { kind: 'basic', user, password };
  }
  return { kind: 'none' };
}

/** A service address that is not usable (plain HTTP to another computer, no host...) is a usage error. */
export function checkServiceUrl(url: string): void {
  try {
    parseServiceUrl(url);
  } catch (err) {
    if (err instanceof ServiceUrlError) throw new UsageError(err.message);
    throw err;
  }
}

/** Extra CA certificates (PEM) for hospital networks that inspect TLS: `--ca-file`. */
export async function readCaFile(file: string | undefined): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  try {
    return await fsp.readFile(file);
  } catch (err) {
    throw new UsageError(`cannot read the CA file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function progressLine(p: UploadProgress): string {
  if (p.phase === 'confirming') return `Checking that the review service holds all ${p.filesTotal} images…`;
  if (p.phase === 'done') return `Done: ${p.filesDone - p.filesFailed}/${p.filesTotal} images sent.`;
  const rate = p.bytesPerSecond > 0 ? `, ${formatBytes(Math.round(p.bytesPerSecond))}/s` : '';
  const eta =
    p.etaSeconds !== undefined && p.bytesPerSecond > 0 ? `, about ${duration(p.etaSeconds)} left` : '';
  const failed = p.filesFailed ? `, ${p.filesFailed} not sent` : '';
  return `Sending ${p.filesDone}/${p.filesTotal} images, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}${rate}${eta}${failed}`;
}

export interface UploadJson {
  job: string;
  complete: boolean;
  total: number;
  stored: number;
  failed: Array<{ sopInstanceUID: string; reason: string; detail?: string }>;
  studies: Array<{ studyInstanceUID: string; instances: number; expected: number }>;
  notInManifest: string[];
  receipt: string | null;
  receiptHtml: string | null;
  /** Set when the upload stopped before it could finish (refused sign-in, certificate, cancelled…). */
  error?: string;
}

/**
 * The JSON document for an upload that stopped with an error: what the job's own files say was stored,
 * never `complete`, and the one-line reason. A script reading stdout always gets one document.
 */
export async function stoppedJson(jobDir: string, err: unknown): Promise<UploadJson> {
  const status = await jobStatus(jobDir);
  return {
    job: jobDir,
    complete: false,
    total: status?.total ?? 0,
    stored: status?.stored ?? 0,
    failed: status?.failed ?? [],
    studies: [],
    notInManifest: [],
    receipt: null,
    receiptHtml: null,
    error: err instanceof Error ? err.message : String(err),
  };
}

export function toJson(o: UploadOutcome): UploadJson {
  return {
    job: o.jobDir,
    complete: o.complete,
    total: o.total,
    stored: o.stored,
    failed: o.failed.map((f) => ({
      sopInstanceUID: f.sopInstanceUID,
      reason: f.reason,
      ...(f.detail ? { detail: f.detail } : {}),
    })),
    studies: o.studies.map((s) => ({
      studyInstanceUID: s.studyInstanceUID,
      instances: s.confirmed,
      expected: s.expected,
    })),
    notInManifest: o.notInManifest,
    receipt: o.receipt?.json ?? null,
    receiptHtml: o.receipt?.html ?? null,
  };
}

export function renderOutcome(o: UploadOutcome): string {
  const lines: string[] = [];
  const s = o.studies.length;
  if (o.complete) {
    lines.push(
      `All ${o.total} images of ${s} ${s === 1 ? 'study' : 'studies'} are with the review service (${o.serviceUrl}), each one confirmed.`,
    );
    lines.push(`Case code: ${o.caseCode}`);
    if (o.receipt) lines.push(`Receipt: ${o.receipt.html}`);
  } else {
    lines.push(
      `${o.stored} of ${o.total} images are confirmed at the review service; the upload is NOT complete.`,
    );
    if (o.failed.length) {
      lines.push(`${o.failed.length} image${o.failed.length === 1 ? ' was' : 's were'} not sent:`);
      for (const f of o.failed)
        lines.push(`  ${f.sopInstanceUID}: ${REASONS[f.reason]}${f.detail ? ` (${f.detail})` : ''}`);
    }
    if (o.confirmError) lines.push(`The service could not be asked what it holds: ${o.confirmError}`);
    lines.push('Run the same command again to retry; images already confirmed are not sent twice.');
  }
  if (o.notInManifest.length) {
    lines.push(
      `${o.notInManifest.length} file${o.notInManifest.length === 1 ? '' : 's'} in the folder ${o.notInManifest.length === 1 ? 'is' : 'are'} not in the manifest and ${o.notInManifest.length === 1 ? 'was' : 'were'} not sent: ${REASONS['not-in-manifest']}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Upload progress on stderr (see ./progress): a bar over the bytes while sending. */
export function progressPrinter(
  io: CliIO,
  overrides: { clock?: () => number; progressEveryMs?: number } = {},
  progress: Progress = createProgress(io, { clock: overrides.clock, everyMs: overrides.progressEveryMs }),
) {
  let phase: UploadProgress['phase'] | undefined;
  return {
    onProgress(p: UploadProgress) {
      const fraction =
        p.phase === 'sending' ? (p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0) : undefined;
      // One line for the whole upload, rewritten at once when it moves on to confirming and done.
      progress.update('upload', progressLine(p), fraction, p.phase === 'done', p.phase !== phase);
      phase = p.phase;
    },
    end: () => progress.end(),
  };
}

export async function uploadCommand(
  argv: string[],
  io: CliIO,
  overrides: UploadCommandOverrides = {},
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      to: { type: 'string' },
      'token-file': { type: 'string' },
      'ca-file': { type: 'string' },
      ...BATCH_ARG_OPTIONS,
      json: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1 || !values.to) throw new UsageError(`usage: ${UPLOAD_USAGE}`);
  const jobDir = path.resolve(positionals[0]);
  checkServiceUrl(values.to);
  const { batchMaxBytes, parallel } = readBatchArgs(values);
  const auth = await readAuth(io.env, values['token-file'], io);
  const ca = await readCaFile(values['ca-file']);

  const progress = progressPrinter(io, overrides);
  const onProgress = progress.onProgress;
  let outcome: UploadOutcome;
  try {
    outcome = await runUpload({
      jobDir,
      serviceUrl: values.to,
      auth,
      ca,
      env: io.env,
      batchMaxBytes,
      batchMaxFiles: overrides.batchMaxFiles,
      parallel,
      idleTimeoutMs: overrides.idleTimeoutMs,
      maxAttempts: overrides.maxAttempts,
      verify: overrides.verify,
      records: overrides.records,
      client: overrides.client,
      onProgress,
    });
  } catch (err) {
    progress.end();
    if (err instanceof UploadInputError || err instanceof ServiceUrlError) throw new UsageError(err.message);
    if (!values.json) throw err;
    io.out(JSON.stringify(await stoppedJson(jobDir, err), null, 2) + '\n');
    io.err(`cleardisc upload: ${(err as Error).message}\n`);
    return 1;
  }
  progress.end();
  if (values.json) io.out(JSON.stringify(toJson(outcome), null, 2) + '\n');
  else io.out(renderOutcome(outcome));
  return outcome.complete ? 0 : 1;
}
