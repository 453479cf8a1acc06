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
import { asciiValue, walk } from '../../../main/core/dicom/values';
import { scan, type ScanResult } from '../../../main/core/scan/scan';
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

describe('de-identification round trip over every file of the shared corpus', () => {
  let tmp: string;
  let out: string;
  let manifest: Manifest;
  let record: CaseRecord;
  let scanned: ScanResult;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-rt-'));
    out = path.join(tmp, 'out');
    scanned = await scan(TESTDATA);
    const records = fileRecordStore(path.join(tmp, 'records'));
    // Include images at risk of burned-in text too: this test is about the header and the pixels' bytes.
    const r = await deidentify(makePlan(scanned, { includeBurnedIn: true }), {
      out,
      caseCode: 'RT-0001',
      records,
      random: (n) => new Uint8Array(n).fill(7),
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    manifest = r.manifest;
    record = (await records.load('RT-0001'))!;
  }, 240_000);

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('accounts for every instance: written, excluded or quarantined with a reason', () => {
    expect(manifest.complete).toBe(true);
    const accounted = manifest.instances.length + manifest.quarantined.length +
      manifest.excluded.filter((e) => scanned.instances.some((i) => i.path === e.path)).length;
    expect(accounted).toBe(scanned.instances.length);
    // Only encapsulated documents are excluded among instances when burned-in images are included.
    for (const e of manifest.excluded) {
      if (scanned.instances.some((i) => i.path === e.path)) expect(['encapsulated-document', 'truncated', 'corrupt']).toContain(e.reason);
    }
    expect(manifest.instances.length).toBeGreaterThan(150);
  });

  it('writes files an independent parser reads, with pixel bytes identical to the source', async () => {
    const byNewUid = new Map(Object.entries(record.uidMap).map(([o, n]) => [n, o]));
    const bySourceUid = new Map(scanned.instances.map((i) => [i.sopInstanceUID, i]));
    let compared = 0;
    for (const inst of manifest.instances) {
      const file = path.join(out, inst.file);
      const bytes = fs.readFileSync(file);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(inst.sha256);
      expect(() => dicomParser.parseDicom(new Uint8Array(bytes))).not.toThrow();
      const source = bySourceUid.get(byNewUid.get(inst.sopInstanceUID)!);
      expect(source).toBeDefined();
      expect(await pixelSha(file)).toBe(await pixelSha(path.join(TESTDATA, source!.path)));
      compared++;
    }
    expect(compared).toBe(manifest.instances.length);
  });

  it('keeps references between instances resolvable within the output', async () => {
    const written = new Set(manifest.instances.map((i) => i.sopInstanceUID));
    const inputUids = new Set(scanned.instances.map((i) => i.sopInstanceUID));
    const originalOf = new Map(Object.entries(record.uidMap).map(([o, n]) => [n, o]));
    let refs = 0;
    for (const inst of manifest.instances) {
      const h = await readHeader(bufferSource(fs.readFileSync(path.join(out, inst.file))));
      for (const { el } of walk(h.elements)) {
        if (el.tag !== REFERENCED_SOP_INSTANCE) continue;
        const uid = asciiValue(el);
        const original = originalOf.get(uid);
        // A reference to an instance that was on the disc and written must point at it under its new UID.
        if (original && inputUids.has(original) && manifest.instances.length) {
          if (scanned.instances.find((i) => i.sopInstanceUID === original) && manifest.quarantined.length === 0) {
            expect(written.has(uid)).toBe(true);
          }
          refs++;
        }
        expect(inputUids.has(uid)).toBe(false);
      }
    }
    expect(refs).toBeGreaterThan(0);
  });

  it('leaves no original patient name, ID or non-registered UID anywhere', async () => {
    const originals = new Set(Object.keys(record.uidMap));
    const names = new Set(scanned.instances.map((i) => i.patientName).filter((n) => n.length > 3));
    for (const inst of manifest.instances) {
      const bytes = fs.readFileSync(path.join(out, inst.file));
      const h = await readHeader(bufferSource(bytes));
      for (const { el } of walk([...h.meta, ...h.elements])) {
        if (el.vr === 'UI') expect(originals.has(asciiValue(el))).toBe(false);
      }
      const text = bytes.toString('latin1');
      for (const n of names) if (/^[\x20-\x7e]+$/.test(n)) expect(text.includes(n)).toBe(false);
    }
  });

  it('introduces no dciodvfy error that the source did not have', async () => {
    const originalOf = new Map(Object.entries(record.uidMap).map(([o, n]) => [n, o]));
    const bySourceUid = new Map(scanned.instances.map((i) => [i.sopInstanceUID, i]));
    const problems: string[] = [];
    for (const inst of manifest.instances) {
      const src = bySourceUid.get(originalOf.get(inst.sopInstanceUID)!)!;
      const [before, after] = await Promise.all([dciodvfy(path.join(TESTDATA, src.path)), dciodvfy(path.join(out, inst.file))]);
      const had = new Set(before.errors);
      for (const e of after.errors) if (!had.has(e)) problems.push(`${src.path}: ${e}`);
    }
    expect(problems).toEqual([]);
  }, 240_000);
});
