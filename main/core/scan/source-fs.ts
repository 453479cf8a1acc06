import { constants as fsc } from 'node:fs';
import * as fs from 'node:fs/promises';
import type { RandomAccessSource } from '../dicom/read-header';

/** The file-system operations a scan needs; read-only by construction, so the source is never changed. */
export interface SourceFs {
  readdir(
    dir: string,
  ): Promise<Array<{ name: string; isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }>>;
  realpath(p: string): Promise<string>;
  stat(
    p: string,
  ): Promise<{ size: number; isDirectory(): boolean; isFile(): boolean; dev: number; ino: number }>;
  /** Opens a file for positional reads; the caller must close it. */
  open(p: string): Promise<RandomAccessSource & { close(): Promise<void> }>;
}

export const nodeSourceFs: SourceFs = {
  readdir: (dir) => fs.readdir(dir, { withFileTypes: true }),
  realpath: (p) => fs.realpath(p),
  stat: (p) => fs.stat(p),
  async open(p) {
    // Read-only: opening takes no lock and cannot modify the disc. Non-blocking, so a FIFO (a file swapped
    // for one after the walk, or one a DICOMDIR names) cannot block the open forever; it is refused below.
    const fh = await fs.open(p, fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0));
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      throw Object.assign(new Error('not a regular file'), { code: st.isDirectory() ? 'EISDIR' : 'EIO' });
    }
    const { size } = st;
    return {
      size,
      async read(position, length) {
        const n = Math.max(0, Math.min(length, size - position));
        const buf = Buffer.allocUnsafe(n);
        let got = 0;
        while (got < n) {
          const { bytesRead } = await fh.read(buf, got, n - got, position + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.subarray(0, got);
      },
      close: () => fh.close(),
    };
  },
};
