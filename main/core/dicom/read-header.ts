import { inflateRawSync } from 'node:zlib';
import { ClearDiscError, NeedMoreData } from '../errors';
import { DataSetParser, looksExplicit, UNDEFINED, type DicomElement } from './parse';
import { transferSyntax, type Encoding, type TransferSyntaxInfo } from './transfer-syntax';
import { findElement, asciiValue } from './values';

/** Positional reads from one file; the scanner passes a read-only handle, tests pass buffers. */
export interface RandomAccessSource {
  readonly size: number;
  read(position: number, length: number): Promise<Uint8Array>;
}

export function bufferSource(buf: Uint8Array): RandomAccessSource {
  return { size: buf.length, read: async (p, n) => buf.subarray(p, Math.min(buf.length, p + n)) };
}

export type DicomFormat = 'part10' | 'no-meta';

export interface DicomHeader {
  format: DicomFormat;
  /** File Meta elements (empty for files with no File Meta). */
  meta: DicomElement[];
  transferSyntax: TransferSyntaxInfo;
  /** The encoding the data set really uses (may differ from the transfer syntax on broken files). */
  encoding: Encoding;
  /** Offset of the data set's first element (after File Meta), in the parsed bytes. */
  dataSetStart: number;
  /** Top-level data set elements up to, and including the header of, Pixel Data. */
  elements: DicomElement[];
  /** Pixel Data's header when present (value not read). */
  pixelData?: DicomElement;
  /** Offset where the header ends: Pixel Data's first byte, or the end of the data set. */
  headerEnd: number;
  size: number;
  /** Bytes actually read from the source. */
  bytesRead: number;
  /** For deflated files: the inflated data set, which offsets of `elements` refer to (from 0). */
  inflated?: Uint8Array;
}

// Small first read: a typical CT header fits in 4 KiB, and the scan must read under 2% of a disc.
const FIRST_READ = 4 * 1024;
const META_GROUP = 0x0002;

/** Detects whether the first bytes look like DICOM, without reading more than a few hundred bytes. */
export function sniff(head: Uint8Array, size: number): { format: DicomFormat; start: number } | undefined {
  if (size >= 132 && head.length >= 132 && ascii(head, 128, 4) === 'DICM')
    return { format: 'part10', start: 132 };
  if (head.length >= 4 && ascii(head, 0, 4) === 'DICM') return { format: 'part10', start: 4 };
  if (head.length < 8) return undefined;
  const group = head[0] | (head[1] << 8);
  const elem = head[2] | (head[3] << 8);
  if (group === META_GROUP && looksExplicit(head, 0)) return { format: 'part10', start: 0 };
  // A raw data set (no preamble, no File Meta) starts with a low even group, usually 0008.
  if (group !== 0x0008 && group !== 0x0010 && group !== 0x0018 && group !== 0x0020) return undefined;
  if (looksExplicit(head, 0)) return { format: 'no-meta', start: 0 };
  const len = (head[4] | (head[5] << 8) | (head[6] << 16) | (head[7] << 24)) >>> 0;
  // Implicit: the first element must be short and sensible (group length or a small string).
  if (elem <= 0x0100 && len > 0 && len <= 1024 && len <= size - 8) return { format: 'no-meta', start: 0 };
  return undefined;
}

function ascii(b: Uint8Array, off: number, n: number): string {
  return String.fromCharCode(...b.subarray(off, off + n));
}

/**
 * Reads a DICOM file's header, stopping before Pixel Data's value. Reads in growing chunks so a typical
 * image costs one 16 KiB read however large its pixels are.
 */
export async function readHeader(
  src: RandomAccessSource,
  opts: { firstRead?: number } = {},
): Promise<DicomHeader> {
  const size = src.size;
  if (size === 0) throw new ClearDiscError('empty');
  let bytesRead = 0;
  let buf = await src.read(0, Math.min(size, opts.firstRead ?? FIRST_READ));
  bytesRead += buf.length;
  const found = sniff(buf, size);
  if (!found) throw new ClearDiscError('not-dicom');

  const grow = async (needed: number) => {
    const want = Math.min(size, Math.max(needed + FIRST_READ, buf.length * 2));
    const more = await src.read(buf.length, want - buf.length);
    bytesRead += more.length;
    const next = new Uint8Array(buf.length + more.length);
    next.set(buf, 0);
    next.set(more, buf.length);
    buf = next;
  };

  // File Meta is always explicit VR little endian; it ends where group 0002 ends.
  let meta: DicomElement[] = [];
  let dataSetStart = found.start;
  if (found.format === 'part10') {
    for (;;) {
      try {
        const r = new DataSetParser(buf, {
          sourceSize: size,
          stopBefore: (t) => t >>> 16 !== META_GROUP,
        }).parse(found.start, { littleEndian: true, explicitVR: true });
        meta = r.elements;
        dataSetStart = r.end;
        break;
      } catch (err) {
        if (err instanceof NeedMoreData) await grow(err.needed);
        else throw err;
      }
    }
  }
  const tsEl = findElement(meta, 0x00020010);
  let ts = transferSyntax(tsEl ? asciiValue(tsEl) : undefined);
  if (found.format === 'no-meta') {
    const explicit = looksExplicit(buf, 0);
    ts = transferSyntax(explicit ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2');
  }

  if (ts.deflated) {
    // Deflate is rare and small: inflate the whole data set and parse it in memory.
    const rest = await src.read(buf.length, size - buf.length);
    bytesRead += rest.length;
    const whole = new Uint8Array(size);
    whole.set(buf, 0);
    whole.set(rest, buf.length);
    let inflated: Uint8Array;
    try {
      inflated = inflateRawSync(whole.subarray(dataSetStart));
    } catch {
      throw new ClearDiscError('corrupt', 'deflated data set does not inflate');
    }
    const r = new DataSetParser(inflated, { stopAtPixelData: true }).parse(0, ts);
    return {
      format: found.format,
      meta,
      transferSyntax: ts,
      encoding: r.encoding,
      dataSetStart: 0,
      elements: r.elements,
      pixelData: r.pixelData,
      headerEnd: r.end,
      size,
      bytesRead,
      inflated,
    };
  }

  for (;;) {
    try {
      const r = new DataSetParser(buf, { sourceSize: size, stopAtPixelData: true }).parse(dataSetStart, ts);
      const px = r.pixelData;
      // A file cut inside its pixels is found without reading them: the declared length runs past the end.
      if (px && px.length !== UNDEFINED && px.valueOffset + px.length > size) {
        throw new ClearDiscError('truncated', 'pixel data runs past end of file');
      }
      return {
        format: found.format,
        meta,
        transferSyntax: ts,
        encoding: r.encoding,
        dataSetStart,
        elements: r.elements,
        pixelData: r.pixelData,
        headerEnd: r.end,
        size,
        bytesRead,
      };
    } catch (err) {
      if (err instanceof NeedMoreData) await grow(err.needed);
      else throw err;
    }
  }
}
