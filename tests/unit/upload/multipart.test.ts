import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { ContentChangedError, multipartBody, newBoundary } from '../../../main/core/upload/multipart';
import { parseMultipart } from '../../support/fault-proxy';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function collect(r: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return chunks;
}

describe('multipart/related body', () => {
  let dir: string;
  const files: Array<{ path: string; data: Buffer }> = [];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-mp-'));
    const sizes = [0, 1, 1000, 3 * 1024 * 1024 + 7];
    sizes.forEach((n, i) => {
      const data = Buffer.alloc(n);
      for (let k = 0; k < n; k++) data[k] = (k * 31 + i) & 0xff;
      const p = path.join(dir, `f${i}.dcm`);
      fs.writeFileSync(p, data);
      files.push({ path: p, data });
    });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('declares the exact length, round-trips every part and streams in bounded chunks', async () => {
    const body = multipartBody(
      files.map((f) => ({ path: f.path, bytes: f.data.length, sha256: sha(f.data) })),
      {
        highWaterMark: 64 * 1024,
      },
    );
    expect(body.contentType).toBe(`multipart/related; type="application/dicom"; boundary=${body.boundary}`);
    let counted = 0;
    const chunks = await collect(body.open((n) => (counted += n)));
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(body.contentLength);
    expect(counted).toBe(body.contentLength);
    // Never a whole file in memory: no chunk above the read size.
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(64 * 1024);
    const parts = parseMultipart(all, body.boundary);
    expect(parts.map((p) => p.headers.toString())).toEqual(
      files.map(() => 'Content-Type: application/dicom'),
    );
    expect(parts.map((p) => sha(p.data))).toEqual(files.map((f) => sha(f.data)));
    expect(all.subarray(-body.boundary.length - 6).toString()).toBe(`--${body.boundary}--\r\n`);
    // A second open() re-reads from disk.
    expect(Buffer.concat(await collect(body.open())).equals(all)).toBe(true);
  });

  it('sends parts given as checked bytes from memory, without opening their files', async () => {
    const opened: string[] = [];
    const body = multipartBody(
      files.map((f, i) =>
        i % 2 ? { path: f.path, bytes: f.data.length, data: f.data } : { path: f.path, bytes: f.data.length },
      ),
      {
        highWaterMark: 64 * 1024,
        createReadStream: (file, o) => {
          opened.push(file);
          return fs.createReadStream(file, o);
        },
      },
    );
    const chunks = await collect(body.open());
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(body.contentLength);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(64 * 1024);
    expect(parseMultipart(all, body.boundary).map((p) => sha(p.data))).toEqual(files.map((f) => sha(f.data)));
    expect(opened).toEqual([files[0].path, files[2].path]);
    expect(() => multipartBody([{ path: files[2].path, bytes: 5, data: files[2].data }])).toThrow(
      'part data and size differ',
    );
  });

  it('uses a fresh random boundary each time', () => {
    const a = newBoundary();
    const b = newBoundary();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^cleardisc-[0-9a-f]{48}$/);
    const empty = multipartBody([]);
    expect(empty.contentLength).toBe(`--${empty.boundary}--\r\n`.length);
    expect(() => multipartBody([], { boundary: 'bad boundary"' })).toThrow('invalid multipart boundary');
  });

  it('never completes a part whose bytes differ from the declared hash or size', async () => {
    const f = files[3];
    const wrongHash = multipartBody([{ path: f.path, bytes: f.data.length, sha256: '0'.repeat(64) }]);
    const seen: Buffer[] = [];
    const err = await (async () => {
      try {
        for await (const c of wrongHash.open()) seen.push(c as Buffer);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ContentChangedError);
    expect((err as ContentChangedError).kind).toBe('sha256');
    // The last chunk of the file was held back: fewer file bytes than the file went out.
    const header = `--${wrongHash.boundary}\r\nContent-Type: application/dicom\r\n\r\n`.length;
    expect(Buffer.concat(seen).length - header).toBeLessThan(f.data.length);

    const shorter = multipartBody([{ path: f.path, bytes: f.data.length + 1 }]);
    await expect(collect(shorter.open())).rejects.toMatchObject({
      name: 'ContentChangedError',
      kind: 'size',
    });
    const longer = multipartBody([{ path: f.path, bytes: f.data.length - 1 }]);
    await expect(collect(longer.open())).rejects.toMatchObject({
      name: 'ContentChangedError',
      kind: 'size',
      index: 0,
    });
  });
});
