import { ClearDiscError } from '../errors';
import { ITEM, SEQ_DELIM, UNDEFINED, type DicomElement } from './parse';
import type { RandomAccessSource } from './read-header';

/**
 * The byte range of Pixel Data's value in the source: [start, end). For encapsulated (undefined-length)
 * pixel data, walks the fragment headers — 8 bytes each — to the sequence delimiter, never the fragments.
 */
export async function pixelValueSpan(
  src: RandomAccessSource,
  pixel: DicomElement,
  littleEndian: boolean,
): Promise<{ start: number; end: number }> {
  const start = pixel.valueOffset;
  if (pixel.length !== UNDEFINED) {
    const end = start + pixel.length;
    if (end > src.size) throw new ClearDiscError('truncated', 'pixel data runs past end of file');
    return { start, end };
  }
  let pos = start;
  for (;;) {
    if (pos + 8 > src.size) throw new ClearDiscError('truncated', 'encapsulated pixel data has no end');
    const h = Buffer.from(await src.read(pos, 8));
    // Encapsulated pixel data only exists in little endian transfer syntaxes.
    const tag = ((h.readUInt16LE(0) << 16) | h.readUInt16LE(2)) >>> 0;
    const len = littleEndian ? h.readUInt32LE(4) : h.readUInt32BE(4);
    if (tag === SEQ_DELIM) return { start, end: pos + 8 };
    if (tag !== ITEM || len === UNDEFINED)
      throw new ClearDiscError('corrupt', `bad pixel fragment at ${pos}`);
    pos += 8 + len;
  }
}
