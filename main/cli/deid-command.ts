import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { DeidOptions } from '../../shared/deid-types';
import { scan } from '../core/scan/scan';
import { makePlan } from '../core/deid/plan';
import { deidentify } from '../core/deid/run';
import { parseOptionArg } from '../core/deid/options';
import { defaultRecordDir, fileRecordStore, isValidCaseCode } from '../core/deid/case-record';
import { ClearDiscError } from '../core/errors';
import { REASONS } from '../../shared/reasons';
import { formatBytes, UsageError, type CliIO } from './io';

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

export async function runDeid(a: DeidArgs, io: CliIO) {
  let scanned;
  try {
    scanned = await scan(a.source);
  } catch (err) {
    if (err instanceof ClearDiscError && err.code === 'unreadable')
      throw new UsageError(`cannot read ${a.source}`);
    throw err;
  }
  const plan = makePlan(scanned, { studies: a.studies, includeBurnedIn: a.includeBurnedIn });
  return deidentify(plan, {
    out: a.out,
    caseCode: a.caseCode,
    options: a.options,
    records: fileRecordStore(defaultRecordDir(io.env)),
    random: (n) => randomBytes(n),
    now: () => new Date(),
  });
}

export async function deidCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: DEID_ARG_OPTIONS,
    allowPositionals: true,
  });
  if (!values.out) throw new UsageError(`usage: ${DEID_USAGE}`);
  const a = readDeidArgs(values, positionals, DEID_USAGE);
  const { summary } = await runDeid(a, io);
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
  }
  return 0;
}
