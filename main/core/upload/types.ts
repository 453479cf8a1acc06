// Vocabulary of the upload stage: what it needs from the outside world (injected) and what it reports.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ReasonCode } from '../../../shared/reasons';

/** The open journal file: append + fsync, nothing else. */
export interface AppendHandle {
  write(text: string): Promise<unknown>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The file-system calls the upload stage makes; tests may wrap or fake them. */
export interface UploadFs {
  readFile(file: string): Promise<Buffer>;
  /** Reads the start of a file into `into` (as much as fits); resolves with the number of bytes read. */
  readInto(file: string, into: Buffer): Promise<number>;
  writeFile(file: string, data: string | Buffer): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  stat(file: string): Promise<{ size: number; isFile(): boolean }>;
  realpath(file: string): Promise<string>;
  readdir(dir: string): Promise<Array<{ name: string; isFile(): boolean; isDirectory(): boolean }>>;
  /** Opens for appending (created when missing). */
  openAppend(file: string): Promise<AppendHandle>;
  createReadStream(file: string, opts?: { highWaterMark?: number }): Readable;
}

export const nodeUploadFs: UploadFs = {
  readFile: (f) => fsp.readFile(f),
  async readInto(file, into) {
    const fh = await fsp.open(file, 'r');
    try {
      let done = 0;
      while (done < into.length) {
        const { bytesRead } = await fh.read(into, done, into.length - done, done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done;
    } finally {
      await fh.close();
    }
  },
  writeFile: (f, d) => fsp.writeFile(f, d),
  rename: (a, b) => fsp.rename(a, b),
  stat: (f) => fsp.stat(f),
  realpath: (f) => fsp.realpath(f),
  readdir: (d) => fsp.readdir(d, { withFileTypes: true }),
  async openAppend(file) {
    const fh = await fsp.open(file, 'a');
    return {
      write: (text: string) => fh.write(text),
      sync: () => fh.sync(),
      close: () => fh.close(),
    };
  },
  createReadStream: (f, o) => fs.createReadStream(f, o),
};

/**
 * The pre-send identity check of one file. `bytes`, when given, is the whole file as just read (and hashed)
 * by the caller: checked as it is, so the file is read once.
 */
export type VerifyFn = (file: string, bytes?: Buffer) => Promise<{ ok: boolean; reason?: string }>;

/** What happened to one instance, as the upload reports it. */
export type InstanceResult =
  | {
      sopInstanceUID: string;
      state: 'stored';
      attempt: number;
      /** The server's Retrieve URL for the instance (00081190), when it gave one. */
      retrieveUrl?: string;
      /** Warning Reason (00081196) values, when the server stored it with a warning. */
      warnings?: number[];
      /** The server named it in its Referenced SOP Sequence (not a bare 2xx, not "already stored"). */
      referenced?: boolean;
    }
  | {
      sopInstanceUID: string;
      state: 'failed';
      attempt: number;
      reason: ReasonCode;
      /** For engineers: HTTP status, failure reason code, server text. Never patient identity. */
      detail?: string;
    };

export interface UploadProgress {
  phase: 'sending' | 'confirming' | 'done';
  filesDone: number;
  filesTotal: number;
  filesFailed: number;
  bytesDone: number;
  bytesTotal: number;
  /** Bytes per second over this session's sending so far (0 before any). */
  bytesPerSecond: number;
  /** Seconds left at the current rate; undefined while unknown. */
  etaSeconds?: number;
}
