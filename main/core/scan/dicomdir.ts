import * as path from 'node:path';
import type { DicomHeader } from '../dicom/read-header';
import { asciiValue, findElement, T } from '../dicom/values';
import type { SourceFs } from './source-fs';

export const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';

export function isDicomdir(h: DicomHeader): boolean {
  return (
    asciiValue(findElement(h.meta, T.MediaStorageSOPClassUID)) === MEDIA_STORAGE_DIRECTORY ||
    findElement(h.elements, T.DirectoryRecordSequence) !== undefined
  );
}

/**
 * Referenced File IDs of every directory record, as path components. A component that is empty,
 * `.`/`..`, or contains a separator is unsafe: those IDs are returned separately and never followed.
 */
export function referencedFiles(h: DicomHeader): { ids: string[][]; unsafe: string[] } {
  const seq = findElement(h.elements, T.DirectoryRecordSequence);
  const ids: string[][] = [];
  const unsafe: string[] = [];
  for (const item of seq?.items ?? []) {
    const ref = findElement(item.elements, T.ReferencedFileID);
    if (!ref) continue;
    const parts = asciiValue(ref)
      .split('\\')
      .map((p) => p.trim().replace(/;\d+$/, ''));
    const bad = parts.some((p) => p === '' || p === '.' || p === '..' || /[/\\:\0]/.test(p));
    if (bad) unsafe.push(parts.join('/'));
    else ids.push(parts);
  }
  return { ids, unsafe };
}

/**
 * Resolves File IDs under the DICOMDIR's folder. Discs are written in upper case and often read back in
 * lower case, so each component is matched case-insensitively against the real listing.
 */
export async function resolveFileIds(
  dirOfDicomdir: string,
  ids: string[][],
  fsx: SourceFs,
): Promise<{ found: string[]; missing: string[] }> {
  const listings = new Map<string, Map<string, string> | null>();
  const list = async (dir: string) => {
    if (!listings.has(dir)) {
      try {
        const names = (await fsx.readdir(dir)).map((e) => e.name);
        // ISO 9660 names may be shown as the disc holds them: `IM1;1`, `IM1.;1` (version, empty extension).
        const bare = (n: string) => n.replace(/;\d+$/, '').replace(/\.$/, '').toUpperCase();
        const byName = new Map<string, string>(names.map((n) => [bare(n), n]));
        for (const n of names) byName.set(n.toUpperCase(), n); // an exact name wins
        listings.set(dir, byName);
      } catch {
        listings.set(dir, null);
      }
    }
    return listings.get(dir);
  };
  const found: string[] = [];
  const missing: string[] = [];
  for (const parts of ids) {
    let cur = dirOfDicomdir;
    let ok = true;
    for (const p of parts) {
      const real = (await list(cur))?.get(p.toUpperCase());
      if (!real) {
        ok = false;
        break;
      }
      cur = path.join(cur, real);
    }
    if (ok) found.push(cur);
    else missing.push(path.join(dirOfDicomdir, ...parts));
  }
  return { found, missing };
}
