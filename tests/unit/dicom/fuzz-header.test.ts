import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClearDiscError } from '../../../main/core/errors';
import { readHeader, type RandomAccessSource } from '../../../main/core/dicom/read-header';
import { scan } from '../../../main/core/scan/scan';
import { allTestdataFiles } from '../../support/testdata';

/** A source that records every read, to prove no read is sized from a declared length. */
function watched(buf: Uint8Array) {
  const reads: number[] = [];
  const src: RandomAccessSource = {
    size: buf.length,
    read: async (p, n) => {
      reads.push(n);
      return buf.subarray(p, Math.min(buf.length, p + n));
    },
  };
  return { src, reads };
}

function rng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function mutate(orig: Buffer, rand: () => number): Buffer {
  const b = Buffer.from(orig);
  const kind = Math.floor(rand() * 4);
  if (kind === 0) return b.subarray(0, Math.floor(rand() * b.length));
  const n = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rand() * Math.max(1, b.length - 4));
    if (kind === 1) b[at] ^= 1 << Math.floor(rand() * 8);
    else if (kind === 2) b.writeUInt32LE(0xffffffff, at);
    else b.writeUInt32LE(Math.floor(rand() * 0xfffffff0), at);
  }
  return b;
}

/** Settles within `ms` or fails: a hang is a bug. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<T>((_, rej) => (timer = setTimeout(() => rej(new Error('hang')), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

describe('header parser under hostile input', () => {
  const corpus = allTestdataFiles()
    .filter((f) => fs.statSync(f).size > 200 && fs.statSync(f).size < 2_000_000)
    .filter((_, i) => i % 6 === 0);

  it('never throws anything but a reasoned error, never hangs, never reads more than the file', async () => {
    const rand = rng(20261124);
    let mutants = 0;
    for (const f of corpus) {
      const orig = fs.readFileSync(f);
      for (let k = 0; k < 12; k++) {
        const m = mutate(orig, rand);
        if (m.length === 0) continue;
        const { src, reads } = watched(m);
        mutants++;
        try {
          await within(readHeader(src), 2000);
        } catch (err) {
          if (!(err instanceof ClearDiscError)) {
            throw new Error(`${path.basename(f)} mutant ${k}: ${String(err)}`, { cause: err });
          }
        }
        expect(reads.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(m.length + 8192);
      }
    }
    expect(mutants).toBeGreaterThan(300);
  });

  it('rejects absurd lengths without allocating them', async () => {
    const orig = fs.readFileSync(allTestdataFiles().find((f) => f.endsWith('test_files/CT_small.dcm'))!);
    // Patient Name's 2-byte length sits after its VR; make an explicit long-VR element claim 4 GiB.
    const b = Buffer.from(orig);
    const at = b.indexOf(Buffer.from([0x08, 0x00, 0x05, 0x00])); // (0008,0005)
    b.write('UT', at + 4, 'latin1');
    b.writeUInt16LE(0, at + 6);
    b.writeUInt32LE(0xfffffff0, at + 8);
    const { src, reads } = watched(b);
    const before = process.memoryUsage().arrayBuffers;
    await expect(readHeader(src)).rejects.toMatchObject({ code: 'truncated' });
    expect(Math.max(...reads)).toBeLessThanOrEqual(b.length);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('stops at absurdly deep sequence nesting', async () => {
    // 20,000 nested undefined-length sequences: a recursive parser without a limit overflows the stack.
    const head = Buffer.alloc(132);
    head.write('DICM', 128, 'latin1');
    const meta = Buffer.from([
      0x02,
      0x00,
      0x10,
      0x00,
      0x55,
      0x49,
      0x14,
      0x00,
      ...Buffer.from('1.2.840.10008.1.2.1\0', 'latin1'),
    ]);
    const level = Buffer.from([
      0x08, 0x00, 0x15, 0x11, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff,
      0xff, 0xff,
    ]);
    const deep = Buffer.concat([head, meta, ...Array(20000).fill(level)]);
    await expect(readHeader(watched(deep).src)).rejects.toBeInstanceOf(ClearDiscError);
  });

  it('a scan of a folder of mutants completes and accounts for every file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-fuzz-'));
    try {
      const rand = rng(7);
      let n = 0;
      for (const f of corpus) {
        const orig = fs.readFileSync(f);
        for (let k = 0; k < 3; k++) fs.writeFileSync(path.join(dir, `m${n++}`), mutate(orig, rand));
      }
      const r = await within(scan(dir), 20000);
      expect(r.files).toBe(n);
      expect(r.instances.length + r.skipped.length + (r.dicomdir ? 1 : 0)).toBe(n);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
