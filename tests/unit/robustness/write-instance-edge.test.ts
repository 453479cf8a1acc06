// writeInstance round trips over hand-made files dcmjs cannot write: big endian with sequences and odd lengths,
// implicit VR private sequences of undefined length, encapsulated pixel data with a Basic Offset Table, many
// fragments and elements after it, and headers larger than the first read (4 KiB) and than 1 MiB.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DicomElement } from '../../../main/core/dicom/parse';
import { pixelValueSpan } from '../../../main/core/dicom/pixel-span';
import { bufferSource, readHeader } from '../../../main/core/dicom/read-header';
import { writeInstance, type HeaderTransform } from '../../../main/core/deid/write-instance';
import { nodeSourceFs } from '../../../main/core/scan/source-fs';
import { scan } from '../../../main/core/scan/scan';
import { makePlan } from '../../../main/core/deid/plan';
import { deidentify } from '../../../main/core/deid/run';
import { fileRecordStore } from '../../../main/core/deid/case-record';
import { dciodvfy, newErrors } from '../../support/dciodvfy';
import { buildInstance, CT_IMAGE, SECONDARY_CAPTURE, testUid } from '../../fixtures/build-dicom';
import {
  encapsulated,
  encodeRaw,
  grayscalePixelModule,
  part10,
  str,
  uid,
  type RawElement,
  type RawEncoding,
} from '../../fixtures/raw-dicom';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dicomParser = require('dicom-parser');

const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const IMPLICIT = '1.2.840.10008.1.2';
const EXPLICIT = '1.2.840.10008.1.2.1';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

const identity: HeaderTransform = (p) => ({ meta: p.meta, elements: p.elements });

/** Every element at every depth, as "path tag vr value" with trailing padding (NUL/space) ignored. */
function flatten(elements: readonly DicomElement[], prefix = ''): string[] {
  const out: string[] = [];
  for (const el of elements) {
    const t = el.tag.toString(16).padStart(8, '0');
    if (el.items) {
      out.push(`${prefix}${t} items=${el.items.length}`);
      el.items.forEach((it, i) => out.push(...flatten(it.elements, `${prefix}${t}[${i}].`)));
    } else if (el.tag !== 0x7fe00010) {
      let v = Buffer.from(el.value ?? new Uint8Array(0));
      let end = v.length;
      while (end > 0 && (v[end - 1] === 0 || v[end - 1] === 0x20)) end--;
      v = v.subarray(0, end);
      out.push(`${prefix}${t} ${el.vr} ${v.toString('hex')}`);
    }
  }
  return out;
}

async function pixelSha(file: string): Promise<string> {
  const buf = fs.readFileSync(file);
  const h = await readHeader(bufferSource(buf));
  const span = await pixelValueSpan(bufferSource(buf), h.pixelData!, h.encoding.littleEndian);
  return createHash('sha256').update(buf.subarray(span.start, span.end)).digest('hex');
}

/** Elements of a whole file (pixel data and what follows included), parsed by our reader. */
async function allElements(file: string): Promise<DicomElement[]> {
  const buf = fs.readFileSync(file);
  const h = await readHeader(bufferSource(buf));
  const { DataSetParser } = await import('../../../main/core/dicom/parse');
  return new DataSetParser(buf, {}).parse(h.dataSetStart, h.encoding).elements;
}

describe('writeInstance round trips of unusual encodings', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-wi-edge-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function roundTrip(name: string, bytes: Buffer, transform: HeaderTransform = identity) {
    const src = path.join(tmp, `${name}.src.dcm`);
    const dst = path.join(tmp, `${name}.out.dcm`);
    fs.writeFileSync(src, bytes);
    const h = await nodeSourceFs.open(src);
    try {
      const w = await writeInstance(src, dst, h, transform);
      return { src, dst, w };
    } finally {
      await h.close();
    }
  }

  async function expectSameContent(src: string, dst: string) {
    expect(flatten(await allElements(dst))).toEqual(flatten(await allElements(src)));
    expect(await pixelSha(dst)).toBe(await pixelSha(src));
    // An independent parser reads the output end to end.
    expect(() => dicomParser.parseDicom(new Uint8Array(fs.readFileSync(dst)))).not.toThrow();
    expect(newErrors(await dciodvfy(src), await dciodvfy(dst))).toEqual([]);
  }

  /** The real de-identification of a one-file disc: written, readable, no new IOD errors, same pixels. */
  async function expectDeidIntact(src: string, caseCode: string) {
    const disc = path.join(tmp, `${caseCode}-disc`);
    const out = path.join(tmp, `${caseCode}-out`);
    fs.mkdirSync(disc, { recursive: true });
    fs.copyFileSync(src, path.join(disc, 'IMG'));
    const r = await deidentify(makePlan(await scan(disc), { includeBurnedIn: true }), {
      out,
      caseCode,
      records: fileRecordStore(path.join(tmp, 'records')),
      random: (n) => new Uint8Array(n).fill(5),
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    expect({
      written: r.summary.written,
      excluded: r.summary.excluded,
      quarantined: r.summary.quarantined,
    }).toEqual({
      written: 1,
      excluded: [],
      quarantined: [],
    });
    const dst = path.join(out, r.manifest.instances[0].file);
    expect(await pixelSha(dst)).toBe(await pixelSha(src));
    expect(() => dicomParser.parseDicom(new Uint8Array(fs.readFileSync(dst)))).not.toThrow();
    await allElements(dst);
    expect(newErrors(await dciodvfy(src), await dciodvfy(dst))).toEqual([]);
  }

  function ctElements(le: boolean, sop: string, extra: RawElement[] = []): RawElement[] {
    const els: RawElement[] = [
      { tag: 0x00080016, vr: 'UI', value: uid(CT_IMAGE) },
      { tag: 0x00080018, vr: 'UI', value: uid(sop) },
      { tag: 0x00080060, vr: 'CS', value: str('CT') },
      // Odd length, unpadded: written by careless software, must come back readable and equal.
      { tag: 0x00081030, vr: 'LO', value: str('HEAD') },
      { tag: 0x0008103e, vr: 'LO', value: str('AXI') },
      {
        tag: 0x00081140,
        vr: 'SQ',
        items: [
          {
            elements: [
              { tag: 0x00081150, vr: 'UI', value: uid(CT_IMAGE) },
              { tag: 0x00081155, vr: 'UI', value: uid('1.2.3.44') },
            ],
          },
          {
            undefinedLength: true,
            elements: [
              { tag: 0x00081150, vr: 'UI', value: uid(CT_IMAGE) },
              { tag: 0x00081155, vr: 'UI', value: str('1.2.3.4.5') },
            ],
          },
        ],
      },
      { tag: 0x00100010, vr: 'PN', value: str('Doe^J') },
      { tag: 0x00100020, vr: 'LO', value: str('P1') },
      { tag: 0x0020000d, vr: 'UI', value: uid('1.2.3.1') },
      { tag: 0x0020000e, vr: 'UI', value: uid('1.2.3.1.1') },
      ...grayscalePixelModule({ rows: 4, columns: 4, bitsAllocated: 16, bitsStored: 12 }, le),
      ...extra,
    ];
    return els.sort((a, b) => a.tag - b.tag);
  }

  const pixels16 = (le: boolean) => {
    const b = Buffer.alloc(4 * 4 * 2);
    for (let i = 0; i < 16; i++) {
      if (le) b.writeUInt16LE(i * 100 + 7, i * 2);
      else b.writeUInt16BE(i * 100 + 7, i * 2);
    }
    return b;
  };

  it('explicit VR big endian with sequences (defined and undefined length items) and odd-length values', async () => {
    const enc: RawEncoding = { littleEndian: false, explicitVR: true };
    const sop = '1.2.3.1.1.1';
    const ds = encodeRaw(
      [...ctElements(false, sop), { tag: 0x7fe00010, vr: 'OW', value: pixels16(false) }],
      enc,
    );
    const { src, dst, w } = await roundTrip(
      'be',
      part10({ sopClass: CT_IMAGE, sopInstance: sop, transferSyntax: BIG_ENDIAN }, ds),
    );
    expect(w.transferSyntaxUID).toBe(BIG_ENDIAN);
    await expectSameContent(src, dst);
    // Values the writer padded are even and the file is still big endian.
    const out = await readHeader(bufferSource(fs.readFileSync(dst)));
    expect(out.encoding).toMatchObject({ littleEndian: false, explicitVR: true });
    await expectDeidIntact(src, 'BE-1');
    for (const el of out.elements) if (el.value) expect(el.value.length % 2).toBe(0);
  });

  it('implicit VR with a private sequence of undefined length (nested, with undefined-length items)', async () => {
    const enc: RawEncoding = { littleEndian: true, explicitVR: false };
    const sop = '1.2.3.1.1.2';
    const priv: RawElement[] = [
      { tag: 0x00090010, vr: 'LO', value: str('ACME 1.0') },
      {
        tag: 0x00091010,
        vr: 'SQ',
        undefinedLength: true,
        items: [
          {
            undefinedLength: true,
            elements: [
              { tag: 0x00090010, vr: 'LO', value: str('ACME 1.0') },
              { tag: 0x00091011, vr: 'LO', value: str('inner text') },
              {
                tag: 0x00091012,
                vr: 'SQ',
                undefinedLength: true,
                items: [
                  { undefinedLength: true, elements: [{ tag: 0x00091013, vr: 'LO', value: str('deep') }] },
                ],
              },
            ],
          },
          { elements: [{ tag: 0x00091011, vr: 'LO', value: str('second') }] },
        ],
      },
    ];
    const ds = encodeRaw(
      [...ctElements(true, sop, priv), { tag: 0x7fe00010, vr: 'OW', value: pixels16(true) }],
      enc,
    );
    const { src, dst, w } = await roundTrip(
      'implicit',
      part10({ sopClass: CT_IMAGE, sopInstance: sop, transferSyntax: IMPLICIT }, ds),
    );
    expect(w.transferSyntaxUID).toBe(IMPLICIT);
    await expectSameContent(src, dst);
    const flat = flatten(await allElements(dst)).join('\n');
    expect(flat).toContain(Buffer.from('deep').toString('hex'));
    await expectDeidIntact(src, 'IMPL-1');
  });

  it('encapsulated pixel data with a Basic Offset Table, 300 fragments and Data Set Trailing Padding after it', async () => {
    const enc: RawEncoding = { littleEndian: true, explicitVR: true };
    const sop = '1.2.3.1.1.3';
    const fragments: Buffer[] = [];
    const offsets: number[] = [];
    let at = 0;
    for (let f = 0; f < 300; f++) {
      // Frames of 3 fragments; fragment sizes vary (even, as the standard requires).
      if (f % 3 === 0) offsets.push(at);
      const frag = Buffer.alloc(2 + ((f * 37) % 500) * 2);
      for (let i = 0; i < frag.length; i++) frag[i] = (f * 31 + i * 7) & 0xff;
      frag[0] = 0xff;
      frag[1] = 0xd8;
      fragments.push(frag);
      at += 8 + frag.length;
    }
    const els: RawElement[] = [
      { tag: 0x00080016, vr: 'UI', value: uid(SECONDARY_CAPTURE) },
      { tag: 0x00080018, vr: 'UI', value: uid(sop) },
      { tag: 0x00080060, vr: 'CS', value: str('OT') },
      { tag: 0x00100010, vr: 'PN', value: str('Doe^Jane') },
      { tag: 0x0020000d, vr: 'UI', value: uid('1.2.3.1') },
      { tag: 0x0020000e, vr: 'UI', value: uid('1.2.3.1.2') },
      ...grayscalePixelModule({ rows: 8, columns: 8, bitsAllocated: 8, bitsStored: 8, frames: 100 }, true),
      { tag: 0x7fe00010, vr: 'OB', undefinedLength: true, value: encapsulated(fragments, offsets) },
      { tag: 0xfffcfffc, vr: 'OB', value: Buffer.alloc(64) },
    ];
    const ds = encodeRaw(els, enc);
    const { src, dst } = await roundTrip(
      'encaps',
      part10({ sopClass: SECONDARY_CAPTURE, sopInstance: sop, transferSyntax: JPEG_BASELINE }, ds),
    );
    expect(await pixelSha(dst)).toBe(await pixelSha(src));
    expect(flatten(await allElements(dst))).toEqual(flatten(await allElements(src)));
    const out = await allElements(dst);
    expect(out.map((e) => e.tag).slice(-2)).toEqual([0x7fe00010, 0xfffcfffc]);
    expect(() => dicomParser.parseDicom(new Uint8Array(fs.readFileSync(dst)))).not.toThrow();

    // Through the real de-identification too: the pixel bytes are untouched.
    const disc = path.join(tmp, 'encaps-disc');
    fs.mkdirSync(disc, { recursive: true });
    fs.copyFileSync(src, path.join(disc, 'IMG'));
    const r = await deidentify(makePlan(await scan(disc), { includeBurnedIn: true }), {
      out: path.join(tmp, 'encaps-out'),
      caseCode: 'EDGE-1',
      records: fileRecordStore(path.join(tmp, 'records')),
      random: (n) => new Uint8Array(n).fill(5),
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    expect(r.summary.written).toBe(1);
    expect(await pixelSha(path.join(tmp, 'encaps-out', r.manifest.instances[0].file))).toBe(
      await pixelSha(src),
    );
  });

  it('junk after a complete Pixel Data (burner padding, leftovers) is not copied, and the image is written', async () => {
    const sop = '1.2.3.1.1.9';
    const image = (after: RawElement[] = []) =>
      part10(
        { sopClass: CT_IMAGE, sopInstance: sop, transferSyntax: EXPLICIT },
        encodeRaw(
          [...ctElements(true, sop), { tag: 0x7fe00010, vr: 'OW', value: pixels16(true) }, ...after],
          { littleEndian: true, explicitVR: true },
        ),
      );
    /** De-identifies one file alone (same case, same secret each time) and returns the output's bytes. */
    const deidOne = async (name: string, bytes: Buffer) => {
      const disc = path.join(tmp, `junk-${name}-disc`);
      fs.mkdirSync(disc, { recursive: true });
      fs.writeFileSync(path.join(disc, 'IMG'), bytes);
      const out = path.join(tmp, `junk-${name}-out`);
      const r = await deidentify(makePlan(await scan(disc)), {
        out,
        caseCode: 'JUNK-1',
        records: fileRecordStore(path.join(tmp, 'records')),
        random: (n) => new Uint8Array(n).fill(5),
        now: () => new Date('2026-01-01T00:00:00Z'),
      });
      expect({ excluded: r.summary.excluded, quarantined: r.summary.quarantined }).toEqual({
        excluded: [],
        quarantined: [],
      });
      return fs.readFileSync(path.join(out, r.manifest.instances[0].file));
    };
    const clean = await deidOne('none', image());
    const junk = {
      text: Buffer.from('Burned by DiscWriter for Jane Doe, 2020-03-15\r\n'),
      zeros: Buffer.alloc(2048),
      ones: Buffer.alloc(100, 0xff),
      // Reads as an element header whose value runs past the end of the file.
      header: Buffer.from([0xe0, 0x7f, 0x20, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3, 4]),
    };
    // Before: excluded as 'truncated' or 'corrupt', though every pixel was there.
    for (const [name, tail] of Object.entries(junk))
      expect((await deidOne(name, Buffer.concat([image(), tail]))).equals(clean)).toBe(true);
    // A real element after Pixel Data is still read and handled; only the junk after it goes.
    const kept = { tag: 0x7fe00020, vr: 'OB', value: str('FRAMEINFO ') };
    const withElement = await deidOne('element', Buffer.concat([image([kept]), junk.text]));
    expect(withElement.includes(Buffer.from('FRAMEINFO'))).toBe(true);
    expect(withElement.includes(Buffer.from('DiscWriter'))).toBe(false);
    expect(withElement.subarray(-10).toString('latin1')).toBe('FRAMEINFO ');
  });

  it.each([
    ['larger than the 4 KiB first read', 20 * 1024],
    ['larger than 1 MiB', 3 * 1024 * 1024 + 3],
  ])('a header %s (growth path), read without the pixels and rewritten intact', async (_what, n) => {
    const enc: RawEncoding = { littleEndian: true, explicitVR: true };
    const sop = `1.2.3.1.1.${n}`;
    const big = Buffer.alloc(n + (n % 2));
    for (let i = 0; i < big.length; i++) big[i] = 0x41 + (i % 26);
    const extra: RawElement[] = [
      { tag: 0x00204000, vr: 'LT', value: str('short comment') },
      { tag: 0x00290010, vr: 'LO', value: str('ACME') },
      { tag: 0x00291010, vr: 'OB', value: big },
    ];
    const pixels = Buffer.alloc(512 * 512 * 2, 0x11);
    const ds = encodeRaw(
      [...ctElements(true, sop, extra), { tag: 0x7fe00010, vr: 'OW', value: pixels }],
      enc,
    );
    const file = part10({ sopClass: CT_IMAGE, sopInstance: sop, transferSyntax: EXPLICIT }, ds);
    const h = await readHeader(bufferSource(file));
    expect(h.pixelData?.length).toBe(pixels.length);
    // Headers only: at most the header plus one growth step, never the half-megabyte of pixels.
    expect(h.bytesRead).toBeLessThan(h.headerEnd + 2 * big.length + 64 * 1024);
    expect(h.bytesRead).toBeLessThan(file.length);
    const { src, dst } = await roundTrip(`big-${n}`, file);
    await expectSameContent(src, dst);
  });

  it('a file bigger than the 32 MB early-writeback step streams through unchanged, byte for byte', async () => {
    // 4,608 × 4,608 × 16 bits: 40.5 MB of pixels, so the background writeback runs while the file is written.
    const pixels = new Uint8Array(4608 * 4608 * 2);
    for (let i = 0; i < pixels.length; i += 4093) pixels[i] = i & 0xff;
    const bytes = buildInstance({
      sopInstanceUID: testUid(77, 1, 1),
      studyInstanceUID: testUid(77),
      seriesInstanceUID: testUid(77, 1),
      rows: 4608,
      columns: 4608,
      pixels,
    });
    const { src, dst, w } = await roundTrip('big', Buffer.from(bytes));
    expect(w.bytes).toBe(fs.statSync(dst).size);
    expect(w.sha256).toBe(createHash('sha256').update(fs.readFileSync(dst)).digest('hex'));
    expect(await pixelSha(dst)).toBe(await pixelSha(src));
    expect(fs.existsSync(`${dst}.partial`)).toBe(false);
  });
});
