/** Generates benchmark discs on disk without ever holding their pixel data in memory. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildInstance, CT_IMAGE, testUid } from '../tests/fixtures/build-dicom';

/** Splits a dcmjs-built file at its Pixel Data element, so pixels can be streamed in its place. */
function headerBefore(pixelLessFile: Buffer): Buffer {
  const marker = Buffer.from([0xe0, 0x7f, 0x10, 0x00]);
  const at = pixelLessFile.lastIndexOf(marker);
  if (at < 0) throw new Error('no pixel data element');
  return pixelLessFile.subarray(0, at);
}

function pixelHeader(len: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(0x7fe0, 0);
  b.writeUInt16LE(0x0010, 2);
  b.write('OW', 4, 'latin1');
  b.writeUInt32LE(len, 8);
  return b;
}

/** A reusable block of noise-like pixel bytes. */
const NOISE = (() => {
  const b = Buffer.alloc(1 << 20);
  let x = 12345;
  for (let i = 0; i < b.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
})();

function writeStreamed(file: string, header: Buffer, pixelBytes: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, header);
    fs.writeSync(fd, pixelHeader(pixelBytes));
    let left = pixelBytes;
    while (left > 0) {
      const n = Math.min(left, NOISE.length);
      fs.writeSync(fd, NOISE, 0, n);
      left -= n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A CT series of `count` 512×512×16-bit slices in a disc-like folder tree. */
export function generateCtSeries(dir: string, count: number): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const spec = {
      sopInstanceUID: testUid(500, 1, i + 1),
      studyInstanceUID: testUid(500),
      seriesInstanceUID: testUid(500, 1),
      sopClassUID: CT_IMAGE,
      instanceNumber: i + 1,
      rows: 512,
      columns: 512,
      pixels: new Uint8Array(2),
      extra: {
        SliceThickness: 1.25,
        ImagePositionPatient: [0, 0, i * 1.25],
        ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
        PixelSpacing: [0.7, 0.7],
        RescaleIntercept: -1024,
        RescaleSlope: 1,
        KVP: 120,
        InstitutionName: 'General Hospital',
        ReferringPhysicianName: 'Smith^Anna',
        OperatorsName: 'Tech^Terry',
        FrameOfReferenceUID: testUid(500, 9),
      },
    };
    const sub = path.join(dir, `SE${String(Math.floor(i / 500)).padStart(4, '0')}`);
    fs.mkdirSync(sub, { recursive: true });
    writeStreamed(
      path.join(sub, `IM${String(i).padStart(5, '0')}`),
      headerBefore(buildInstance(spec)),
      512 * 512 * 2,
    );
  }
}

/** One multi-frame file of about `megabytes` MB (512×512×16-bit frames). */
export function generateMultiFrame(file: string, megabytes: number): void {
  const frameBytes = 512 * 512 * 2;
  const frames = Math.ceil((megabytes * 1024 * 1024) / frameBytes);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const header = headerBefore(
    buildInstance({
      sopInstanceUID: testUid(600, 1, 1),
      studyInstanceUID: testUid(600),
      seriesInstanceUID: testUid(600, 1),
      sopClassUID: '1.2.840.10008.5.1.4.1.1.2.1', // Enhanced CT
      rows: 512,
      columns: 512,
      pixels: new Uint8Array(2),
      extra: { NumberOfFrames: frames },
    }),
  );
  writeStreamed(file, header, frames * frameBytes);
}
