// What will leave the computer, as a person can read it: every attribute of a prepared file, File Meta and
// data set, at every depth, with its value as text. Shown before anything is sent, so the person sees the
// exact content rather than a promise about it.
import type { PreviewAttribute } from '../../../shared/send-types';
import { formatTag, isPrivateGroup, lookup } from '../dicom/dictionary';
import type { DicomElement } from '../dicom/parse';
import { readHeader } from '../dicom/read-header';
import { asciiValue, charsetsOf, STRING_VRS, textValue } from '../dicom/values';
import type { SourceFs } from '../scan/source-fs';

const NUMBERS: Record<string, [number, (v: DataView, at: number, le: boolean) => number | string]> = {
  US: [2, (v, i, le) => v.getUint16(i, le)],
  SS: [2, (v, i, le) => v.getInt16(i, le)],
  UL: [4, (v, i, le) => v.getUint32(i, le)],
  SL: [4, (v, i, le) => v.getInt32(i, le)],
  FL: [4, (v, i, le) => v.getFloat32(i, le)],
  FD: [8, (v, i, le) => v.getFloat64(i, le)],
  AT: [4, (v, i, le) => formatTag(((v.getUint16(i, le) << 16) | v.getUint16(i + 2, le)) >>> 0)],
};
const MAX_VALUE_CHARS = 200;
const MAX_NUMBERS = 16;

/** "PatientName" → "Patient Name". */
function words(keyword: string): string {
  return keyword.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z])([A-Z][a-z])/g, '$1 $2');
}

function nameOf(tag: number): string {
  const entry = lookup(tag);
  if (entry?.keyword) return words(entry.keyword);
  return isPrivateGroup(tag >>> 16) ? 'Private' : 'Unknown';
}

function short(s: string): string {
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS)}…` : s;
}

function valueOf(el: DicomElement, charsets: string[], littleEndian: boolean): string {
  const v = el.value;
  if (!v) return '';
  if (STRING_VRS.has(el.vr))
    return short((el.vr === 'UI' ? asciiValue(el) : textValue(el, charsets)).replace(/\\/g, ' \\ '));
  const num = NUMBERS[el.vr];
  if (num) {
    const [size, read] = num;
    const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
    const out: string[] = [];
    for (let i = 0; i + size <= v.length && out.length < MAX_NUMBERS; i += size)
      out.push(String(read(view, i, littleEndian)));
    const more = v.length / size - out.length;
    return out.join(' \\ ') + (more >= 1 ? ` … (${Math.floor(more)} more)` : '');
  }
  return `(${v.length.toLocaleString('en')} bytes of binary data)`;
}

function describe(
  elements: readonly DicomElement[],
  depth: number,
  inherited: string[],
  littleEndian: boolean,
  rows: PreviewAttribute[],
  limit: number,
): void {
  const charsets = charsetsOf(elements, inherited);
  for (const el of elements) {
    if (rows.length >= limit) return;
    const row = { tag: formatTag(el.tag), name: nameOf(el.tag), depth };
    if (el.items) {
      rows.push({ ...row, value: `${el.items.length} item${el.items.length === 1 ? '' : 's'}` });
      for (const item of el.items) describe(item.elements, depth + 1, charsets, littleEndian, rows, limit);
    } else rows.push({ ...row, value: valueOf(el, charsets, littleEndian) });
  }
}

/** Every attribute of the file at `file` (at most `limit` rows), Pixel Data described by its size. */
export async function previewFile(fs: SourceFs, file: string, limit = 1000): Promise<PreviewAttribute[]> {
  const src = await fs.open(file);
  try {
    const h = await readHeader(src);
    const rows: PreviewAttribute[] = [];
    describe(h.meta, 0, [], true, rows, limit);
    describe(
      h.pixelData ? h.elements.filter((e) => e !== h.pixelData) : h.elements,
      0,
      [],
      h.encoding.littleEndian,
      rows,
      limit,
    );
    if (h.pixelData && rows.length < limit) {
      const size = h.size - h.headerEnd;
      rows.push({
        tag: formatTag(h.pixelData.tag),
        name: 'Pixel Data',
        value: `(the image itself, ${size.toLocaleString('en')} bytes)`,
        depth: 0,
      });
    }
    return rows;
  } finally {
    await src.close();
  }
}
