import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Manifest } from '../../../shared/deid-types';

/** Where `send` keeps a case's job when no folder is given: beside the private records, never on the disc. */
export function defaultJobDir(
  caseCode: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const home = env.CLEARDISC_HOME ?? path.join(os.homedir(), '.cleardisc');
  return path.join(home, 'jobs', caseCode);
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
