import { ClearDiscError, NeedMoreData } from '../errors';
import { lookup } from './dictionary';
import type { Encoding } from './transfer-syntax';

/** Declared length meaning "until a delimiter". */
export const UNDEFINED = 0xffffffff;

export const ITEM = 0xfffee000;
export const ITEM_DELIM = 0xfffee00d;
export const SEQ_DELIM = 0xfffee0dd;
export const PIXEL_DATA = 0x7fe00010;
const FLOAT_PIXEL_DATA = 0x7fe00008;
const DOUBLE_PIXEL_DATA = 0x7fe00009;

/** VRs whose explicit-VR header has 2 reserved bytes and a 32-bit length. */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const KNOWN_VRS = new Set([
  'AE',
  'AS',
  'AT',
  'CS',
  'DA',
  'DS',
  'DT',
  'FL',
  'FD',
  'IS',
  'LO',
  'LT',
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'PN',
  'SH',
  'SL',
  'SQ',
  'SS',
  'ST',
  'SV',
  'TM',
  'UC',
  'UI',
  'UL',
  'UN',
  'UR',
  'US',
  'UT',
  'UV',
]);

/** Deeper nesting than this is treated as a corrupt or hostile file, not followed. */
export const MAX_DEPTH = 48;

export interface DicomElement {
  tag: number;
  vr: string;
  /** Offset of the element's first byte (its tag) in the buffer it was parsed from. */
  offset: number;
  /** Offset of the value's first byte. */
  valueOffset: number;
  /** Declared length; UNDEFINED for undefined-length sequences and encapsulated Pixel Data. */
  length: number;
  /** Raw value bytes (a view, never a copy). Absent for sequences and for Pixel Data when parsing stopped there. */
  value?: Uint8Array;
  /** Items of a sequence (SQ, or UN/private data that turned out to hold a sequence). */
  items?: DicomItem[];
  /** Encoding the items were parsed with (UN content is always implicit VR little endian). */
  itemEncoding?: Encoding;
}

export interface DicomItem {
  offset: number;
  elements: DicomElement[];
}

export interface ParseOptions {
  /** Stop at a top-level Pixel Data element without reading its value. */
  stopAtPixelData?: boolean;
  /** Stop before the first top-level element for which this returns true (e.g. the end of File Meta). */
  stopBefore?: (tag: number) => boolean;
  /** Offset in the buffer's source at which buf[0] sits (for absolute offsets when parsing a slice). */
  base?: number;
  /** Total size of the source; when the buffer is shorter, running past it raises NeedMoreData. */
  sourceSize?: number;
  /**
   * Stop at the first top-level element that cannot be read, keeping those before it, instead of failing
   * (bytes after a complete Pixel Data: burner padding, junk). Where it stopped is returned as `damagedAt`.
   */
  stopAtDamage?: boolean;
}

export interface ParseResult {
  elements: DicomElement[];
  /** The top-level Pixel Data element when parsing stopped at it (its value is not read). */
  pixelData?: DicomElement;
  /** Offset just past the last byte parsed. */
  end: number;
  /** The encoding actually found (a file that claims explicit VR but is implicit is common on old discs). */
  encoding: Encoding;
  /** With `stopAtDamage`: the offset of the first top-level element that could not be read. */
  damagedAt?: number;
}

function isUpperAlpha(b: number): boolean {
  return b >= 0x41 && b <= 0x5a;
}

/** Does the element header at `pos` look like explicit VR? Used to detect mislabelled data sets. */
export function looksExplicit(buf: Uint8Array, pos: number): boolean {
  if (pos + 6 > buf.length) return false;
  const vr = String.fromCharCode(buf[pos + 4], buf[pos + 5]);
  return isUpperAlpha(buf[pos + 4]) && isUpperAlpha(buf[pos + 5]) && KNOWN_VRS.has(vr);
}

/**
 * Parses DICOM data elements from `buf`. Values are views into `buf`; nothing is allocated from a
 * declared length, so absurd lengths cost nothing: they either fit the buffer or raise NeedMoreData
 * (when the source is bigger than the buffer) or a truncated error.
 */
export class DataSetParser {
  private readonly view: DataView;
  private readonly base: number;
  private readonly size: number;

  constructor(
    private readonly buf: Uint8Array,
    private readonly opts: ParseOptions = {},
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.base = opts.base ?? 0;
    this.size = opts.sourceSize ?? this.base + buf.length;
  }

  /** Parses from `start` (absolute offset) to the end of the buffer, or to Pixel Data when asked. */
  parse(start: number, encoding: Encoding): ParseResult {
    let enc = encoding;
    // A data set labelled explicit but written implicit (or the reverse) is decided by its first element.
    if (start - this.base + 6 <= this.buf.length) {
      const explicit = looksExplicit(this.buf, start - this.base);
      if (explicit !== enc.explicitVR && enc.littleEndian) enc = { ...enc, explicitVR: explicit };
    }
    const elements: DicomElement[] = [];
    const r = this.parseElements(start, this.size, enc, 0, elements, false, true);
    return { elements, pixelData: r.pixelData, end: r.end, encoding: enc, damagedAt: r.damagedAt };
  }

  private need(end: number): void {
    if (end > this.base + this.buf.length) {
      if (end > this.size) throw new ClearDiscError('truncated', `value runs past end of file at ${end}`);
      throw new NeedMoreData(end);
    }
  }

  private u16(pos: number, le: boolean): number {
    this.need(pos + 2);
    return this.view.getUint16(pos - this.base, le);
  }

  private u32(pos: number, le: boolean): number {
    this.need(pos + 4);
    return this.view.getUint32(pos - this.base, le);
  }

  private tagAt(pos: number, le: boolean): number {
    return ((this.u16(pos, le) << 16) | this.u16(pos + 2, le)) >>> 0;
  }

  /**
   * Reads elements until `limit` (a defined length's end), or an item delimiter when `untilDelimiter`.
   * Returns the offset after the last consumed byte.
   */
  private parseElements(
    pos: number,
    limit: number,
    enc: Encoding,
    depth: number,
    out: DicomElement[],
    untilDelimiter: boolean,
    topLevel: boolean,
  ): { end: number; pixelData?: DicomElement; damagedAt?: number } {
    if (depth > MAX_DEPTH) throw new ClearDiscError('corrupt', `sequences nested deeper than ${MAX_DEPTH}`);
    const le = enc.littleEndian;
    const damage = topLevel && this.opts.stopAtDamage;
    while (pos < limit) {
      // A few stray bytes after the last element (odd-length padding) are not an element.
      if (topLevel && this.size - pos < 8) break;
      const elementAt = pos;
      try {
        const tag = this.tagAt(pos, le);
        if (topLevel && this.opts.stopBefore?.(tag)) return { end: pos };
        if (tag === ITEM_DELIM) {
          if (untilDelimiter) return { end: pos + 8 };
          throw new ClearDiscError('corrupt', `unexpected item delimiter at ${pos}`);
        }
        if (tag === SEQ_DELIM || tag === ITEM) {
          // Stray delimiters at the end of a data set are tolerated (some writers pad with them).
          if (topLevel && tag === SEQ_DELIM) {
            pos += 8;
            continue;
          }
          throw new ClearDiscError('corrupt', `unexpected delimiter ${tag.toString(16)} at ${pos}`);
        }
        const el = this.readHeader(pos, enc);
        const isPixel = tag === PIXEL_DATA || tag === FLOAT_PIXEL_DATA || tag === DOUBLE_PIXEL_DATA;
        if (topLevel && isPixel && this.opts.stopAtPixelData) {
          out.push(el);
          return { end: el.valueOffset, pixelData: el };
        }
        pos = this.readValue(el, enc, depth);
        if (pos > limit)
          throw new ClearDiscError('corrupt', `element ${tag.toString(16)} overruns its container`);
        out.push(el);
      } catch (err) {
        // Only what could be read is kept (elements are pushed whole, after their value was read).
        if (!damage || err instanceof NeedMoreData) throw err;
        return { end: elementAt, damagedAt: elementAt };
      }
    }
    if (untilDelimiter && pos >= this.size) throw new ClearDiscError('truncated', 'item has no delimiter');
    return { end: pos };
  }

  private readHeader(pos: number, enc: Encoding): DicomElement {
    const le = enc.littleEndian;
    const tag = this.tagAt(pos, le);
    let vr: string;
    let length: number;
    let valueOffset: number;
    // Per element: some writers mix implicit elements into explicit data sets, so check the VR bytes.
    if (enc.explicitVR && looksExplicitAt(this, pos)) {
      this.need(pos + 8);
      vr = String.fromCharCode(this.buf[pos - this.base + 4], this.buf[pos - this.base + 5]);
      if (LONG_VRS.has(vr)) {
        length = this.u32(pos + 8, le);
        valueOffset = pos + 12;
      } else {
        length = this.u16(pos + 6, le);
        valueOffset = pos + 8;
      }
    } else {
      length = this.u32(pos + 4, le);
      valueOffset = pos + 8;
      vr = implicitVR(tag);
    }
    return { tag, vr, offset: pos, valueOffset, length };
  }

  /** Reads the value (or items) of `el`; returns the offset after it. */
  private readValue(el: DicomElement, enc: Encoding, depth: number): number {
    const start = el.valueOffset;
    if (el.length === UNDEFINED) {
      if (el.tag === PIXEL_DATA || el.vr === 'OB' || el.vr === 'OW') {
        // Encapsulated pixel data: walk the fragment headers only, keep the span as one raw value.
        const end = this.parseItems(start, UNDEFINED, enc, depth, [], true);
        el.value = this.buf.subarray(start - this.base, end - this.base);
        return end;
      }
      // UN with undefined length holds implicit VR little endian items (PS3.5 6.2.2); in an implicit
      // data set, undefined length can only mean a sequence, whatever the dictionary says.
      if (el.vr === 'SQ' || el.vr === 'UN' || !enc.explicitVR) {
        const itemEnc = el.vr === 'UN' ? { littleEndian: true, explicitVR: false } : enc;
        if (el.vr !== 'SQ') el.itemEncoding = itemEnc;
        const items: DicomItem[] = [];
        const end = this.parseItems(start, UNDEFINED, itemEnc, depth, items, false);
        el.items = items;
        return end;
      }
      throw new ClearDiscError('corrupt', `undefined length on ${el.vr} element ${el.tag.toString(16)}`);
    }
    const end = start + el.length;
    this.need(end);
    if (el.vr === 'SQ') {
      const items: DicomItem[] = [];
      const after = this.parseItems(start, end, enc, depth, items, false);
      el.items = items;
      return after;
    }
    el.value = this.buf.subarray(start - this.base, end - this.base);
    // Private or unknown data that holds a sequence is parsed too, so nothing inside it can hide.
    if ((el.vr === 'UN' || isPrivateTag(el.tag)) && el.length >= 8 && this.tagAt(start, true) === ITEM) {
      const itemEnc = el.vr === 'UN' ? { littleEndian: true, explicitVR: false } : enc;
      // UN content is implicit VR by the standard, but some writers leave it explicit (the VR the sending side
      // had): read it that way rather than not at all; it is written back implicit, as the standard says.
      const tries = el.vr === 'UN' ? [itemEnc, { littleEndian: true, explicitVR: true }] : [itemEnc];
      for (const tryEnc of tries) {
        try {
          const items: DicomItem[] = [];
          this.parseItems(start, end, tryEnc, depth, items, false);
          el.items = items;
          el.itemEncoding = itemEnc;
          break;
        } catch (err) {
          if (err instanceof NeedMoreData) throw err;
          // Not a sequence in this encoding: the raw bytes stay (the transform removes a sequence it cannot read).
        }
      }
    }
    return end;
  }

  /** Parses items from `start` until `end` or a sequence delimiter (undefined length). */
  private parseItems(
    start: number,
    end: number,
    enc: Encoding,
    depth: number,
    items: DicomItem[],
    fragments: boolean,
  ): number {
    let pos = start;
    const undefinedLen = end === UNDEFINED;
    const le = fragments ? true : enc.littleEndian;
    for (;;) {
      if (!undefinedLen && pos >= end) return pos;
      const tag = this.tagAt(pos, le);
      const len = this.u32(pos + 4, le);
      if (tag === SEQ_DELIM) {
        if (undefinedLen) return pos + 8;
        throw new ClearDiscError('corrupt', `sequence delimiter inside defined-length sequence at ${pos}`);
      }
      if (tag !== ITEM) throw new ClearDiscError('corrupt', `expected an item at ${pos}`);
      const itemStart = pos + 8;
      if (fragments) {
        // Encapsulated pixel fragments: skip over the bytes, never read them.
        if (len === UNDEFINED) throw new ClearDiscError('corrupt', 'fragment with undefined length');
        pos = itemStart + len;
        if (pos > this.size) throw new ClearDiscError('truncated', 'pixel fragment runs past end of file');
        continue;
      }
      const elements: DicomElement[] = [];
      if (len === UNDEFINED) {
        pos = this.parseElements(
          itemStart,
          Number.MAX_SAFE_INTEGER,
          enc,
          depth + 1,
          elements,
          true,
          false,
        ).end;
      } else {
        const itemEnd = itemStart + len;
        if (itemEnd > this.size)
          throw new ClearDiscError('truncated', `item runs past end of file at ${pos}`);
        pos = this.parseElements(itemStart, itemEnd, enc, depth + 1, elements, false, false).end;
        // A sequence length that is too short (seen in edited DICOMDIRs) is trusted less than its items'.
        if (!undefinedLen && pos > end) end = pos;
      }
      items.push({ offset: itemStart - 8, elements });
    }
  }

  /** For looksExplicitAt: a bounded byte read. */
  byteAt(pos: number): number | undefined {
    const i = pos - this.base;
    return i >= 0 && i < this.buf.length ? this.buf[i] : undefined;
  }
}

function looksExplicitAt(p: DataSetParser, pos: number): boolean {
  const a = p.byteAt(pos + 4);
  const b = p.byteAt(pos + 5);
  if (a === undefined || b === undefined) return true; // let the length read raise NeedMoreData
  return isUpperAlpha(a) && isUpperAlpha(b) && KNOWN_VRS.has(String.fromCharCode(a, b));
}

export function isPrivateTag(tag: number): boolean {
  return ((tag >>> 16) & 1) === 1;
}

/** VR of a tag read in implicit VR: from the dictionary; private creators are LO; the rest UN. */
export function implicitVR(tag: number): string {
  const group = tag >>> 16;
  const elem = tag & 0xffff;
  if (elem === 0) return 'UL';
  if (group & 1) return elem >= 0x10 && elem <= 0xff ? 'LO' : 'UN';
  const entry = lookup(tag);
  if (!entry) return 'UN';
  if (tag === PIXEL_DATA) return 'OW';
  // Ambiguous VRs (US or SS, OB or OW): the first one is the usual reading; raw bytes are kept anyway.
  return entry.vr;
}

/** Convenience: parse a whole in-memory data set. */
export function parseDataSet(
  buf: Uint8Array,
  start: number,
  enc: Encoding,
  opts: ParseOptions = {},
): ParseResult {
  return new DataSetParser(buf, opts).parse(start, enc);
}
