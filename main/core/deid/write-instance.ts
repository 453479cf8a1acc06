import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable } from 'node:stream';
import { ClearDiscError } from '../errors';
import { DataSetParser, type DicomElement } from '../dicom/parse';
import { pixelValueSpan } from '../dicom/pixel-span';
import { readHeader, type DicomHeader, type RandomAccessSource } from '../dicom/read-header';
import { EXPLICIT_LE, IMPLICIT_LE, type Encoding } from '../dicom/transfer-syntax';
import { encodeElements, encodeFileMeta, encodeHeader } from '../dicom/write';
import { findElement } from '../dicom/values';

/** What the transform sees of one instance: everything but the pixel bytes. */
export interface HeaderParts {
  header: DicomHeader;
  meta: DicomElement[];
  /** Data set elements without Pixel Data (trailing elements after it included). */
  elements: DicomElement[];
  /** Encoding of the output (the source's, except deflated files which are written explicit VR LE). */
  encoding: Encoding;
  transferSyntaxUID: string;
}

export type HeaderTransform = (parts: HeaderParts) => { meta: DicomElement[]; elements: DicomElement[] };

export interface WrittenInstance {
  bytes: number;
  sha256: string;
  meta: DicomElement[];
  elements: DicomElement[];
  transferSyntaxUID: string;
}

/** What the common output failures mean, for the one line the person sees. */
const OUTPUT_TROUBLE: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is too big for this disk or account',
  EROFS: 'the disk is read-only',
  EACCES: 'no permission to write there',
  EPERM: 'no permission to write there',
  EIO: 'the disk reported an error',
};

/**
 * The output side failed (disk full, file too large, no permission, I/O error on the output disk): not the
 * source's fault, so it must stop the run instead of being reported as a damaged image.
 */
export class OutputWriteError extends ClearDiscError {
  constructor(cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'output error';
    super('write-failed', OUTPUT_TROUBLE[code] ? `${OUTPUT_TROUBLE[code]}: ${code}` : code);
    this.name = 'OutputWriteError';
  }
}

/** Marks a failure of an output operation as the output's. */
function onOutput<T>(p: Promise<T>): Promise<T> {
  return p.catch((err: unknown) => {
    throw err instanceof OutputWriteError ? err : new OutputWriteError(err);
  });
}

/** Trailing elements after Pixel Data larger than this are not plausible header data. */
const MAX_TRAILING = 64 * 1024 * 1024;

/**
 * Elements after Pixel Data as a data set orders them: ascending tags above it. Junk that happens to parse
 * (zero padding reads as (0000,0000) elements) breaks that order; it and everything after it are not copied.
 */
function ascendingAfter(pixelTag: number, elements: DicomElement[]): DicomElement[] {
  let last = pixelTag >>> 0;
  const end = elements.findIndex((e) => {
    const ok = e.tag >>> 0 > last;
    last = e.tag >>> 0;
    return !ok;
  });
  return end < 0 ? elements : elements.slice(0, end);
}

export function uiValue(uid: string): Uint8Array {
  const b = Buffer.from(uid.length % 2 ? uid + '\0' : uid, 'latin1');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function setUI(list: DicomElement[], tag: number, uid: string): DicomElement[] {
  const el: DicomElement = { tag, vr: 'UI', offset: 0, valueOffset: 0, length: 0, value: uiValue(uid) };
  return [...list.filter((e) => e.tag !== tag), el];
}

/** The transfer syntax the output is written in, and its encoding. */
function outputSyntax(h: DicomHeader): { uid: string; encoding: Encoding } {
  const ts = h.transferSyntax;
  if (ts.deflated) return { uid: EXPLICIT_LE, encoding: { littleEndian: true, explicitVR: true } };
  // Compressed syntaxes are explicit VR little endian by definition, even when a writer got that wrong.
  if (ts.encapsulated) return { uid: ts.uid, encoding: { littleEndian: true, explicitVR: true } };
  // Files with no File Meta, or labelled with the wrong VR encoding, get the syntax they really use.
  if (
    !ts.encapsulated &&
    ts.littleEndian &&
    (h.format === 'no-meta' || h.encoding.explicitVR !== ts.explicitVR)
  ) {
    return { uid: h.encoding.explicitVR ? EXPLICIT_LE : IMPLICIT_LE, encoding: h.encoding };
  }
  return { uid: ts.uid, encoding: h.encoding };
}

/** Hashes and counts bytes as they stream to the output. */
class HashCount extends Transform {
  readonly hash = createHash('sha256');
  count = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    this.push(chunk);
    cb();
  }
}

const CHUNK = 1024 * 1024;
const WRITEBACK_EVERY = 32 * 1024 * 1024;
const WHOLE_FILE_LIMIT = 2 * 1024 * 1024;

/**
 * Big files: asks the disk to start writing what is already written (fdatasync in the background, one at a
 * time) every 32 MB, so the caller's final fsync has only the tail left instead of the whole file. Without
 * it a 400 MB file is read and written to memory first and only then written to disk, one after the other.
 */
class EarlyWriteback extends Transform {
  private since = 0;
  private pending: Promise<void> | undefined;
  private failure: unknown;
  constructor(private readonly fh: fsp.FileHandle) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.since += chunk.length;
    if (this.since >= WRITEBACK_EVERY && !this.pending) {
      this.since = 0;
      this.pending = this.fh
        .datasync()
        .catch((err: unknown) => void (this.failure ??= err))
        .finally(() => (this.pending = undefined));
    }
    this.push(chunk);
    cb();
  }
  /** Waits for a writeback still running; rethrows a failed one (the file may not be on disk). */
  async settled(): Promise<void> {
    await this.pending;
    if (this.failure) throw this.failure;
  }
}

async function* bytesOf(src: RandomAccessSource, parts: Array<Uint8Array | { start: number; end: number }>) {
  for (const p of parts) {
    if (p instanceof Uint8Array) {
      yield p;
      continue;
    }
    // Pixel bytes go from the source file to the output unchanged, a chunk at a time, never whole. The next
    // chunk is read while this one is hashed and written (one chunk ahead, no more).
    const readAt = (at: number) => {
      const read = src.read(at, Math.min(CHUNK, p.end - at));
      read.catch(() => undefined); // awaited below, or dropped when the run stops early
      return { at, read };
    };
    let ahead: ReturnType<typeof readAt> | undefined;
    for (let pos = p.start; pos < p.end;) {
      const chunk = await (ahead?.at === pos ? ahead : readAt(pos)).read;
      if (chunk.length === 0) throw new ClearDiscError('truncated', 'pixel data ended early');
      pos += chunk.length;
      ahead = pos < p.end ? readAt(pos) : undefined;
      yield chunk;
    }
  }
}

/** Writes to an open file and leaves it open, so it can be synced before it is closed. */
function fileSink(fh: fsp.FileHandle): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const rest = async (buf: Buffer): Promise<void> => {
        // A regular file takes the whole buffer in one write; the loop only guards a short write.
        for (let off = 0; off < buf.length;) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
      };
      onOutput(rest(chunk)).then(() => cb(), cb);
    },
  });
}

/**
 * Writes the parts to `fh`, hashing as they go. A small file (most CT and MR slices) is gathered and written
 * in one call: its pixels are at most one streaming chunk anyway, and a stream pipeline per file costs more
 * than the copy. Bigger files stream a chunk at a time.
 */
async function writeParts(
  fh: fsp.FileHandle,
  src: RandomAccessSource,
  parts: Array<Uint8Array | { start: number; end: number }>,
): Promise<{ bytes: number; sha256: string }> {
  const size = parts.reduce((n, p) => n + (p instanceof Uint8Array ? p.length : p.end - p.start), 0);
  if (size <= WHOLE_FILE_LIMIT) {
    const chunks: Uint8Array[] = [];
    for await (const c of bytesOf(src, parts)) chunks.push(c);
    const all = Buffer.concat(chunks);
    await onOutput(fh.writeFile(all));
    return { bytes: all.length, sha256: createHash('sha256').update(all).digest('hex') };
  }
  const counter = new HashCount();
  const writeback = new EarlyWriteback(fh);
  await pipeline(bytesOf(src, parts), counter, writeback, fileSink(fh));
  await onOutput(writeback.settled());
  return { bytes: counter.count, sha256: counter.hash.digest('hex') };
}

/**
 * Writes a de-identified copy of `sourcePath` to `destPath`: the header is parsed and rewritten by
 * `transform`, Pixel Data is streamed unchanged from the source, anything after it is transformed too.
 * The file appears at `destPath` only when complete and synced (written to a temporary name, then renamed).
 */
export async function writeInstance(
  sourcePath: string,
  destPath: string,
  src: RandomAccessSource,
  transform: HeaderTransform,
): Promise<WrittenInstance> {
  const header = await readHeader(src);
  const out = outputSyntax(header);
  const pixel = header.pixelData;
  let elements = header.elements.filter((e) => e !== pixel);
  let pixelSpan: { start: number; end: number } | undefined;
  let pixelBytes: Uint8Array | undefined;

  if (pixel) {
    if (header.inflated) {
      // Deflated files were inflated whole: take pixel bytes and what follows from memory.
      const whole = new DataSetParser(header.inflated, {}).parse(header.dataSetStart, header.encoding);
      const px = findElement(whole.elements, pixel.tag);
      pixelBytes = px?.value ?? new Uint8Array(0);
      elements = whole.elements.filter((e) => e.tag !== pixel.tag);
    } else {
      pixelSpan = await pixelValueSpan(src, pixel, header.encoding.littleEndian);
      const trailing = src.size - pixelSpan.end;
      if (trailing >= 8) {
        if (trailing > MAX_TRAILING) throw new ClearDiscError('corrupt', 'unexpected data after pixel data');
        const buf = await src.read(pixelSpan.end, trailing);
        // Junk after a complete image (disc burner padding, a writer's leftovers) is not part of it: what
        // reads as elements is kept and de-identified, the rest is not copied. The image itself is whole.
        const r = new DataSetParser(buf, {
          base: pixelSpan.end,
          sourceSize: src.size,
          stopAtDamage: true,
        }).parse(pixelSpan.end, header.encoding);
        elements = [...elements, ...ascendingAfter(pixel.tag, r.elements)];
      }
    }
  }

  const t = transform({
    header,
    meta: header.meta,
    elements,
    encoding: out.encoding,
    transferSyntaxUID: out.uid,
  });
  const meta = setUI(t.meta, 0x00020010, out.uid);
  const before = t.elements.filter((e) => !pixel || e.tag < pixel.tag);
  const after = t.elements.filter((e) => pixel && e.tag > pixel.tag);

  const parts: Array<Uint8Array | { start: number; end: number }> = [
    encodeFileMeta(meta),
    encodeElements(before, out.encoding),
  ];
  if (pixel) {
    const len = pixelBytes ? pixelBytes.length : pixel.length;
    parts.push(encodeHeader(pixel.tag, pixel.vr, len, out.encoding));
    parts.push(pixelBytes ?? { start: pixelSpan!.start, end: pixelSpan!.end });
    if (after.length) parts.push(encodeElements(after, out.encoding));
  }

  const tmp = `${destPath}.partial`;
  const fh = await onOutput(fsp.open(tmp, 'w'));
  let written: { bytes: number; sha256: string };
  try {
    written = await writeParts(fh, src, parts);
    // Synced before it takes its name: a file under destPath is whole, even after a power cut.
    await onOutput(fh.sync());
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await onOutput(fh.close());
  await onOutput(fsp.rename(tmp, destPath));
  return {
    ...written,
    meta,
    elements: t.elements,
    transferSyntaxUID: out.uid,
  };
}
