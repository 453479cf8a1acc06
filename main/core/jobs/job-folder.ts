import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { DeidOptions, Manifest } from '../../../shared/deid-types';
import { clearDiscHome } from '../home';
import { writeFileAtomic } from '../atomic-write';
import { randomCaseCode, type RandomBytes } from '../deid/case-record';
import { canonicalOptions } from '../deid/plan';

/** Where `send` keeps a case's job when no folder is given: beside the private records, never on the disc. */
export function defaultJobDir(
  caseCode: string,
  env: Record<string, string | undefined> = process.env,
): string {
  return path.join(clearDiscHome(env), 'jobs', caseCode);
}

/** A finished de-identification of this case already in the folder: the upload can resume from it. */
export async function completedJob(jobDir: string, caseCode: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await fsp.readFile(path.join(jobDir, 'manifest.json'), 'utf8')) as Manifest;
    return m.format === 'cleardisc-manifest' && m.complete && m.caseCode === caseCode ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The files of a prepared job that are missing, or differ in size or SHA-256 from what its manifest says
 * (a disk error, a program that changed or removed them). A job with any is prepared again rather than
 * resumed: otherwise each new try would refuse the same damaged files.
 */
export async function damagedFiles(jobDir: string, manifest: Manifest): Promise<string[]> {
  const root = path.resolve(jobDir);
  const damaged: string[] = [];
  for (const inst of manifest.instances) {
    const file = path.resolve(root, inst.file);
    try {
      if (!file.startsWith(root + path.sep)) throw new Error('outside the job folder');
      const st = await fsp.stat(file);
      if (!st.isFile() || st.size !== inst.bytes) throw new Error('size');
      const h = createHash('sha256');
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
      if (h.digest('hex') !== inst.sha256.toLowerCase()) throw new Error('content');
    } catch {
      damaged.push(inst.file);
    }
  }
  return damaged;
}

/**
 * What a source is, for `send` without --case: its images (original SOP Instance UIDs, sorted) and where they
 * go. Not its path: every disc is mounted at the same place. A hash, so the file naming it holds no UID.
 */
export function sendKey(sopInstanceUIDs: readonly string[], serviceUrl: string): string {
  const h = createHash('sha256');
  for (const uid of [...new Set(sopInstanceUIDs)].sort()) h.update(uid).update('\n');
  return h.update('\0').update(serviceUrl.replace(/\/+$/, '')).digest('hex').slice(0, 32);
}

/**
 * The case codes `send` chose itself, per sendKey, so running the same command again after an interruption
 * (or a second time) carries on with the same case: same UIDs, nothing stored twice at the service.
 */
export function sendMemory(env: Record<string, string | undefined> = process.env) {
  const file = (key: string) => path.join(clearDiscHome(env), 'send', `${key}.json`);
  return {
    async recall(key: string): Promise<string | undefined> {
      try {
        const v = JSON.parse(await fsp.readFile(file(key), 'utf8')) as { caseCode?: unknown };
        return typeof v.caseCode === 'string' ? v.caseCode : undefined;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async remember(key: string, caseCode: string): Promise<void> {
      const f = file(key);
      await fsp.mkdir(path.dirname(f), { recursive: true, mode: 0o700 });
      // Remembered on disk before anything is sent: a crash must not lose it.
      await writeFileAtomic(f, JSON.stringify({ caseCode }) + '\n', { mode: 0o600, sync: true });
    },
  };
}

/** What is chosen to send from a source: another choice of the same disc is another case. */
export interface SendSelection {
  studies: readonly string[];
  includeBurnedIn: boolean;
  options: Partial<DeidOptions>;
}

/**
 * The case for a send that names none (the CLI without --case, the app): the one this same selection of
 * this source was first sent to this service as, so a second try resumes it and nothing reaches the service
 * twice under two pseudonyms; else a new code, remembered before anything is sent.
 */
export async function caseForSelection(
  sopInstanceUIDs: readonly string[],
  selection: SendSelection,
  serviceUrl: string,
  env: Record<string, string | undefined>,
  random: RandomBytes,
): Promise<{ caseCode: string; resumed: boolean }> {
  if (sopInstanceUIDs.length === 0) return { caseCode: randomCaseCode(random), resumed: false }; // nothing to tell one empty folder from another
  const key = sendKey(
    [
      ...sopInstanceUIDs,
      // Options as they take effect (defaults filled in, keys in order): flag order must not make a new case.
      JSON.stringify({
        studies: [...new Set(selection.studies)].sort(),
        burnedIn: selection.includeBurnedIn,
        options: canonicalOptions(selection.options),
      }),
    ],
    serviceUrl,
  );
  const memory = sendMemory(env);
  const known = await memory.recall(key);
  if (known) return { caseCode: known, resumed: true };
  const caseCode = randomCaseCode(random);
  await memory.remember(key, caseCode);
  return { caseCode, resumed: false };
}
