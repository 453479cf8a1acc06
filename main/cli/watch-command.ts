import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { randomCaseCode, isValidCaseCode } from '../core/deid/case-record';
import { defaultJobDir } from '../core/jobs/job-folder';
import { fileWatchStore, keyOf, watchFolder } from '../core/jobs/watch';
import { sendOne } from './send-command';
import { scanSource } from './deid-command';
import { studiesByPerson } from '../core/deid/plan';
import { checkServiceUrl, readAuth, readCaFile } from './upload-command';
import { clearDiscHome } from '../core/home';
import { UsageError, type CliIO } from './io';

export const WATCH_USAGE =
  'cleardisc watch <folder> --to <dicomweb-base-url> [--case-from-folder-name] [--include-burned-in] [--stable-seconds N] [--poll-seconds N] [--token-file F] [--ca-file F] [--once]';

/** A folder name becomes the case code only if it is a valid one (letters, digits, - and _). */
function caseFromName(name: string): string | undefined {
  return isValidCaseCode(name) ? name : undefined;
}

/** Case code of the k-th person of an export: '<case>-<k>', the case shortened if the whole would be too long. */
export function subCase(caseCode: string, k: number): string {
  const suffix = `-${k}`;
  return `${caseCode.slice(0, 32 - suffix.length)}${suffix}`;
}

export async function watchCommand(
  argv: string[],
  io: CliIO,
  hooks: { signal?: AbortSignal } = {},
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      to: { type: 'string' },
      'case-from-folder-name': { type: 'boolean' },
      'include-burned-in': { type: 'boolean' },
      'stable-seconds': { type: 'string' },
      'poll-seconds': { type: 'string' },
      'token-file': { type: 'string' },
      'ca-file': { type: 'string' },
      once: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1 || !values.to) throw new UsageError(`usage: ${WATCH_USAGE}`);
  checkServiceUrl(values.to);
  const root = path.resolve(positionals[0]);
  const seconds = (raw: string | undefined, dflt: number) => {
    const n = raw === undefined ? dflt : Number(raw);
    if (!Number.isFinite(n) || n < 0)
      throw new UsageError('--stable-seconds and --poll-seconds take a number of seconds');
    return n * 1000;
  };
  const auth = await readAuth(io.env, values['token-file'], io);
  const ca = await readCaFile(values['ca-file']);
  const store = fileWatchStore(path.join(clearDiscHome(io.env), 'watch', `${keyOf(root)}.json`));
  const ac = new AbortController();
  const stop = () => ac.abort();
  hooks.signal?.addEventListener('abort', stop);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  io.err(`Watching ${root} for new exports; each is sent once it stops changing.\n`);
  try {
    await watchFolder(
      root,
      {
        store,
        signal: ac.signal,
        now: () => Date.now(),
        sleep: (ms, signal) =>
          new Promise((resolve) => {
            const t = setTimeout(resolve, ms);
            signal?.addEventListener('abort', () => (clearTimeout(t), resolve()));
          }),
        self: { pid: process.pid, host: os.hostname(), bootedAt: Date.now() - os.uptime() * 1000 },
        isAlive: (pid) => {
          try {
            process.kill(pid, 0); // signal 0: only asks whether the process exists
            return true;
          } catch (err) {
            return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
          }
        },
        stableMs: seconds(values['stable-seconds'], 30),
        pollMs: seconds(values['poll-seconds'], 5),
        retryMs: 5 * 60 * 1000,
        caseCodeFor: (name) =>
          (values['case-from-folder-name'] ? caseFromName(name) : undefined) ??
          randomCaseCode((n) => randomBytes(n)),
        send: async (folder, caseCode) => {
          try {
            // A batch export may hold several people: each is a case of their own, never merged into one.
            const scanned = await scanSource(folder);
            const people = studiesByPerson(scanned);
            const cases =
              people.length > 1
                ? people.map((studies, k) => ({ caseCode: subCase(caseCode, k + 1), studies }))
                : [{ caseCode, studies: [] }];
            if (cases.length > 1)
              io.err(
                `This export holds scans of ${cases.length} people: each is sent as a case of its own (${cases.map((c) => c.caseCode).join(', ')}).\n`,
              );
            let complete = true;
            for (const c of cases) {
              const outcome = await sendOne(
                {
                  source: folder,
                  out: defaultJobDir(c.caseCode, io.env),
                  caseCode: c.caseCode,
                  studies: c.studies,
                  includeBurnedIn: Boolean(values['include-burned-in']),
                  options: {},
                },
                values.to!,
                auth,
                io,
                { ca, scanned },
              );
              complete &&= outcome.complete;
            }
            return complete;
          } catch (err) {
            // Messages may quote the export's path, and exports are often named after the patient.
            const message = (err as Error).message.split(folder).join('the export folder');
            throw new Error(message.split(path.basename(folder)).join('the export folder'), { cause: err });
          }
        },
        // Folder names are not printed: clinics often name exports after the patient.
        onEvent: (e) => {
          if (e.kind === 'sent') io.out(`sent case ${e.caseCode}\n`);
          else if (e.kind === 'failed')
            io.err(`case ${e.caseCode} not complete (${e.message}); will try again later\n`);
        },
      },
      { once: Boolean(values.once) },
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}
