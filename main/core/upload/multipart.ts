// A multipart/related; type="application/dicom" request body (PS3.18 STOW-RS) that streams each part from
// disk. Its length is known up front, so the request carries Content-Length and is never chunked.
import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { Readable } from 'node:stream';

export interface MultipartFile {
  path: string;
  /** Exact size; the body's Content-Length is computed from these. */
  bytes: number;
  /** When given, the streamed bytes must hash to this (hex), or the part is never completed. */
  sha256?: string;
  /**
   * The file's bytes, already read and proven (size, hash, identity check) by the caller: sent as they are,
   * so what was checked is exactly what leaves, and the file is neither read nor hashed again.
   */
  data?: Uint8Array;
}

export interface MultipartBody {
  boundary: string;
  /** The request's Content-Type header value. */
  contentType: string;
  contentLength: number;
  /** A fresh stream over the whole body (each call re-reads the files). */
  open(onBytes?: (n: number) => void): Readable;
}

/** A file's bytes differ from what was declared; the part was not completed and the request must be dropped. */
export class ContentChangedError extends Error {
  constructor(
    readonly index: number,
    readonly kind: 'size' | 'sha256',
  ) {
    super(`part ${index + 1} changed on disk while it was being sent (${kind} differs)`);
    this.name = 'ContentChangedError';
  }
}

export interface MultipartOptions {
  boundary?: string;
  randomBytes?: (n: number) => Buffer;
  createReadStream?: (file: string, opts: { highWaterMark: number }) => Readable;
  highWaterMark?: number;
}

const CRLF = Buffer.from('\r\n');

/** RFC 2046 boundary: 1-70 chars from bchars, not ending in space; ours is random so it cannot occur in a file. */
export function newBoundary(randomBytes: (n: number) => Buffer = nodeRandomBytes): string {
  return `cleardisc-${randomBytes(24).toString('hex')}`;
}

export function multipartBody(files: readonly MultipartFile[], opts: MultipartOptions = {}): MultipartBody {
  const boundary = opts.boundary ?? newBoundary(opts.randomBytes);
  if (!/^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/.test(boundary)) throw new Error('invalid multipart boundary');
  const createReadStream =
    opts.createReadStream ?? ((f: string, o: { highWaterMark: number }) => fs.createReadStream(f, o));
  const highWaterMark = opts.highWaterMark ?? 256 * 1024;
  const partHeader = Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`);
  const closing = Buffer.from(`--${boundary}--\r\n`);
  let contentLength = closing.length;
  for (const f of files) {
    if (!Number.isSafeInteger(f.bytes) || f.bytes < 0) throw new Error('invalid part size');
    if (f.data && f.data.length !== f.bytes) throw new Error('part data and size differ');
    contentLength += partHeader.length + f.bytes + CRLF.length;
  }

  async function* generate(onBytes?: (n: number) => void): AsyncGenerator<Buffer> {
    const emit = (b: Buffer) => {
      onBytes?.(b.length);
      return b;
    };
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      yield emit(partHeader);
      if (f.data) {
        const d = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
        // Slices share the memory; their size only paces progress and backpressure.
        for (let o = 0; o < d.length; o += highWaterMark) yield emit(d.subarray(o, o + highWaterMark));
        yield emit(CRLF);
        continue;
      }
      const hash = f.sha256 ? createHash('sha256') : undefined;
      let seen = 0;
      // Each chunk is held back until the next one arrives, so the last bytes of a part are only sent after
      // its size and hash are proven: a file changed on disk never reaches the server complete.
      let held: Buffer | undefined;
      for await (const chunk of createReadStream(f.path, { highWaterMark }) as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > f.bytes) throw new ContentChangedError(i, 'size');
        hash?.update(chunk);
        if (held) yield emit(held);
        held = chunk;
      }
      if (seen !== f.bytes) throw new ContentChangedError(i, 'size');
      if (hash && hash.digest('hex') !== f.sha256!.toLowerCase()) throw new ContentChangedError(i, 'sha256');
      if (held) yield emit(held);
      yield emit(CRLF);
    }
    yield emit(closing);
  }

  return {
    boundary,
    contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
    contentLength,
    open: (onBytes) => Readable.from(generate(onBytes), { objectMode: false }),
  };
}
