// `cleardisc deid --out`: the output folder may only be new, empty or an earlier ClearDisc output, and it must
// never overlap the source (in either direction, and whatever links lead there).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildInstance, testUid, writeFile } from '../../fixtures/build-dicom';
import { BIN, runCli } from '../../support/cli';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileRecordStore } from '../../../main/core/deid/case-record';
import { makePlan } from '../../../main/core/deid/plan';
import { deidentify, isIncompleteOutput } from '../../../main/core/deid/run';
import { scan } from '../../../main/core/scan/scan';
import type { Manifest } from '../../../shared/deid-types';

describe('deid output folder safety', () => {
  let tmp: string;
  let src: string;
  let env: Record<string, string>;
  const deid = (source: string, out: string) =>
    runCli(['deid', source, '--out', out, '--case', 'ROBUST-1'], env);
  const listing = (dir: string) => (fs.readdirSync(dir, { recursive: true }) as string[]).map(String).sort();

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-outdir-'));
    env = { CLEARDISC_HOME: path.join(tmp, 'home') };
    src = path.join(tmp, 'disc');
    for (let i = 1; i <= 2; i++) {
      writeFile(
        src,
        `IMG${i}`,
        buildInstance({
          sopInstanceUID: testUid(5, 1, i),
          studyInstanceUID: testUid(5),
          seriesInstanceUID: testUid(5, 1),
          instanceNumber: i,
        }),
      );
    }
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('refuses an unrelated non-empty folder that happens to hold a file named manifest.json, and deletes nothing', async () => {
    const project = path.join(tmp, 'my-extension');
    writeFile(project, 'manifest.json', JSON.stringify({ manifest_version: 3, name: 'not ClearDisc' }));
    writeFile(project, 'notes/precious.txt', 'years of work');
    const before = listing(project);
    const r = await deid(src, project);
    expect(r.code).not.toBe(0);
    expect(listing(project)).toEqual(before);
    expect(fs.readFileSync(path.join(project, 'notes/precious.txt'), 'utf8')).toBe('years of work');
  });

  it('refuses a non-empty unrelated folder', async () => {
    const other = path.join(tmp, 'other');
    writeFile(other, 'a.txt', 'x');
    const r = await deid(src, other);
    expect(r.code).not.toBe(0);
    expect(listing(other)).toEqual(['a.txt']);
  });

  it('refuses an output folder inside the source', async () => {
    const before = listing(src);
    const r = await deid(src, path.join(src, 'out'));
    expect(r.code).not.toBe(0);
    expect(listing(src)).toEqual(before);
  });

  it("refuses an output folder inside the source whose name starts with '..'", async () => {
    const before = listing(src);
    const r = await deid(src, path.join(src, '..cleaned'));
    expect(r.code).not.toBe(0);
    expect(listing(src)).toEqual(before);
  });

  it("refuses to replace an earlier output holding the source in a folder named '..disc', and deletes nothing", async () => {
    const out = path.join(tmp, 'out');
    expect((await deid(src, out)).code).toBe(0);
    const nested = path.join(out, '..disc');
    fs.cpSync(src, nested, { recursive: true });
    const before = listing(nested);
    const r = await deid(nested, out);
    expect(r.code).not.toBe(0);
    expect(listing(nested)).toEqual(before);
  });

  it('refuses an output folder that reaches the source through a link', async () => {
    fs.symlinkSync(src, path.join(tmp, 'disc-link'));
    const before = listing(src);
    const r = await deid(src, path.join(tmp, 'disc-link', 'cleaned'));
    expect(r.code).not.toBe(0);
    expect(listing(src)).toEqual(before);
  });

  it('refuses to replace an earlier output that contains the source (it would be emptied)', async () => {
    const out = path.join(tmp, 'out');
    expect((await deid(src, out)).code).toBe(0);
    // The person then copies a disc into the earlier output folder and de-identifies it "into the same place".
    const nested = path.join(out, 'second-disc');
    fs.cpSync(src, nested, { recursive: true });
    const before = listing(nested);
    const r = await deid(nested, out);
    expect(r.code).not.toBe(0);
    expect(fs.existsSync(nested)).toBe(true);
    expect(listing(nested)).toEqual(before);
  });

  it('re-run into its own previous output replaces it cleanly, byte-identical', async () => {
    const out = path.join(tmp, 'out');
    expect((await deid(src, out)).code).toBe(0);
    const first = listing(out);
    const bytes = (dir: string) =>
      first.filter((f) => f.endsWith('.dcm')).map((f) => fs.readFileSync(path.join(dir, f)).toString('hex'));
    const firstBytes = bytes(out);
    // Leftovers of an interrupted upload and a stray temporary file are swept away too.
    writeFile(out, 'upload-journal.ndjson', '{"t":"x","sop":"1","state":"sending"}\n');
    writeFile(out, 'study-01/series-001/00009.dcm.partial', 'half');
    expect((await deid(src, out)).code).toBe(0);
    expect(listing(out)).toEqual(first);
    expect(bytes(out)).toEqual(firstBytes);
  });

  it('a run that stops part-way, even while replacing a finished output, leaves a folder that says it is incomplete', async () => {
    const out = path.join(tmp, 'out');
    expect((await deid(src, out)).code).toBe(0);
    const manifest = () => JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest().complete).toBe(true);
    expect(await isIncompleteOutput(out)).toBe(false);

    // The second run dies after its first image (a crash, a full disk: here its progress callback throws).
    const plan = makePlan(await scan(src), { studies: [], includeBurnedIn: false });
    await expect(
      deidentify(plan, {
        out,
        caseCode: 'ROBUST-1',
        records: fileRecordStore(path.join(env.CLEARDISC_HOME, 'cases')),
        random: (n) => randomBytes(n),
        now: () => new Date(),
        concurrency: 1,
        onProgress: () => {
          throw new Error('stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    // Whatever files are there, the manifest beside them says the run did not finish.
    expect(listing(out).some((f) => f.endsWith('.dcm'))).toBe(true);
    expect(manifest()).toMatchObject({ format: 'cleardisc-manifest', complete: false });
    expect(await isIncompleteOutput(out)).toBe(true);

    // A finished run over it is complete again.
    expect((await deid(src, out)).code).toBe(0);
    expect(manifest().complete).toBe(true);
  });

  it('an output disk that fails part-way (here: file size limit) stops the run with exit 1; the image is not called damaged', () => {
    // One image too big for the limit, one small: the small one is written, the big one cannot be.
    writeFile(
      src,
      'BIG',
      buildInstance({
        sopInstanceUID: testUid(5, 1, 9),
        studyInstanceUID: testUid(5),
        seriesInstanceUID: testUid(5, 1),
        instanceNumber: 9,
        rows: 256,
        columns: 256,
      }),
    );
    const out = path.join(tmp, 'out');
    // ulimit -f is in 1024-byte blocks: the 128 KB image fails with EFBIG, manifest and records fit.
    const r = spawnSync(
      'bash',
      [
        '-c',
        'trap "" XFSZ; ulimit -f 64; exec "$0" "$@"',
        process.execPath,
        BIN,
        'deid',
        src,
        '--out',
        out,
        '--case',
        'ROBUST-1',
        '--json',
      ],
      { env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('cleardisc deid:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/could not be written to disk\. \(the file is too big .*: EFBIG\).*incomplete/);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.complete).toBe(false);
    expect(manifest.excluded).toEqual([]);
    expect(listing(out).filter((f) => f.endsWith('.partial'))).toEqual([]);

    // With room again, the same command finishes: three images written, none excluded.
    const again = spawnSync(
      process.execPath,
      [BIN, 'deid', src, '--out', out, '--case', 'ROBUST-1', '--json'],
      {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      },
    );
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ written: 3, excluded: [], quarantined: [] });
  });
});
