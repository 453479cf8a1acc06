/** Raw string values from pydicom's character-set sample files, read with dicom-parser (an independent parser). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDicom, type DataSet } from 'dicom-parser';

export const CHARSET_DIR = '/work/shared/testdata/pydicom/src/pydicom/data/charset_files';

export interface RawElement {
  vr: string;
  bytes: Uint8Array;
}

export interface CharsetFixture {
  /** (0008,0005) split into values, untrimmed, exactly as stored ([] when absent). */
  charsets: string[];
  element(tag: string): RawElement;
  /** An element inside item `index` of sequence `seqTag`, plus that item's own (0008,0005) if it has one. */
  itemElement(seqTag: string, index: number, tag: string): RawElement & { charsets?: string[] };
}

function raw(ds: DataSet, tag: string): RawElement {
  const el = ds.elements[tag];
  if (!el) throw new Error(`missing ${tag}`);
  const bytes = new Uint8Array(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, el.length);
  return { vr: el.vr ?? 'UN', bytes: Uint8Array.from(bytes) };
}

function charsetsOf(ds: DataSet): string[] | undefined {
  if (!ds.elements.x00080005) return undefined;
  return Buffer.from(raw(ds, 'x00080005').bytes).toString('latin1').split('\\');
}

export function loadCharsetFile(name: string): CharsetFixture {
  const ds = parseDicom(new Uint8Array(readFileSync(join(CHARSET_DIR, name))), { untilTag: 'x7fe00010' });
  return {
    charsets: charsetsOf(ds) ?? [],
    element: (tag) => raw(ds, tag),
    itemElement: (seqTag, index, tag) => {
      const item = ds.elements[seqTag]?.items?.[index]?.dataSet;
      if (!item) throw new Error(`missing item ${index} of ${seqTag}`);
      return { ...raw(item, tag), charsets: charsetsOf(item) };
    },
  };
}
