import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { DeidOptions } from '../../shared/deid-types';
import { scan, type ScanResult } from '../core/scan/scan';
import { makePlan } from '../core/deid/plan';
import { deidentify, isIncompleteOutput } from '../core/deid/run';
import { parseOptionArg } from '../core/deid/options';
import { defaultRecordDir, fileRecordStore, isValidCaseCode } from '../core/deid/case-record';
import { ClearDiscError } from '../core/errors';
import { REASONS } from '../../shared/reasons';
import { formatBytes, UsageError, type CliIO } from './io';
import { createProgress, duration, type Progress } from './progress';

export const DEID_USAGE =
  'cleardisc deid <path> --out <dir> [--case CODE] [--study UID]... [--include-burned-in] [--option NAME=on|off]... [--json]';

/** Options shared by `deid` and `send`. */
export const DEID_ARG_OPTIONS = {
  out: { type: 'string' },
  case: { type: 'string' },
  study: { type: 'string', multiple: true },
  'include-burned-in': { type: 'boolean' },
  option: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

export interface DeidArgs {
  source: string;
  out: string;
  caseCode?: string;
  studies: string[];
  includeBurnedIn: boolean;
  options: Partial<DeidOptions>;
}

export function readDeidArgs(
  values: Record<string, unknown>,
  positionals: string[],
  usage: string,
): DeidArgs {
  if (positionals.length !== 1) throw new UsageError(`usage: ${usage}`);
  const caseCode = values.case as string | undefined;
  if (caseCode !== undefined && !isValidCaseCode(caseCode)) {
    throw new UsageError('--case takes 1 to 32 letters, digits, "-" or "_" (it must not contain a name)');
  }
  const options: Partial<DeidOptions> = {};
  for (const o of (values.option as string[] | undefined) ?? []) {
    try {
      Object.assign(options, parseOptionArg(o));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return {
    source: positionals[0],
    out: values.out as string,
    caseCode,
    studies: (values.study as string[] | undefined) ?? [],
    includeBurnedIn: Boolean(values['include-burned-in']),
    options,
  };
}

/** Scans the source for a command; a source that cannot be opened at all is a usage error (exit 2). */
export async function scanSource(source: string, progress?: Progress): Promise<ScanResult> {
  try {
    return await scan(source, {
      onProgress: (p) =>
        progress?.update(
          'scan',
          `Reading the disc: ${p.filesRead} of ${p.filesSeen} files looked at, ${p.instances} images found`,
        ),
    });
  } catch (err) {
    if (err instanceof ClearDiscError && err.code === 'unreadable')
      throw new UsageError(`cannot read ${source}`);
    throw err;
  } finally {
    progress?.end();
  }
}

/** Preparing N images: count, share and time left (the rate of this run so far). */
export function deidProgressLine(done: number, total: number, elapsedMs: number): string {
  const left =
    done > 0 && done < total ? `, about ${duration(((total - done) * elapsedMs) / done / 1000)} left` : '';
  return `Removing personal information: ${done}/${total} images${left}`;
}

/** The plan of the studies chosen on the command line; with several people on the disc, says how to choose. */
export function planFor(scanned: ScanResult, a: Pick<DeidArgs, 'studies' | 'includeBurnedIn'>) {
  try {
    return makePlan(scanned, { studies: a.studies, includeBurnedIn: a.includeBurnedIn });
  } catch (err) {
    if (err instanceof ClearDiscError && err.code === 'multiple-patients')
      throw new ClearDiscError(
        'multiple-patients',
        `${err.detail}; name each study to send with --study UID: 'cleardisc scan' lists them`,
      );
    throw err;
  }
}

/** scan (unless already done) → plan → de-identify, with progress on stderr when a Progress is given. */
export async function runDeid(
  a: DeidArgs,
  io: CliIO,
  hooks: { scanned?: ScanResult; progress?: Progress; clock?: () => number } = {},
) {
  const scanned = hooks.scanned ?? (await scanSource(a.source, hooks.progress));
  const plan = planFor(scanned, a);
  const clock = hooks.clock ?? (() => performance.now());
  const start = clock();
  try {
    return await deidentify(plan, {
      out: a.out,
      caseCode: a.caseCode,
      options: a.options,
      records: fileRecordStore(defaultRecordDir(io.env)),
      random: (n) => randomBytes(n),
      now: () => new Date(),
      onProgress: (p) =>
        hooks.progress?.update(
          'deid',
          deidProgressLine(p.done, p.total, clock() - start),
          p.total > 0 ? p.done / p.total : 1,
          p.done === p.total,
        ),
    });
  } finally {
    hooks.progress?.end();
  }
}

export async function deidCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: DEID_ARG_OPTIONS,
    allowPositionals: true,
  });
  if (!values.out) throw new UsageError(`usage: ${DEID_USAGE}`);
  const a = readDeidArgs(values, positionals, DEID_USAGE);
  let summary;
  try {
    ({ summary } = await runDeid(a, io, { progress: createProgress(io) }));
  } catch (err) {
    // Stopped part-way: the folder's manifest says complete: false; the message says so too.
    if (!(err instanceof UsageError) && (await isIncompleteOutput(a.out)))
      throw new Error(
        `${(err as Error).message}; the output in ${a.out} is incomplete and must not be used`,
        {
          cause: err,
        },
      );
    throw err;
  }
  if (values.json) {
    io.out(JSON.stringify(summary, null, 2) + '\n');
  } else {
    const bytes = summary.studies.reduce((n, s) => n + s.bytes, 0);
    io.out(
      `Case ${summary.caseCode}: ${summary.written} images cleaned (${formatBytes(bytes)}) in ${summary.out}\n`,
    );
    const left = [...summary.excluded, ...summary.quarantined];
    const byReason = new Map<string, number>();
    for (const e of left) byReason.set(e.reason, (byReason.get(e.reason) ?? 0) + 1);
    for (const [r, n] of byReason) io.out(`  ${n} left out: ${REASONS[r as keyof typeof REASONS]}\n`);
    // Names of attributes only, never their values: the person reviews them in the prepared files.
    if (summary.keptFreeText.length)
      io.out(`  Text kept (cleaned) for you to review: ${summary.keptFreeText.join(', ')}\n`);
  }
  return 0;
}
