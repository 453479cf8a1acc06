import * as fsp from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runUpload } from '../core/jobs/upload';
import { caseForSelection, completedJob, damagedFiles, defaultJobDir } from '../core/jobs/job-folder';
import type { ScanResult } from '../core/scan/scan';
import { planKey } from '../core/deid/plan';
import { defaultRecordDir, fileRecordStore } from '../core/deid/case-record';
import { UploadInputError } from '../core/upload/manifest';
import type { StowAuth } from '../core/upload/stow-client';
import type { UploadOutcome } from '../core/upload/upload-job';
import { DEID_ARG_OPTIONS, planFor, readDeidArgs, runDeid, scanSource, type DeidArgs } from './deid-command';
import { createProgress, type Progress } from './progress';
import {
  BATCH_ARG_OPTIONS,
  checkServiceUrl,
  progressPrinter,
  readAuth,
  readBatchArgs,
  readCaFile,
  renderOutcome,
  stoppedJson,
  toJson,
} from './upload-command';
import { UsageError, type CliIO } from './io';

export const SEND_USAGE =
  'cleardisc send <source> --to <dicomweb-base-url> [--case CODE] [--out DIR] [--study UID]... [--include-burned-in] [--option NAME=on|off]... [--token-file F] [--ca-file F] [--batch-mb N] [--parallel N] [--json]';

/**
 * scan → de-identify → second lock → upload → receipt for one source. Run again with the same case
 * code after any interruption: a finished de-identification is reused and only unconfirmed images are sent.
 */
export async function sendOne(
  a: DeidArgs & { caseCode: string },
  to: string,
  auth: StowAuth,
  io: CliIO,
  extra: {
    ca?: Buffer;
    scanned?: ScanResult;
    progress?: Progress;
    fresh?: boolean;
    batchMaxBytes?: number;
    parallel?: number;
  } = {},
): Promise<UploadOutcome> {
  const progress = extra.progress ?? createProgress(io);
  const prepared = extra.fresh ? undefined : await completedJob(a.out, a.caseCode);
  let damaged = prepared ? (await damagedFiles(a.out, prepared)).length : 0;
  let scanned = extra.scanned;
  if (damaged) {
    // Prepared again only from a disc that is there: from an empty or missing one, the job would be replaced
    // by nothing. Then the intact images are sent and the damaged ones reported as not sent.
    scanned ??= await scanSource(a.source, progress).catch(() => undefined);
    const plan = scanned && planFor(scanned, a);
    if (!plan?.include.length) {
      io.err(
        `Prepared images damaged or missing in ${a.out}: ${damaged}. Put the disc back in to prepare them again.\n`,
      );
      damaged = 0;
    }
  }
  if (prepared && !damaged) {
    io.err(`Resuming case ${a.caseCode}: the images were already prepared in ${a.out}.\n`);
  } else {
    if (damaged)
      io.err(`Prepared images damaged or missing in ${a.out}: ${damaged}. They are prepared again.\n`);
    io.err(`Case ${a.caseCode}: reading the disc and removing personal information (job folder ${a.out})…\n`);
    const { summary } = await runDeid(a, io, { scanned, progress });
    io.err(
      `${summary.written} images prepared; ${summary.excluded.length + summary.quarantined.length} files left out.\n`,
    );
  }
  const upload = progressPrinter(io, {}, progress);
  try {
    return await runUpload({
      jobDir: a.out,
      serviceUrl: to,
      auth,
      ca: extra.ca,
      env: io.env,
      batchMaxBytes: extra.batchMaxBytes,
      parallel: extra.parallel,
      onProgress: upload.onProgress,
    });
  } catch (err) {
    if (err instanceof UploadInputError) throw new UsageError(err.message);
    throw err;
  } finally {
    upload.end();
  }
}

/** The case for `send` without --case (see caseForSelection), saying so when an earlier one carries on. */
async function caseForSource(scanned: ScanResult, a: DeidArgs, to: string, io: CliIO): Promise<string> {
  const { caseCode, resumed } = await caseForSelection(
    scanned.instances.map((i) => i.sopInstanceUID),
    { studies: a.studies, includeBurnedIn: a.includeBurnedIn, options: a.options },
    to,
    io.env,
    (n) => randomBytes(n),
  );
  if (resumed) io.err(`These images were started before as case ${caseCode}: carrying on with that case.\n`);
  return caseCode;
}

/** Job folders of the same case made for other choices of images (`<job>-<plan>` beside `<job>`). */
async function otherJobsOf(job: string): Promise<string[]> {
  const base = path.basename(job);
  const entries = await fsp.readdir(path.dirname(job)).catch(() => [] as string[]);
  return entries.filter((e) => e.startsWith(`${base}-`) && /^[0-9a-f]{8}$/.test(e.slice(base.length + 1)));
}

export async function sendCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...DEID_ARG_OPTIONS,
      to: { type: 'string' },
      'token-file': { type: 'string' },
      'ca-file': { type: 'string' },
      ...BATCH_ARG_OPTIONS,
    },
    allowPositionals: true,
  });
  if (!values.to) throw new UsageError(`usage: ${SEND_USAGE}`);
  checkServiceUrl(values.to);
  const auth = await readAuth(io.env, values['token-file'], io);
  const ca = await readCaFile(values['ca-file']);
  const batch = readBatchArgs(values);
  // Checked before anything is read (the case code may come from the disc's contents below).
  const args = readDeidArgs({ ...values, out: values.out ?? '' }, positionals, SEND_USAGE);
  const progress = createProgress(io);
  let scanned: ScanResult | undefined;
  let caseCode = values.case;
  if (caseCode === undefined) {
    scanned = await scanSource(args.source, progress);
    caseCode = await caseForSource(scanned, args, values.to, io);
  }
  let out = path.resolve(values.out ?? defaultJobDir(caseCode, io.env));
  let fresh = false;
  const prepared = await completedJob(out, caseCode);
  if (prepared?.planKey) {
    // Prepared before for this case: the same images and options resume; another choice (a second study
    // sent later under the same case code) is a job of its own, never silently the old one.
    scanned ??= await scanSource(args.source, progress).catch((err: unknown) => {
      if (err instanceof UsageError) return undefined; // the disc is gone
      throw err;
    });
    const plan = scanned && planFor(scanned, args);
    const secret = (await fileRecordStore(defaultRecordDir(io.env)).load(caseCode))?.secret;
    if (!plan || plan.include.length === 0 || !secret) {
      // Nothing on the source to compare with (disc taken out, empty mount point): resume only when no other
      // choice of this case was prepared, so there is no doubt which job is meant.
      if (values.out === undefined && (await otherJobsOf(out)).length)
        throw new UsageError(
          `case ${caseCode} has more than one prepared job; put the disc back in, or name the job folder with --out`,
        );
    } else {
      const key = planKey(plan, secret, args.options);
      if (key !== prepared.planKey) {
        if (values.out === undefined) out = `${out}-${key.slice(0, 8)}`;
        else {
          fresh = true;
          io.err(`${out} holds images prepared from another choice; they are prepared again.\n`);
        }
      }
    }
  }
  const a = { ...args, caseCode, out };
  let outcome: UploadOutcome;
  try {
    outcome = await sendOne(a, values.to, auth, io, { ca, scanned, progress, fresh, ...batch });
  } catch (err) {
    if (!values.json || err instanceof UsageError) throw err;
    io.out(JSON.stringify(await stoppedJson(out, err), null, 2) + '\n');
    io.err(`cleardisc send: ${(err as Error).message}\n`);
    return 1;
  }
  if (values.json) io.out(JSON.stringify(toJson(outcome), null, 2) + '\n');
  else io.out(renderOutcome(outcome));
  return outcome.complete ? 0 : 1;
}
