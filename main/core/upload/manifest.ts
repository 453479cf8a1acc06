// Reading a job folder's manifest.json, strictly: the upload sends exactly what it lists and nothing else.
import * as path from 'node:path';
import type { Manifest, ManifestInstance } from '../../../shared/deid-types';
import { nodeUploadFs, type UploadFs } from './types';
import { leavesRoot } from '../paths';

export const MANIFEST_FILE = 'manifest.json';

/** The job folder cannot be uploaded as it is (no manifest, an unfinished or malformed one). */
export class UploadInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UploadInputError';
  }
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new UploadInputError(`manifest.json is not valid: ${what}.`);
}

/** Reads and validates `<jobDir>/manifest.json`; refuses one whose de-identification did not finish. */
export async function readManifest(jobDir: string, fs: UploadFs = nodeUploadFs): Promise<Manifest> {
  let text: string;
  try {
    text = (await fs.readFile(path.join(jobDir, MANIFEST_FILE))).toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UploadInputError(
        'This folder has no manifest.json: it is not the output of `cleardisc deid`.',
      );
    }
    throw new UploadInputError(`manifest.json could not be read (${code ?? 'error'}).`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    throw new UploadInputError('manifest.json is not valid JSON.');
  }
  check(typeof m === 'object' && m !== null, 'not an object');
  check(m.format === 'cleardisc-manifest', 'format is not cleardisc-manifest');
  check(m.version === 1, `unsupported version ${String(m.version)}`);
  if (m.complete !== true) {
    throw new UploadInputError(
      'The de-identification of this folder did not finish (manifest.json says complete: false); run `cleardisc deid` again before uploading.',
    );
  }
  check(typeof m.caseCode === 'string', 'caseCode missing');
  check(Array.isArray(m.instances), 'instances missing');
  check(
    Array.isArray(m.excluded ?? []) && Array.isArray(m.quarantined ?? []),
    'excluded/quarantined not lists',
  );
  const seen = new Set<string>();
  m.instances.forEach((inst: ManifestInstance, i) => {
    const at = `instances[${i}]`;
    check(typeof inst === 'object' && inst !== null, `${at} is not an object`);
    check(typeof inst.file === 'string' && inst.file.length > 0, `${at}.file missing`);
    for (const k of ['sopInstanceUID', 'studyInstanceUID', 'seriesInstanceUID', 'sopClassUID'] as const) {
      check(
        typeof inst[k] === 'string' && UID.test(inst[k]) && inst[k].length <= 64,
        `${at}.${k} is not a UID`,
      );
    }
    check(Number.isSafeInteger(inst.bytes) && inst.bytes > 0, `${at}.bytes is not a size`);
    check(
      typeof inst.sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(inst.sha256),
      `${at}.sha256 is not a SHA-256`,
    );
    check(!seen.has(inst.sopInstanceUID), `${at} repeats a SOP Instance UID`);
    seen.add(inst.sopInstanceUID);
  });
  return m;
}

/**
 * The absolute path of a manifest file, or undefined when the entry points outside the job folder
 * (absolute, `..`, or through a symlink – the last is checked at send time with realpath).
 */
export function resolveInJob(jobDir: string, file: string): string | undefined {
  if (path.isAbsolute(file) || path.win32.isAbsolute(file)) return undefined;
  const root = path.resolve(jobDir);
  const abs = path.resolve(root, file);
  const rel = path.relative(root, abs);
  if (!rel || leavesRoot(rel)) return undefined;
  return abs;
}

export function isInside(root: string, abs: string): boolean {
  const rel = path.relative(root, abs);
  return Boolean(rel) && !leavesRoot(rel);
}
