// The transform over every file of the shared test corpus that our parser reads: nothing throws, the output
// re-encodes and re-parses, and no name, UID or other identity token of the file survives in its header.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { decodeText } from '../../../main/core/dicom/charset';
import { parseDataSet, type DicomElement } from '../../../main/core/dicom/parse';
import { bufferSource, readHeader, type DicomHeader } from '../../../main/core/dicom/read-header';
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE } from '../../../main/core/dicom/transfer-syntax';
import { asciiValue, charsetsOf, T } from '../../../main/core/dicom/values';
import { encodeElements, encodeFileMeta } from '../../../main/core/dicom/write';
import { createTextCleaner } from '../../../main/core/deid/clean-text';
import { collectIdentity } from '../../../main/core/deid/collect-identity';
import { DUMMY_TEXT_CHOICES } from '../../../main/core/deid/dummy-values';
import { effectiveVR } from '../../../main/core/deid/collect-identity';
import { buildIdentityTokens } from '../../../main/core/verify/identity-tokens';
import { verifyBuffer } from '../../../main/core/verify/second-lock';
import { DEFAULT_DEID_OPTIONS, type DeidOptions } from '../../../shared/deid-types';
import { ALL_OFF, CASE, el, run } from './helpers';

const ROOT = '/work/shared/testdata';

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : [p];
    });
}

interface Parsed {
  path: string;
  header: DicomHeader;
  elements: DicomElement[];
}

/** Every PN and UI value at every depth, decoded in the character set in force where it sits. */
function values(
  elements: readonly DicomElement[],
  inherited: string[],
  out: { pn: string[]; ui: string[] },
): void {
  const charsets = charsetsOf(elements, inherited);
  for (const e of elements) {
    if (e.items) for (const i of e.items) values(i.elements, charsets, out);
    else if (e.value && effectiveVR(e) === 'PN') out.pn.push(decodeText(e.value, charsets, 'PN'));
    else if (e.value && effectiveVR(e) === 'UI') out.ui.push(...asciiValue(e).split('\\'));
  }
}

/** The element at a second-lock path such as '0040A730[2].0040A043[0].00080102' (top level: 'GGGGEEEE'). */
function elementAt(elements: readonly DicomElement[], path: string): DicomElement | undefined {
  let level = elements;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const m = /^([0-9A-F]{8})(?:\[(\d+)\])?$/.exec(parts[i]);
    if (!m) return undefined;
    const e = level.find((x) => x.tag === parseInt(m[1], 16));
    if (!e || i === parts.length - 1) return e;
    level = e.items?.[Number(m[2])]?.elements ?? [];
  }
  return undefined;
}

/** The de-identified header as a file, labelled with the native syntax it is written in (no pixel data). */
function asFile(meta: DicomElement[], elements: DicomElement[], h: DicomHeader): Buffer {
  const enc = h.encoding;
  const ts = !enc.littleEndian ? EXPLICIT_BE : enc.explicitVR ? EXPLICIT_LE : IMPLICIT_LE;
  const m = [...meta.filter((e) => e.tag !== T.TransferSyntaxUID), el(T.TransferSyntaxUID, 'UI', ts)];
  return Buffer.concat([encodeFileMeta(m), encodeElements(elements, enc)]);
}

describe('the transform over every parsable file in the shared corpus', () => {
  const parsed: Parsed[] = [];
  beforeAll(async () => {
    for (const path of files(ROOT)) {
      try {
        const header = await readHeader(bufferSource(readFileSync(path)));
        parsed.push({
          path: relative(ROOT, path),
          header,
          elements: header.elements.filter((e) => e !== header.pixelData),
        });
      } catch {
        // Not DICOM, or damaged beyond our parser: the scan reports those; nothing to de-identify.
      }
    }
  });

  it('finds the corpus', () => {
    expect(parsed.length).toBeGreaterThan(200);
  });

  const configs: [string, DeidOptions][] = [
    ['the defaults', DEFAULT_DEID_OPTIONS],
    ['no option', ALL_OFF],
  ];

  it.each(configs)(
    'with %s: re-encodes, re-parses, and keeps no name, UID or token of the source',
    (_name, options) => {
      const problems: string[] = [];
      for (const { path, header: h, elements } of parsed) {
        const identity = collectIdentity(elements, charsetsOf(elements), h.meta, options);
        let out;
        try {
          out = run(elements, { options, identity, meta: h.meta, encoding: h.encoding });
        } catch (e) {
          problems.push(`${path}: threw ${(e as Error).message}`);
          continue;
        }
        const file = asFile(out.meta, out.elements, h);
        let back: DicomElement[];
        try {
          back = parseDataSet(encodeElements(out.elements, h.encoding), 0, h.encoding).elements;
        } catch (e) {
          problems.push(`${path}: output does not re-parse: ${(e as Error).message}`);
          continue;
        }
        const found = { pn: [] as string[], ui: [] as string[] };
        values(back, [], found);
        values(out.meta, [], found);
        const pnAllowed = new Set([CASE, '', ...DUMMY_TEXT_CHOICES]);
        const names = found.pn.filter((v) => !pnAllowed.has(v));
        if (names.length) problems.push(`${path}: names left: ${names.length}`);
        if (!found.pn.includes(CASE)) problems.push(`${path}: Patient Name is not the case code`);
        const originals = new Set(identity.uids);
        const uidsLeft = found.ui.filter((u) => originals.has(u.replace(/[\0 ]+$/, '')));
        if (uidsLeft.length) problems.push(`${path}: ${uidsLeft.length} original UIDs left`);
        const bytes = file.toString('latin1');
        if (identity.uids.some((u) => u.length >= 10 && bytes.includes(u)))
          problems.push(`${path}: an original UID is in the bytes`);
        // The second lock, on this file's own identity, must find nothing the transform should have removed. It may
        // find what the transform leaves for it by design: coded values (CS: Modality 'CT' when a test patient is
        // 'CQ500-CT-310'), a kept value that is nothing but a token (Manufacturer 'OFFIS' = the institution), and
        // ClearDisc's own CID 7050 code meanings (a test patient literally named 'NAME^PATIENT^NAME').
        const tokens = buildIdentityTokens(identity);
        const cleaner = createTextCleaner(tokens);
        const lock = verifyBuffer(file, tokens);
        const hits = lock.hits.filter((hit) => {
          if (hit.path.startsWith('00120064')) return false;
          const e = elementAt(back, hit.path);
          if (!e?.value) return true;
          if (effectiveVR(e) === 'CS') return false;
          const v = decodeText(e.value, charsetsOf(back), effectiveVR(e));
          return cleaner.clean(v).replace(/[^\p{L}\p{N}]/gu, '') !== '';
        });
        if (lock.error || hits.length)
          problems.push(`${path}: second lock: ${lock.error ?? JSON.stringify(hits)}`);
      }
      expect(problems).toEqual([]);
    },
  );
});
