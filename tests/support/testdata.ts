import * as fs from 'node:fs';
import * as path from 'node:path';

/** The shared corpus of real public DICOM files beside the repository (read-only). */
export const TESTDATA = path.resolve(__dirname, '..', '..', '..', 'shared', 'testdata');
export const CHARSET_FILES = path.join(TESTDATA, 'pydicom/src/pydicom/data/charset_files');
export const TEST_FILES = path.join(TESTDATA, 'pydicom/src/pydicom/data/test_files');

/** Fails loudly instead of skipping when the corpus is missing: a suite must never skip silently. */
export function requireTestdata(): void {
  if (!fs.existsSync(TESTDATA))
    throw new Error(`The shared test corpus is missing: expected it at ${TESTDATA}`);
}

export function allTestdataFiles(): string[] {
  requireTestdata();
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile()) out.push(p);
    }
  };
  visit(TESTDATA);
  return out.sort();
}
