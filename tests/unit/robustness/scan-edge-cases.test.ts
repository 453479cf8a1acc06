// Scan edge cases from real discs and real folders: ISO 9660 names, links, FIFOs and sockets, races,
// permissions, empty indexes, unicode paths.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { scan, type ScanResult } from '../../../main/core/scan/scan';
import { nodeSourceFs, type SourceFs } from '../../../main/core/scan/source-fs';
import {
  buildDicomdir,
  buildInstance,
  testUid,
  writeFile,
  type InstanceSpec,
} from '../../fixtures/build-dicom';

const spec = (n: number): InstanceSpec => ({
  sopInstanceUID: testUid(7, 1, n),
  studyInstanceUID: testUid(7),
  seriesInstanceUID: testUid(7, 1),
  instanceNumber: n,
});

/** Every file seen is an instance, a skipped entry or the DICOMDIR (README: ScanSummary.files). */
function accountedFor(r: ScanResult): void {
  expect(r.files).toBe(r.instances.length + r.skipped.length + (r.dicomdir ? 1 : 0));
}

/** Fails instead of hanging the whole test run. */
function within<T>(p: Promise<T>, ms = 5000): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref()),
  ]);
}

describe('scan edge cases', () => {
  let tmp: string;
  let root: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-scan-edge-'));
    root = path.join(tmp, 'disc');
    fs.mkdirSync(root);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('matches a DICOMDIR to files shown with ISO 9660 version suffixes and in lower case (im1;1, im2.;1)', async () => {
    writeFile(root, 'dicom/st0/im1;1', buildInstance(spec(1)));
    writeFile(root, 'dicom/st0/im2.;1', buildInstance(spec(2)));
    writeFile(root, 'dicom/st0/im3', buildInstance(spec(3)));
    writeFile(
      root,
      'dicomdir;1',
      buildDicomdir([
        { fileId: ['DICOM', 'ST0', 'IM1'], spec: spec(1) },
        { fileId: ['DICOM', 'ST0', 'IM2'], spec: spec(2) },
        { fileId: ['DICOM', 'ST0', 'IM3;1'], spec: spec(3) },
      ]),
    );
    const r = await scan(root);
    expect(r.dicomdir).toBe('dicomdir;1');
    expect(r.dicomdirProblems).toEqual([]);
    expect(r.instances.map((i) => i.path).sort()).toEqual([
      'dicom/st0/im1;1',
      'dicom/st0/im2.;1',
      'dicom/st0/im3',
    ]);
    accountedFor(r);
  });

  it('reads a file once when a folder link to a sibling makes it reachable twice, DICOMDIR or not', async () => {
    writeFile(root, 'M/IM1', buildInstance(spec(1)));
    writeFile(root, 'M/IM2', buildInstance(spec(2)));
    fs.symlinkSync('M', path.join(root, 'Z'));
    const plain = await scan(root);
    expect(plain.instances.map((i) => i.path)).toEqual(['M/IM1', 'M/IM2']);
    expect(plain.skipped).toEqual([{ path: 'Z', reason: 'link-loop' }]);

    // The DICOMDIR lists one image through the link: it is still the same file, read once, not a duplicate.
    writeFile(
      root,
      'DICOMDIR',
      buildDicomdir([
        { fileId: ['Z', 'IM1'], spec: spec(1) },
        { fileId: ['M', 'IM2'], spec: spec(2) },
      ]),
    );
    const r = await scan(root);
    expect(r.instances.map((i) => i.path).sort()).toEqual(['M/IM1', 'M/IM2']);
    expect(r.skipped).toEqual([{ path: 'Z', reason: 'link-loop' }]);
    expect(r.dicomdirProblems).toEqual([]);
    accountedFor(r);
    const dicomdirBytes = fs.statSync(path.join(root, 'DICOMDIR')).size;
    expect(r.bytesRead).toBeLessThanOrEqual(plain.bytesRead + dicomdirBytes);
  });

  it('does not hang on a FIFO or a socket in the tree, linked to, or listed in the DICOMDIR', async () => {
    writeFile(root, 'IM1', buildInstance(spec(1)));
    execFileSync('mkfifo', [path.join(root, 'FIFO')]);
    fs.symlinkSync('FIFO', path.join(root, 'FIFOLINK'));
    const sock = path.join(root, 'SOCK');
    const server = net.createServer().listen(sock);
    await new Promise((r) => server.once('listening', r));
    try {
      writeFile(
        root,
        'DICOMDIR',
        buildDicomdir([
          { fileId: ['IM1'], spec: spec(1) },
          { fileId: ['FIFO'], spec: spec(2) },
        ]),
      );
      const r = await within(scan(root));
      expect(r.instances.map((i) => i.path)).toEqual(['IM1']);
      expect(r.skipped.some((s) => s.path === 'IM1')).toBe(false);
    } finally {
      server.close();
    }
  });

  it('opening a FIFO for reading fails at once instead of blocking (a file replaced by a FIFO after the walk)', async () => {
    const fifo = path.join(root, 'FIFO');
    execFileSync('mkfifo', [fifo]);
    try {
      await expect(within(nodeSourceFs.open(fifo), 3000)).rejects.toMatchObject({ code: expect.any(String) });
    } finally {
      // Release a reader still blocked in open(2), so a failure here cannot hang the test run.
      try {
        fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch {
        // no reader waiting: nothing to release
      }
    }
  });

  it('reports a file that disappears between the walk and the read, and a permission-denied file and folder', async () => {
    writeFile(root, 'A/IM1', buildInstance(spec(1)));
    writeFile(root, 'A/GONE', buildInstance(spec(2)));
    writeFile(root, 'A/LOCKED', buildInstance(spec(3)));
    writeFile(root, 'SECRET/IM4', buildInstance(spec(4)));
    const errno = (code: string) => Object.assign(new Error(code), { code });
    const fsx: SourceFs = {
      ...nodeSourceFs,
      readdir: async (d) => {
        if (path.basename(d) === 'SECRET') throw errno('EACCES');
        return nodeSourceFs.readdir(d);
      },
      open: async (p) => {
        if (p.endsWith('GONE')) throw errno('ENOENT');
        if (p.endsWith('LOCKED')) throw errno('EACCES');
        return nodeSourceFs.open(p);
      },
    };
    const r = await scan(root, { fs: fsx });
    expect(r.instances.map((i) => i.path)).toEqual(['A/IM1']);
    expect(r.skipped).toEqual([
      { path: 'A/GONE', reason: 'unreadable' },
      { path: 'A/LOCKED', reason: 'unreadable' },
      { path: 'SECRET', reason: 'unreadable' },
    ]);
  });

  it('a file listed in the DICOMDIR that vanishes while being looked up is a problem, not a crash', async () => {
    writeFile(root, 'M/IM1', buildInstance(spec(1)));
    fs.symlinkSync('M', path.join(root, 'Z'));
    writeFile(root, 'DICOMDIR', buildDicomdir([{ fileId: ['Z', 'IM2'], spec: spec(2) }]));
    writeFile(root, 'M/IM2', buildInstance(spec(2)));
    // Walked as M/IM2... except the walk does not see it (removed), while the DICOMDIR lookup still resolves it.
    const fsx: SourceFs = {
      ...nodeSourceFs,
      readdir: async (d) =>
        (await nodeSourceFs.readdir(d)).filter((e) => e.name !== 'IM2' || path.basename(d) !== 'M'),
      stat: async (p) => {
        if (p.endsWith('IM2')) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        return nodeSourceFs.stat(p);
      },
    };
    const r = await scan(root, { fs: fsx });
    expect(r.instances.map((i) => i.path)).toEqual(['M/IM1']);
    expect(r.dicomdirProblems).toEqual([{ path: 'M/IM2', reason: 'missing-dicomdir-file' }]);
  });

  it('a 0-byte DICOMDIR is an empty file, and the images are still found', async () => {
    writeFile(root, 'DICOMDIR', Buffer.alloc(0));
    writeFile(root, 'IMG/IM1', buildInstance(spec(1)));
    const r = await scan(root);
    expect(r.dicomdir).toBeNull();
    expect(r.instances.map((i) => i.path)).toEqual(['IMG/IM1']);
    expect(r.skipped).toEqual([{ path: 'DICOMDIR', reason: 'empty' }]);
    accountedFor(r);
  });

  it('handles unicode and spaces in folder and file names, in the root too', async () => {
    const uroot = path.join(tmp, 'Dïsc Ωmega 患者 ');
    writeFile(uroot, 'Série 1/Bild Nr. 1.dcm', buildInstance(spec(1)));
    writeFile(uroot, 'Série 1/画像 2', buildInstance(spec(2)));
    writeFile(uroot, 'DICOMDIR', buildDicomdir([{ fileId: ['SÉRIE 1', 'BILD NR. 1.DCM'], spec: spec(1) }]));
    const r = await scan(uroot);
    expect(r.instances.map((i) => i.path).sort()).toEqual(['Série 1/Bild Nr. 1.dcm', 'Série 1/画像 2']);
    accountedFor(r);
  });
});
