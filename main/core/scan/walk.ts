import * as path from 'node:path';
import type { ReasonCode } from '../../../shared/reasons';
import type { SourceFs } from './source-fs';
import { isWithin } from '../paths';

export interface FoundFile {
  /** Path relative to the root, with forward slashes. */
  rel: string;
  abs: string;
  size: number;
}

export type WalkEvent = { kind: 'file'; file: FoundFile } | { kind: 'skip'; rel: string; reason: ReasonCode };

const toRel = (root: string, abs: string) => path.relative(root, abs).split(path.sep).join('/');

/**
 * Walks every regular file under `root` in a stable (sorted) order. Symlinks are followed only when
 * they stay inside the root; each directory is read once (by real path), so link loops end.
 */
export async function* walkSource(root: string, fsx: SourceFs): AsyncGenerator<WalkEvent> {
  const realRoot = await fsx.realpath(root);
  const seenDirs = new Set<string>([realRoot]);
  const seenFiles = new Set<string>();
  const stack: string[] = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = await fsx.readdir(dir);
    } catch {
      yield { kind: 'skip', rel: toRel(root, dir) || '.', reason: 'unreadable' };
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      const rel = toRel(root, abs);
      let real = abs;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      try {
        if (e.isSymbolicLink()) {
          real = await fsx.realpath(abs);
          if (!isWithin(realRoot, real)) {
            yield { kind: 'skip', rel, reason: 'outside-root' };
            continue;
          }
          const st = await fsx.stat(real);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } else if (isDir) {
          real = await fsx.realpath(abs);
        }
      } catch {
        // A dangling link or a vanished entry: report it, keep going.
        yield { kind: 'skip', rel, reason: e.isSymbolicLink() ? 'outside-root' : 'unreadable' };
        continue;
      }
      if (isDir) {
        if (seenDirs.has(real)) {
          yield { kind: 'skip', rel, reason: 'link-loop' };
          continue;
        }
        seenDirs.add(real);
        subdirs.push(abs);
      } else if (isFile) {
        let size: number;
        let key: string;
        try {
          const st = await fsx.stat(abs);
          size = st.size;
          // Device and inode identify a file however it was reached (link, hard link, odd mount path).
          // Some file systems (FAT, some CD drivers) report inode 0 for every file: fall back to the path.
          key = st.ino ? `${st.dev}:${st.ino}` : real;
        } catch {
          yield { kind: 'skip', rel, reason: 'unreadable' };
          continue;
        }
        if (seenFiles.has(key)) {
          yield { kind: 'skip', rel, reason: 'duplicate-link' };
          continue;
        }
        seenFiles.add(key);
        yield { kind: 'file', file: { rel, abs, size } };
      }
      // Sockets, FIFOs and devices are not files a disc can hold; they are not counted.
    }
    // Depth-first in name order: push in reverse so the first name is read first.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
}
