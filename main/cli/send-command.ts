import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runUpload } from '../core/jobs/upload';
import { completedJob, defaultJobDir } from '../core/jobs/job-folder';
import { randomCaseCode } from '../core/deid/case-record';
import { UploadInputError } from '../core/upload/manifest';
import type { StowAuth } from '../core/upload/stow-client';
import type { UploadOutcome } from '../core/upload/upload-job';
import { parseServiceUrl, ServiceUrlError } from '../core/upload/service-url';
import { DEID_ARG_OPTIONS, readDeidArgs, runDeid, type DeidArgs } from './deid-command';
import { progressPrinter, readAuth, renderOutcome, toJson } from './upload-command';
import { UsageError, type CliIO } from './io';

export const SEND_USAGE =
  'cleardisc send <source> --to <dicomweb-base-url> [--case CODE] [--out DIR] [--study UID]... [--include-burned-in] [--option NAME=on|off]... [--token-file F] [--json]';

export function checkServiceUrl(url: string): void {
  try {
    parseServiceUrl(url);
  } catch (err) {
    if (err instanceof ServiceUrlError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * scan → de-identify → second lock → upload → receipt for one source. Run again with the same case
 * code after any interruption: a finished de-identification is reused and only unconfirmed images are sent.
 */
export async function sendOne(
  a: DeidArgs & { caseCode: string },
  to: string,
  auth: StowAuth,
  io: CliIO,
): Promise<UploadOutcome> {
  if (await completedJob(a.out, a.caseCode)) {
    io.err(`Resuming case ${a.caseCode}: the images were already prepared in ${a.out}.\n`);
  } else {
    io.err(`Case ${a.caseCode}: reading the disc and removing personal information (job folder ${a.out})…\n`);
    const { summary } = await runDeid(a, io);
    io.err(
      `${summary.written} images prepared; ${summary.excluded.length + summary.quarantined.length} files left out.\n`,
    );
  }
  const progress = progressPrinter(io);
  try {
    return await runUpload({
      jobDir: a.out,
      serviceUrl: to,
      auth,
      env: io.env,
      onProgress: progress.onProgress,
    });
  } catch (err) {
    if (err instanceof UploadInputError) throw new UsageError(err.message);
    throw err;
  } finally {
    progress.end();
  }
}

export async function sendCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...DEID_ARG_OPTIONS, to: { type: 'string' }, 'token-file': { type: 'string' } },
    allowPositionals: true,
  });
  if (!values.to) throw new UsageError(`usage: ${SEND_USAGE}`);
  checkServiceUrl(values.to);
  const auth = await readAuth(io.env, values['token-file'], io);
  const caseCode = values.case ?? randomCaseCode((n) => randomBytes(n));
  const out = path.resolve(values.out ?? defaultJobDir(caseCode, io.env));
  const a = readDeidArgs({ ...values, case: caseCode, out }, positionals, SEND_USAGE);
  const outcome = await sendOne({ ...a, caseCode }, values.to, auth, io);
  if (values.json) io.out(JSON.stringify(toJson(outcome), null, 2) + '\n');
  else io.out(renderOutcome(outcome));
  return outcome.complete ? 0 : 1;
}
