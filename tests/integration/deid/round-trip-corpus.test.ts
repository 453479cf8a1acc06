import { personKey } from '../../../main/core/scan/instance';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Manifest } from '../../../shared/deid-types';
import { fileRecordStore, type CaseRecord } from '../../../main/core/deid/case-record';
import { makePlan } from '../../../main/core/deid/plan';
import { deidentify } from '../../../main/core/deid/run';
import { pixelValueSpan } from '../../../main/core/dicom/pixel-span';
import { bufferSource, readHeader } from '../../../main/core/dicom/read-header';
import { asciiValue, findElement, T, walk } from '../../../main/core/dicom/values';
import { scan, type ScanResult } from '../../../main/core/scan/scan';
import { writeInstance } from '../../../main/core/deid/write-instance';
import { withSopFromMeta } from '../../../main/core/deid/process-instance';
import { dciodvfy } from '../../support/dciodvfy';
import { TESTDATA } from '../../support/testdata';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dicomParser = require('dicom-parser');

const REFERENCED_SOP_INSTANCE = 0x00081155;

async function pixelSha(file: string): Promise<string | undefined> {
  const buf = fs.readFileSync(file);
  const h = await readHeader(bufferSource(buf));
  if (!h.pixelData) return undefined;
  if (h.inflated) {
    // Deflated sources: compare the pixel value the inflated data set holds.
    const span = await pixelValueSpan(bufferSource(h.inflated), h.pixelData, true);
    return createHash('sha256').update(h.inflated.subarray(span.start, span.end)).digest('hex');
  }
  const span = await pixelValueSpan(bufferSource(buf), h.pixelData, h.encoding.littleEndian);
  return createHash('sha256').update(buf.subarray(span.start, span.end)).digest('hex');
}

/** One case per patient, as a real disc holds: identity of one patient must not be searched in another's. */
interface CaseRun {
  out: string;
  manifest: Manifest;
  record: CaseRecord;
  scanned: ScanResult;
}

describe('de-identification round trip over every file of the shared corpus', () => {
  let tmp: string;
  let runs: CaseRun[];
  let scannedAll: ScanResult;
  let heldBackFiles = 0;
  const everyInstance = () => runs.flatMap((r) => r.manifest.instances.map((inst) => ({ run: r, inst })));

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-rt-'));
    scannedAll = await scan(TESTDATA);
    const groups = new Map<string, ScanResult['instances']>();
    for (const i of scannedAll.instances) {
      const key = personKey(i);
      groups.set(key, [...(groups.get(key) ?? []), i]);
    }
    // A file the whole-corpus scan sent once or held back (pydicom reuses one UID across many encodings and
    // frame counts) is round-tripped on its own, so every file of the corpus goes through de-identification.
    const heldBack = scannedAll.skipped.filter((k) =>
      ['duplicate-instance', 'conflicting-instance'].includes(k.reason),
    );
    const alone: ScanResult[] = [];
    for (const [i, k] of heldBack.entries()) {
      const root = path.join(tmp, 'alone', String(i));
      fs.mkdirSync(path.dirname(path.join(root, k.path)), { recursive: true });
      fs.copyFileSync(path.join(TESTDATA, k.path), path.join(root, k.path));
      alone.push(await scan(root));
    }
    heldBackFiles = heldBack.length;
    const records = fileRecordStore(path.join(tmp, 'records'));
    runs = [];
    let n = 0;
    for (const { instances, root } of [
      ...[...groups.values()].map((instances) => ({ instances, root: scannedAll.root })),
      ...alone,
    ]) {
      const caseCode = `RT-${String(++n).padStart(3, '0')}`;
      const scanned: ScanResult = { ...scannedAll, root, instances, skipped: [], dicomdir: null };
      const out = path.join(tmp, 'out', caseCode);
      // Include images at risk of burned-in text too: this test is about the header and the pixels' bytes.
      const r = await deidentify(makePlan(scanned, { includeBurnedIn: true }), {
        out,
        caseCode,
        records,
        random: (k) => new Uint8Array(k).fill(n),
        now: () => new Date('2026-01-01T00:00:00Z'),
      });
      runs.push({ out, manifest: r.manifest, record: (await records.load(caseCode))!, scanned });
    }
  }, 240_000);

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('accounts for every instance: written, excluded or quarantined with a reason', () => {
    let written = 0;
    for (const r of runs) {
      expect(r.manifest.complete).toBe(true);
      const excludedInstances = r.manifest.excluded.filter((e) =>
        r.scanned.instances.some((i) => i.path === e.path),
      );
      expect(r.manifest.instances.length + r.manifest.quarantined.length + excludedInstances.length).toBe(
        r.scanned.instances.length,
      );
      // Only documents (never cleanable) and files damaged past their header are left out when burned-in images are included.
      for (const e of excludedInstances)
        expect(['encapsulated-document', 'truncated', 'corrupt']).toContain(e.reason);
      written += r.manifest.instances.length;
    }
    expect(heldBackFiles).toBe(75);
    expect(runs.reduce((n, r) => n + r.scanned.instances.length, 0)).toBe(
      scannedAll.instances.length + heldBackFiles,
    );
    expect(
      written + runs.reduce((n, r) => n + r.manifest.quarantined.length + r.manifest.excluded.length, 0),
    ).toBe(scannedAll.instances.length + heldBackFiles);
    // The second lock may hold back only files the independent parser cannot read.
    const quarantined = runs.flatMap((r) => r.manifest.quarantined);
    expect(quarantined.filter((q) => q.reason !== 'verify-failed')).toEqual([]);
    expect(written).toBeGreaterThanOrEqual(235);
  });

  it('writes files an independent parser reads, with pixel bytes identical to the source', async () => {
    let compared = 0;
    for (const { run, inst } of everyInstance()) {
      const byNewUid = new Map(Object.entries(run.record.uidMap).map(([o, n]) => [n, o]));
      const file = path.join(run.out, inst.file);
      const bytes = fs.readFileSync(file);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(inst.sha256);
      expect(() => dicomParser.parseDicom(new Uint8Array(bytes))).not.toThrow();
      const source = run.scanned.instances.find(
        (i) => i.sopInstanceUID === byNewUid.get(inst.sopInstanceUID),
      );
      expect(source).toBeDefined();
      expect(await pixelSha(file)).toBe(await pixelSha(path.join(TESTDATA, source!.path)));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(235);
  });

  it('keeps references between instances resolvable within the output', async () => {
    let refs = 0;
    for (const { run, inst } of everyInstance()) {
      const written = new Set(run.manifest.instances.map((i) => i.sopInstanceUID));
      const inputUids = new Set(run.scanned.instances.map((i) => i.sopInstanceUID));
      const originalOf = new Map(Object.entries(run.record.uidMap).map(([o, n]) => [n, o]));
      const h = await readHeader(bufferSource(fs.readFileSync(path.join(run.out, inst.file))));
      for (const { el } of walk(h.elements)) {
        if (el.tag !== REFERENCED_SOP_INSTANCE) continue;
        const uid = asciiValue(el);
        // No reference still uses an original UID of an instance on the disc.
        expect(inputUids.has(uid)).toBe(false);
        // A reference to an instance that was on the disc points at its new UID in the output.
        const original = originalOf.get(uid);
        if (original && inputUids.has(original)) {
          expect(written.has(uid)).toBe(true);
          refs++;
        }
      }
    }
    expect(refs).toBeGreaterThan(0);
  });

  it('leaves no original patient name, ID or non-registered UID anywhere', async () => {
    for (const { run, inst } of everyInstance()) {
      const originals = new Set(Object.keys(run.record.uidMap));
      const bytes = fs.readFileSync(path.join(run.out, inst.file));
      const h = await readHeader(bufferSource(bytes));
      for (const { el } of walk([...h.meta, ...h.elements])) {
        if (el.vr === 'UI') expect(originals.has(asciiValue(el))).toBe(false);
      }
      const text = bytes.toString('latin1');
      for (const p of run.record.patients) {
        if (/^[\x20-\x7e]{4,}$/.test(p.patientName)) expect(text.includes(p.patientName)).toBe(false);
        if (/^[\x20-\x7e]{4,}$/.test(p.patientId)) expect(text.includes(p.patientId)).toBe(false);
      }
    }
  });

  it('introduces no dciodvfy error that the source did not have', async () => {
    const problems: string[] = [];
    for (const { run, inst } of everyInstance()) {
      const originalOf = new Map(Object.entries(run.record.uidMap).map(([o, n]) => [n, o]));
      const src = run.scanned.instances.find(
        (i) => i.sopInstanceUID === originalOf.get(inst.sopInstanceUID),
      )!;
      const [before, after] = await Promise.all([
        dciodvfy(await baseline(path.join(TESTDATA, src.path))),
        dciodvfy(path.join(run.out, inst.file)),
      ]);
      const had = new Set(before.errors);
      for (const e of after.errors) if (!had.has(e)) problems.push(`${src.path}: ${e}`);
    }
    expect(problems).toEqual([]);
  }, 240_000);

  /**
   * The source as dciodvfy should judge it. Two kinds of source cannot be judged as they are: deflated files
   * (dciodvfy cannot read them) and files whose SOP Class is only in File Meta (dciodvfy then checks no IOD
   * at all, while the de-identified copy carries it in the data set). Their baseline is the same data set
   * written without any de-identification, with the SOP UIDs copied from File Meta as ClearDisc does.
   */
  async function baseline(source: string): Promise<string> {
    const h = await readHeader(bufferSource(fs.readFileSync(source)));
    if (!h.transferSyntax.deflated && findElement(h.elements, T.SOPClassUID)) return source;
    const dest = path.join(tmp, `baseline-${path.basename(source)}`);
    const src = bufferSource(fs.readFileSync(source));
    await writeInstance(source, dest, src, (p) => ({
      meta: p.meta,
      elements: withSopFromMeta(p.elements, p.meta),
    }));
    return dest;
  }
});
