// Character sets and byte order: cleaned text is written in the data set's own character set when it can be, the
// whole data set moves to UTF-8 when it cannot, and binary values keep the data set's byte order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeText, foldForMatch } from '../../../main/core/dicom/charset';
import type { DicomElement } from '../../../main/core/dicom/parse';
import { bufferSource, readHeader } from '../../../main/core/dicom/read-header';
import { charsetsOf, findElement, numberValue, T } from '../../../main/core/dicom/values';
import { collectIdentity } from '../../../main/core/deid/collect-identity';
import { createTextCleaner } from '../../../main/core/deid/clean-text';
import { buildIdentityTokens } from '../../../main/core/verify/identity-tokens';
import { CHARSET_DIR } from '../../support/charset-fixtures';
import { CASE, el, EXPLICIT_BE, reparse, run, seq } from './helpers';

const TEST_FILES = '/work/shared/testdata/pydicom/src/pydicom/data/test_files';

async function load(path: string) {
  const h = await readHeader(bufferSource(readFileSync(path)));
  return { h, elements: h.elements.filter((e) => e !== h.pixelData) };
}

/** JIS X 0208 bytes of `s` (GL form), found by decoding every EUC-JP pair: test-only, no encoder in Node. */
function jis(s: string): number[] {
  const decoder = new TextDecoder('euc-jp');
  const out: number[] = [];
  for (const ch of s) {
    let found: number[] | undefined;
    for (let a = 0xa1; a <= 0xfe && !found; a++)
      for (let b = 0xa1; b <= 0xfe && !found; b++)
        if (decoder.decode(Uint8Array.of(a, b)) === ch) found = [a & 0x7f, b & 0x7f];
    if (!found) throw new Error(`no JIS X 0208 code for ${ch}`);
    out.push(...found);
  }
  return out;
}
const ESC_KANJI = [0x1b, 0x24, 0x42];
const ESC_ASCII = [0x1b, 0x28, 0x42];
const iso2022 = (...parts: (string | { kanji: string })[]): number[] =>
  parts.flatMap((p) =>
    typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : [...ESC_KANJI, ...jis(p.kanji), ...ESC_ASCII],
  );

/** Every text value of the output, decoded in the character set in force where it sits. */
function allText(elements: readonly DicomElement[], inherited: string[] = []): string[] {
  const charsets = charsetsOf(elements, inherited);
  const out: string[] = [];
  for (const e of elements) {
    if (e.items) for (const i of e.items) out.push(...allText(i.elements, charsets));
    else if (e.value && /^(SH|LO|ST|LT|UT|UC|PN)$/.test(e.vr)) out.push(decodeText(e.value, charsets, e.vr));
  }
  return out;
}

describe('ISO 2022 Japanese (chrH31.dcm: Yamada^Tarou=山田^太郎=やまだ^たろう)', () => {
  let elements: DicomElement[];
  let tokens: ReturnType<typeof buildIdentityTokens>;
  beforeAll(async () => {
    ({ elements } = await load(join(CHARSET_DIR, 'chrH31.dcm')));
    tokens = buildIdentityTokens(collectIdentity(elements, charsetsOf(elements)));
  });

  it('removes every name token, in every script, from a description', () => {
    const description = el(
      T.StudyDescription,
      'LO',
      iso2022('CT ', { kanji: '山田太郎' }, ' Yamada TAROU ', { kanji: 'やまだ' }, ' ', { kanji: 'たろう' }),
    );
    const out = run([...elements, description]);
    expect(textOf(out.elements, T.StudyDescription)).toBe('CT');
    // Nothing needed more than ASCII: the data set keeps its character set.
    expect(charsetsOf(out.elements)).toEqual(charsetsOf(elements));
    expect(textOf(out.elements, T.PatientName)).toBe(CASE);
  });

  it('moves the data set to UTF-8 when cleaned text needs characters only ISO 2022 escapes could write', () => {
    const description = el(
      T.StudyDescription,
      'LO',
      iso2022('CT ', { kanji: '胸部' }, ' ', { kanji: '山田' }),
    );
    const model = el(0x00081090, 'LO', iso2022({ kanji: '胸部装置' })); // kept, not cleaned: must be re-encoded too
    const out = run([...elements, description, model]);
    expect(charsetsOf(out.elements)).toEqual(['ISO_IR 192']);
    expect(textOf(out.elements, T.StudyDescription)).toBe('CT 胸部');
    expect(textOf(out.elements, 0x00081090)).toBe('胸部装置');
    const cleaner = createTextCleaner(tokens);
    for (const t of allText(reparse(out.elements))) expect(cleaner.contains(t)).toBe(false);
  });

  it('converts items that declare their own character set', async () => {
    // chrSQEncoding.dcm: UTF-8 data set; we add an item in ISO 2022 IR 13 + 87 (half-width katakana and kanji).
    const { elements: sq } = await load(join(CHARSET_DIR, 'chrSQEncoding.dcm'));
    const katakana = [0xb6, 0xdd, 0xbc, 0xde]; // ｶﾝｼﾞ in JIS X 0201 (G1)
    const item = [
      el(T.SpecificCharacterSet, 'CS', 'ISO 2022 IR 13\\ISO 2022 IR 87'),
      el(0x00080104, 'LO', iso2022({ kanji: '胸部' }, ' ', { kanji: '山田' })), // cleaned, not ASCII: forces UTF-8
      el(0x00081090, 'LO', katakana), // kept as is, but must be re-encoded
    ];
    const out = run(
      [
        ...sq,
        ...elements.filter((e) => e.tag === T.PatientName).map((e) => ({ ...e, tag: 0x00101001 })),
        seq(0x00081115, [item]),
      ],
      {
        identity: collectIdentity(elements, charsetsOf(elements)),
      },
    );
    const back = reparse(out.elements);
    expect(charsetsOf(back)).toEqual(['ISO_IR 192']);
    const backItem = findElement(back, 0x00081115)!.items![0].elements;
    expect(findElement(backItem, T.SpecificCharacterSet)).toBeUndefined();
    expect(textOf(backItem, 0x00080104, ['ISO_IR 192'])).toBe('胸部');
    expect(textOf(backItem, 0x00081090, ['ISO_IR 192'])).toBe('ｶﾝｼﾞ');
  });
});

describe('single-byte and other character sets', () => {
  it('writes cleaned Latin-1 text back in Latin-1 (chrFren.dcm: Buc^Jérôme)', async () => {
    const { elements } = await load(join(CHARSET_DIR, 'chrFren.dcm'));
    const description = el(T.StudyDescription, 'LO', Buffer.from('Scanner de Jérôme BUC, Genève', 'latin1'));
    const out = run([...elements, description]);
    expect(charsetsOf(out.elements)).toEqual(['ISO_IR 100']);
    const raw = findElement(out.elements, T.StudyDescription)!.value!;
    expect(Buffer.from(raw).toString('latin1')).toBe('Scanner de, Genève');
  });

  it('moves GB18030 text to UTF-8 when a cleaned value is not ASCII (chrX2.dcm: Wang^XiaoDong=王^小东)', async () => {
    const { elements } = await load(join(CHARSET_DIR, 'chrX2.dcm'));
    const gb = new Uint8Array([
      ...Buffer.from('CT ', 'latin1'),
      0xcd,
      0xf5,
      0xd0,
      0xa1,
      0xb6,
      0xab,
      0x20,
      0xd0,
      0xd8,
      0xb2,
      0xbf,
    ]); // 王小东 胸部
    expect(decodeText(gb, ['GB18030'], 'LO')).toBe('CT 王小东 胸部');
    const out = run([...elements, el(T.StudyDescription, 'LO', gb)]);
    expect(charsetsOf(out.elements)).toEqual(['ISO_IR 192']);
    expect(textOf(reparse(out.elements), T.StudyDescription)).toBe('CT 胸部');
  });

  it('folds for matching across character sets', () => {
    expect(foldForMatch('ＹＡＭＡＤＡ')).toBe('yamada');
  });
});

describe('big endian (MR_small_bigendian.dcm)', () => {
  it('keeps numbers big endian and writes new values in a data set that re-parses as big endian', async () => {
    const { h, elements } = await load(join(TEST_FILES, 'MR_small_bigendian.dcm'));
    expect(h.encoding).toMatchObject(EXPLICIT_BE);
    const extra = [
      seq(0x00081115, [[el(0x00280010, 'US', [0x01, 0x02])]]), // a kept US inside a kept sequence
      el(0x0072006d, 'UN', 'Doe'), // Selector UN Value: D, a binary dummy
    ];
    const out = run([...elements, ...extra], { encoding: EXPLICIT_BE });
    const back = reparse(out.elements, EXPLICIT_BE);
    for (const tag of [0x00280010, 0x00280011, 0x00280100, 0x00280101, 0x00280102, 0x00280106, 0x00280107]) {
      expect(numberValue(findElement(back, tag), false)).toBe(numberValue(findElement(elements, tag), false));
    }
    expect(numberValue(findElement(back, 0x00280010), false)).toBe(64);
    expect(
      numberValue(findElement(findElement(back, 0x00081115)!.items![0].elements, 0x00280010), false),
    ).toBe(0x0102);
    expect([...findElement(back, 0x0072006d)!.value!]).toEqual([0, 0]);
    expect(textOf(back, 0x00120062)).toBe('YES');
    expect(findElement(back, 0x00120064)!.items!.length).toBeGreaterThan(0);
    expect(textOf(back, T.PatientName)).toBe(CASE);
  });
});

function textOf(
  elements: readonly DicomElement[],
  tag: number,
  inherited: string[] = [],
): string | undefined {
  const e = findElement(elements, tag);
  return e ? (e.value ? decodeText(e.value, charsetsOf(elements, inherited), e.vr) : '') : undefined;
}
