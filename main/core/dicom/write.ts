import { ITEM, ITEM_DELIM, SEQ_DELIM, UNDEFINED, type DicomElement, type DicomItem } from './parse';
import type { Encoding } from './transfer-syntax';

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const IMPLICIT_LE: Encoding = { littleEndian: true, explicitVR: false };

/** Collects byte chunks; encoding writes small headers and reuses value views, never copying values. */
class Chunks {
  readonly parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
  concat(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

function tagHeader(tag: number, len: number, le: boolean): Buffer {
  const b = Buffer.alloc(8);
  const v = new DataView(b.buffer, b.byteOffset, 8);
  v.setUint16(0, tag >>> 16, le);
  v.setUint16(2, tag & 0xffff, le);
  v.setUint32(4, len, le);
  return b;
}

/** Encodes one element header for a value of `len` bytes (UNDEFINED for sequences). */
export function encodeHeader(tag: number, vr: string, len: number, enc: Encoding): Buffer {
  const le = enc.littleEndian;
  if (!enc.explicitVR) return tagHeader(tag, len, le);
  // A value too long for a short-length VR can only be written as UN (PS3.5 6.2.2 note).
  const outVr = !LONG_VRS.has(vr) && len !== UNDEFINED && len > 0xffff ? 'UN' : vr;
  const long = LONG_VRS.has(outVr);
  const b = Buffer.alloc(long ? 12 : 8);
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  v.setUint16(0, tag >>> 16, le);
  v.setUint16(2, tag & 0xffff, le);
  b.write(outVr, 4, 'latin1');
  if (long) v.setUint32(8, len, le);
  else v.setUint16(6, len, le);
  return b;
}

function encodeItems(items: DicomItem[], enc: Encoding, out: Chunks): void {
  for (const item of items) {
    out.push(tagHeader(ITEM, UNDEFINED, enc.littleEndian));
    encodeInto(item.elements, enc, out);
    out.push(tagHeader(ITEM_DELIM, 0, enc.littleEndian));
  }
}

function encodeInto(elements: readonly DicomElement[], enc: Encoding, out: Chunks): void {
  // Data elements must ascend by tag; edits may have appended new ones.
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  for (const el of sorted) {
    if (el.items && el.vr === 'SQ') {
      // Sequences and items are written with undefined length: valid in every transfer syntax, and
      // no length bookkeeping after edits.
      out.push(encodeHeader(el.tag, 'SQ', UNDEFINED, enc));
      encodeItems(el.items, enc, out);
      out.push(tagHeader(SEQ_DELIM, 0, enc.littleEndian));
    } else if (el.items) {
      // Private/UN data holding a sequence: re-encode its items in their own encoding (implicit VR LE for UN).
      const inner = new Chunks();
      encodeItems(el.items, el.itemEncoding ?? enc, inner);
      const body = inner.concat();
      out.push(encodeHeader(el.tag, el.vr, body.length, enc));
      out.push(body);
    } else {
      const v = el.value ?? new Uint8Array(0);
      if (el.length === UNDEFINED && v.length > 0) {
        // Encapsulated data kept as raw fragments (its own items and delimiter are inside `v`).
        out.push(encodeHeader(el.tag, el.vr, UNDEFINED, enc));
        out.push(v);
        continue;
      }
      out.push(encodeHeader(el.tag, el.vr, v.length + (v.length & 1), enc));
      out.push(v);
      if (v.length & 1) out.push(Uint8Array.of(el.vr === 'UI' || /^O[BDFLVW]$|^UN$/.test(el.vr) ? 0 : 0x20));
    }
  }
}

/** Encodes data elements (a data set or an item's contents). */
export function encodeElements(elements: readonly DicomElement[], enc: Encoding): Buffer {
  const out = new Chunks();
  encodeInto(elements, enc, out);
  return out.concat();
}

/** Encodes a Part-10 preamble (zeroed), `DICM` and File Meta with a correct group length. */
export function encodeFileMeta(meta: readonly DicomElement[]): Buffer {
  const body = encodeElements(
    meta.filter((e) => e.tag !== 0x00020000),
    { littleEndian: true, explicitVR: true },
  );
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length, 0);
  const gl = encodeElements(
    [{ tag: 0x00020000, vr: 'UL', offset: 0, valueOffset: 0, length: 4, value: groupLength }],
    {
      littleEndian: true,
      explicitVR: true,
    },
  );
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, gl, body]);
}

export { IMPLICIT_LE };
