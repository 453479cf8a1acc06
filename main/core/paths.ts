// Containment checks for folders the user names (source, output, job). A name that merely starts with two dots
// ('..cleaned') is inside its parent: only a whole '..' segment leaves it.
import * as path from 'node:path';

/** Whether a path relative to some root (path.relative's result) points outside that root. */
export function leavesRoot(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${path.sep}`) || rel.startsWith('../') || path.isAbsolute(rel);
}

/** `p` is `root` itself or somewhere below it. */
export function isWithin(root: string, p: string): boolean {
  return !leavesRoot(path.relative(root, p));
}
