import { readdirSync } from 'node:fs';
import { decodeText, encodingFor, foldForMatch, unknownCharsets } from '../../../main/core/dicom/charset';
import { CHARSET_DIR, loadCharsetFile } from '../../support/charset-fixtures';

/** Bytes from a string whose code units are all < 0x100 (escapes written as \x1b). */
const b = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

// Expected names as published for these files (pydicom tests/test_charset.py; PS3.5 Annexes H, I, J).
// Our decoder returns the raw text, so trailing empty PN groups ('=') are kept where the file has them.
const PATIENT_NAMES: [file: string, expected: string][] = [
  ['chrArab.dcm', 'قباني^لنزار'],
  ['chrFren.dcm', 'Buc^Jérôme'],
  ['chrFrenMulti.dcm', 'Buc^Jérôme'],
  ['chrGerm.dcm', 'Äneas^Rüdiger'],
  ['chrGreek.dcm', 'Διονυσιος'],
  ['chrH31.dcm', 'Yamada^Tarou=山田^太郎=やまだ^たろう'],
  ['chrH32.dcm', 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう'],
  ['chrHbrw.dcm', 'שרון^דבורה'],
  ['chrI2.dcm', 'Hong^Gildong=洪^吉洞=홍^길동'],
  ['chrJapMulti.dcm', 'やまだ^たろう'],
  ['chrJapMultiExplicitIR6.dcm', 'やまだ^たろう'],
  ['chrKoreanMulti.dcm', '김희중'],
  ['chrRuss.dcm', 'Люкceмбypг'], // 'ce' and 'yp' really are Latin letters in the file
  ['chrX1.dcm', 'Wang^XiaoDong=王^小東='],
  ['chrX2.dcm', 'Wang^XiaoDong=王^小东='],
];

describe('decodeText on pydicom charset sample files', () => {
  it('covers every PN sample file in the directory', () => {
    const files = readdirSync(CHARSET_DIR).filter((f) => f.endsWith('.dcm') && !f.startsWith('chrSQ'));
    expect(files.sort()).toEqual(PATIENT_NAMES.map(([f]) => f).sort());
  });

  it.each(PATIENT_NAMES)('%s Patient Name', (file, expected) => {
    const fx = loadCharsetFile(file);
    const el = fx.element('x00100010');
    expect(el.vr).toBe('PN');
    expect(decodeText(el.bytes, fx.charsets, el.vr)).toBe(expected);
    expect(unknownCharsets(fx.charsets)).toEqual([]);
  });

  it.each([
    ['chrArab.dcm', 'SCSARAB'],
    ['chrGreek.dcm', 'SCSGREEK'],
    ['chrH32.dcm', 'H32EXAMPLE'],
    ['chrI2.dcm', 'I2EXAMPLE'],
    ['chrX2.dcm', 'X2EXAMPLE'],
  ])('%s Patient ID (LO, padding removed)', (file, expected) => {
    const fx = loadCharsetFile(file);
    const el = fx.element('x00100020');
    expect(decodeText(el.bytes, fx.charsets, el.vr)).toBe(expected);
  });

  it('multi-valued PN and LO (chrFrenMulti)', () => {
    const fx = loadCharsetFile('chrFrenMulti.dcm');
    const other = fx.element('x00101001');
    expect(decodeText(other.bytes, fx.charsets, other.vr)).toBe('Buc^Jérôme\\Buc^Jérôme');
    const lo = fx.element('x00101000');
    expect(decodeText(lo.bytes, fx.charsets, lo.vr)).toBe('eggs\\spam');
  });

  it.each(['chrJapMulti.dcm', 'chrJapMultiExplicitIR6.dcm'])('%s other elements', (file) => {
    const fx = loadCharsetFile(file);
    const text = (tag: string): string => {
      const el = fx.element(tag);
      return decodeText(el.bytes, fx.charsets, el.vr);
    };
    expect(text('x00101001')).toBe('やまだ^たろう\\やまだ^たろう');
    expect(text('x001021b0')).toBe('たろう'); // LT
    expect(text('x00081030')).toBe('Chest');
    expect(text('x00100040')).toBe('M');
    expect(text('x00101020')).toBe('0');
    expect(text('x00100030')).toBe('18000101');
  });

  it('chrKoreanMulti other elements', () => {
    const fx = loadCharsetFile('chrKoreanMulti.dcm');
    const pn = fx.element('x00101001');
    expect(decodeText(pn.bytes, fx.charsets, pn.vr)).toBe('김희중\\김희중');
    const lt = fx.element('x001021b0');
    expect(decodeText(lt.bytes, fx.charsets, lt.vr)).toBe('김희중');
  });

  it('chrSQEncoding: an item with its own Specific Character Set', () => {
    const fx = loadCharsetFile('chrSQEncoding.dcm');
    expect(fx.charsets).toEqual(['ISO_IR 192']);
    const doctor = fx.element('x00321032');
    expect(decodeText(doctor.bytes, fx.charsets, doctor.vr)).toBe('Doctor^Who^^MD');
    const item = fx.itemElement('x00321064', 0, 'x00100010');
    expect(item.charsets).toEqual(['ISO 2022 IR 13', 'ISO 2022 IR 87 ']);
    expect(decodeText(item.bytes, item.charsets ?? [], item.vr)).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう');
    // Decoded with the parent's UTF-8 instead, the same bytes are mojibake: the item's set must win.
    expect(decodeText(item.bytes, fx.charsets, item.vr)).not.toContain('山田');
  });

  it('chrSQEncoding1: an item inheriting the data set character set', () => {
    const fx = loadCharsetFile('chrSQEncoding1.dcm');
    const item = fx.itemElement('x00321064', 0, 'x00100010');
    expect(item.charsets).toBeUndefined();
    expect(decodeText(item.bytes, fx.charsets, item.vr)).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう');
  });
});

describe('decodeText single-byte sets', () => {
  // [IR number, expected, bytes after ESC-designation-free prefix]; test vectors from pydicom's suite.
  const SINGLE: [ir: number, esc: string, expected: string, bytes: string][] = [
    [100, '-A', 'Buc^Jérôme', 'Buc^J\xe9r\xf4me'],
    [101, '-B', 'Wałęsa', 'Wa\xb3\xeasa'],
    [109, '-C', 'antaŭnomo', 'anta\xfdnomo'],
    [110, '-D', 'vārds', 'v\xe0rds'],
    [127, '-G', 'قباني^لنزار', '\xe2\xc8\xc7\xe6\xea^\xe4\xe6\xd2\xc7\xd1'],
    [126, '-F', 'Διονυσιος', '\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2'],
    [138, '-H', 'שרון^דבורה', '\xf9\xf8\xe5\xef^\xe3\xe1\xe5\xf8\xe4'],
    [144, '-L', 'Люкceмбypг', '\xbb\xee\xdace\xdc\xd1yp\xd3'],
    [148, '-M', 'Çavuşoğlu', '\xc7avu\xfeo\xf0lu'],
    [203, '-b', 'Œuvre à 5€', '\xbcuvre \xe0 5\xa4'],
    [166, '-T', 'นามสกุล', '\xb9\xd2\xc1\xca\xa1\xd8\xc5'],
  ];

  it.each(SINGLE)('ISO_IR %i as the only value', (ir, _esc, expected, bytes) => {
    expect(decodeText(b(bytes), [`ISO_IR ${ir}`], 'LO')).toBe(expected);
  });

  it.each(SINGLE)('ISO 2022 IR %i as a code extension', (ir, esc, expected, bytes) => {
    // Re-designate after '^' because PN resets to the initial (default) set there.
    const encoded =
      'ASCII+' +
      bytes
        .split('^')
        .map((part) => `\x1b${esc}${part}`)
        .join('^');
    expect(decodeText(b(encoded), ['', `ISO 2022 IR ${ir}`], 'PN')).toBe(`ASCII+${expected}`);
  });

  it('ISO_IR 13 (JIS X 0201) alone and as an extension', () => {
    expect(decodeText(b('\xd4\xcf\xc0\xde^\xc0\xdb\xb3'), ['ISO_IR 13'], 'PN')).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ');
    expect(
      decodeText(b('ASCII+\x1b)I\xd4\xcf\xc0\xde^\x1b)I\xc0\xdb\xb3'), ['', 'ISO 2022 IR 13'], 'PN'),
    ).toBe('ASCII+ﾔﾏﾀﾞ^ﾀﾛｳ');
  });

  it('uses value 1 until an escape sequence appears', () => {
    const cs = ['ISO 2022 IR 100', 'ISO 2022 IR 144'];
    expect(decodeText(b('Buc^J\xe9r\xf4me'), cs, 'PN')).toBe('Buc^Jérôme');
    expect(decodeText(b('R\xf6ntgenaufnahme'), cs, 'LO')).toBe('Röntgenaufnahme');
    expect(
      decodeText(
        b('Dionysios is \x1b-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2'),
        ['ISO 2022 IR 100', 'ISO 2022 IR 126'],
        'LO',
      ),
    ).toBe('Dionysios is Διονυσιος');
  });

  it('resets at the value delimiter, so each value starts in value 1', () => {
    const cs = ['ISO 2022 IR 100', 'ISO 2022 IR 144', 'ISO 2022 IR 126'];
    const raw =
      'Buc^J\xe9r\xf4me\\\x1b-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2\\\x1b-L\xbb\xee\xdace\xdc\xd1yp\xd3';
    expect(decodeText(b(raw), cs, 'PN')).toBe('Buc^Jérôme\\Διονυσιος\\Люкceмбypг');
    expect(decodeText(b(raw), cs, 'LO')).toBe('Buc^Jérôme\\Διονυσιος\\Люкceмбypг');
    // Back in ISO 8859-1 after the '\': 0xC4 is Ä, not Δ.
    expect(decodeText(b('\x1b-F\xc4\\\xc4'), cs, 'LO')).toBe('Δ\\Ä');
  });
});

describe('decodeText escape resets (PS3.5 6.1.2.5.3)', () => {
  const missingEscape = 'ASCII+\x1b)I\xd4\xcf\xc0\xde^\xc0\xdb\xb3';

  it("PN: '^' returns to the initial set, so undesignated bytes after it are Latin-1", () => {
    expect(decodeText(b(missingEscape), ['', 'ISO 2022 IR 13'], 'PN')).toBe('ASCII+ﾔﾏﾀﾞ^ÀÛ³');
  });

  it("non-PN: '^' is an ordinary character and does not reset", () => {
    expect(decodeText(b(missingEscape), ['', 'ISO 2022 IR 13'], 'LO')).toBe('ASCII+ﾔﾏﾀﾞ^ﾀﾛｳ');
  });

  it("PN: '=' returns to the initial set", () => {
    const raw = 'Hong=\x1b$)C\xfb\xf3=\xfb\xf3';
    expect(decodeText(b(raw), ['', 'ISO 2022 IR 149'], 'PN')).toBe('Hong=洪=ûó');
    expect(decodeText(b(raw), ['', 'ISO 2022 IR 149'], 'LO')).toBe('Hong=洪=洪');
  });

  it("'^' inside a two-byte JIS X 0208 character is not a delimiter", () => {
    // ま is 0x24 0x5E: the 0x5E must stay paired, not reset the set.
    expect(decodeText(b('\x1b$B$d$^$@\x1b(B'), ['', 'ISO 2022 IR 87'], 'PN')).toBe('やまだ');
  });

  it('CR/LF return to the initial set in text', () => {
    expect(decodeText(b('\x1b$B;3ED\r\n;3ED'), ['', 'ISO 2022 IR 87'], 'LT')).toBe('山田\r\n;3ED');
    expect(decodeText(b('\x1b$B;3ED\x1b(B\r\n\x1b$BB@O:\x1b(B'), ['', 'ISO 2022 IR 87'], 'LT')).toBe(
      '山田\r\n太郎',
    );
  });

  it("LT/ST/UT: '\\' is text, not a value delimiter", () => {
    expect(decodeText(b('\x1b-F\xc4\\\xc4'), ['', 'ISO 2022 IR 126'], 'LT')).toBe('Δ\\Δ');
    expect(decodeText(b('\x1b-F\xc4\\\xc4'), ['', 'ISO 2022 IR 126'], 'LO')).toBe('Δ\\Ä');
  });
});

describe('decodeText multi-byte sets', () => {
  it('ISO 2022 IR 87 + IR 159 (JIS X 0212)', () => {
    const raw = 'Mori^Ogai=\x1b$B?9\x1b(B^\x1b$(Dl?\x1b$B30\x1b(B=\x1b$B$b$j\x1b(B^\x1b$B$*$&$,$$\x1b(B';
    expect(decodeText(b(raw), ['ISO 2022 IR 6', 'ISO 2022 IR 87', 'ISO 2022 IR 159'], 'PN')).toBe(
      'Mori^Ogai=森^鷗外=もり^おうがい',
    );
  });

  it('ISO 2022 IR 13 + 87 + 159 mixed in one value', () => {
    const raw = '\x1b$B$"\x1b(Ja\x1b)I\xb1\x1b$B%"\x1b$(DmN\x1b(J';
    expect(decodeText(b(raw), ['ISO 2022 IR 13', 'ISO 2022 IR 87', 'ISO 2022 IR 159'], 'LO')).toBe(
      'あaｱア齩',
    );
  });

  it('ISO 2022 IR 58 (GB 2312)', () => {
    const raw = 'Wang^XiaoDong=\x1b$)A\xcd\xf5^\x1b$)A\xd0\xa1\xb6\xab=';
    expect(decodeText(b(raw), ['', 'ISO 2022 IR 58'], 'PN')).toBe('Wang^XiaoDong=王^小东=');
  });

  it('GBK and GB18030, including 0x5C as a trail byte', () => {
    const raw = 'Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=';
    expect(decodeText(b(raw), ['GBK'], 'PN')).toBe('Wang^XiaoDong=王^小东=');
    expect(decodeText(b(raw), ['GB18030'], 'PN')).toBe('Wang^XiaoDong=王^小东=');
    // 0x95 0x5C is 昞 in GBK: the 0x5C must not split the value.
    expect(decodeText(b('\x95\x5c\\a'), ['GBK'], 'LO')).toBe('昞\\a');
  });

  it('ISO_IR 192 ignores code extensions', () => {
    const raw = 'Buc^J\xc3\xa9r\xc3\xb4me';
    expect(decodeText(b(raw), ['ISO_IR 192', 'ISO 2022 IR 100', 'ISO 2022 IR 144'], 'PN')).toBe('Buc^Jérôme');
  });

  it('invalid bytes become U+FFFD instead of throwing', () => {
    expect(decodeText(b('\x81\x30\xff'), ['GB18030'], 'PN')).toContain('\ufffd');
  });

  // Mislabelled values, as files carry them: one name must read the same in every value of a file.
  it('bytes that are not UTF-8 in a file declaring UTF-8 are read as Latin-1', () => {
    expect(decodeText(b('M\xfcller^J\xfcrgen'), ['ISO_IR 192'], 'PN')).toBe('Müller^Jürgen');
    expect(decodeText(b('\xc4\xe9'), ['ISO_IR 192'], 'PN')).toBe('Äé');
    // Valid UTF-8 stays UTF-8, also in the same file.
    expect(decodeText(Buffer.from('Müller', 'utf8'), ['ISO_IR 192'], 'PN')).toBe('Müller');
  });

  it('UTF-8 bytes in a file declaring Latin-1 or nothing are read as UTF-8', () => {
    const utf8 = Buffer.from('Müller^Jürgen', 'utf8');
    for (const cs of [
      [],
      [''],
      ['ISO_IR 100'],
      ['ISO 2022 IR 100'],
      ['WINDOWS-1252'],
      ['', 'ISO 2022 IR 87'],
    ])
      expect(decodeText(utf8, cs, 'PN')).toBe('Müller^Jürgen');
    // Latin-1 text stays Latin-1: a lone accented letter is never valid UTF-8.
    expect(decodeText(b('M\xfcller'), ['ISO_IR 100'], 'PN')).toBe('Müller');
    expect(decodeText(b('\xc4neas'), [], 'PN')).toBe('Äneas');
  });

  it('other single-byte sets and ISO 2022 escapes are never read as UTF-8', () => {
    // 'ТА' in ISO 8859-5 is C2 B0, which is also UTF-8 for '°'.
    expect(decodeText(b('\xc2\xb0'), ['ISO_IR 144'], 'PN')).toBe('ТА');
    expect(decodeText(b('\xc2\xb0'), ['ISO_IR 101'], 'PN')).toBe('Â°');
    // An escape means the file switches sets as declared: its bytes follow the declaration.
    expect(decodeText(b('\x1b-A\xc3\xbc'), ['', 'ISO 2022 IR 100'], 'LO')).toBe('Ã¼');
  });
});

describe('decodeText charset names', () => {
  it('trims padding in the charset values', () => {
    expect(decodeText(b('\xc4neas'), [' ISO_IR 100 '], 'PN')).toBe('Äneas');
    expect(decodeText(b('\xc4\xe9\xef'), ['ISO_IR 126\0'], 'PN')).toBe('Διο');
  });

  it('accepts a raw backslash-joined value', () => {
    expect(decodeText(b('\x1b$B;3ED\x1b(B'), ['\\ISO 2022 IR 87'], 'PN')).toBe('山田');
  });

  it('patches common misspellings', () => {
    expect(decodeText(b('Buc^J\xc3\xa9r\xc3\xb4me'), ['ISO IR 192'], 'PN')).toBe('Buc^Jérôme');
    expect(decodeText(b('\xbb\xee\xda'), ['ISO-IR 144'], 'PN')).toBe('Люк');
    const greek = 'Dionysios=\x1b-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2';
    expect(decodeText(b(greek), ['ISO_2022-IR 100', 'ISO_2022_IR+126'], 'PN')).toBe('Dionysios=Διονυσιος');
    expect(unknownCharsets(['ISO IR 192', 'ISO_2022_IR+126'])).toEqual([]);
  });

  it('unknown names fall back to Latin-1 and are reported', () => {
    expect(decodeText(b('Buc^J\xe9r\xf4me'), ['UNSUPPORTED'], 'PN')).toBe('Buc^Jérôme');
    expect(decodeText(b('\x80\x9f'), ['UNSUPPORTED'], 'LO')).toBe('\x80\x9f'); // lossless, not windows-1252
    expect(decodeText(b('CITIZEN'), ['ISO 2022 IR 100', 'ISO 2022 IR 146'], 'PN')).toBe('CITIZEN');
    expect(unknownCharsets(['UNSUPPORTED'])).toEqual(['UNSUPPORTED']);
    expect(unknownCharsets(['ISO 2022 IR 100', ' ISO 2022 IR 146 '])).toEqual(['ISO 2022 IR 146']);
    expect(unknownCharsets(['ISO 2022 IR 192', 'ISO_IR 87'])).toEqual(['ISO 2022 IR 192', 'ISO_IR 87']);
    expect(unknownCharsets(['', 'ISO 2022 IR 6', 'ISO_IR 6', 'GB18030', 'GBK'])).toEqual([]);
  });

  it('default repertoire when (0008,0005) is absent or empty, high bytes as Latin-1', () => {
    expect(decodeText(b('CompressedSamples^CT1 '), [], 'PN')).toBe('CompressedSamples^CT1');
    expect(decodeText(b('J\xe9r\xf4me'), [''], 'PN')).toBe('Jérôme');
  });

  it('never throws on an unknown escape sequence', () => {
    expect(decodeText(b('a\x1b$(Qb'), ['', 'ISO 2022 IR 87'], 'LO')).toBe('ab');
    expect(decodeText(b('a\x1b'), ['', 'ISO 2022 IR 87'], 'LO')).toBe('a');
  });
});

describe('decodeText padding and charset-independent VRs', () => {
  it('VRs outside (0008,0005) decode as Latin-1 whatever the charset', () => {
    expect(decodeText(b('1.2.840.10008\0'), ['ISO_IR 192'], 'UI')).toBe('1.2.840.10008');
    expect(decodeText(b(' M '), ['', 'ISO 2022 IR 87'], 'CS')).toBe('M');
    expect(decodeText(b('\xe9'), ['ISO_IR 192'], 'CS')).toBe('é');
    expect(decodeText(b(' 1.5\\2 '), ['GB18030'], 'DS')).toBe('1.5\\2');
  });

  it('strips leading and trailing spaces for SH/LO, trailing only for text and PN', () => {
    expect(decodeText(b('  a \\ b '), [], 'LO')).toBe('a\\b');
    expect(decodeText(b('  a \\ b '), [], 'SH')).toBe('a\\b');
    expect(decodeText(b('  indented  '), [], 'LT')).toBe('  indented');
    expect(decodeText(b('  indented  '), [], 'UT')).toBe('  indented');
    expect(decodeText(b('Doe^John \\Roe '), [], 'PN')).toBe('Doe^John\\Roe');
    expect(decodeText(b('Doe\0'), [], 'PN')).toBe('Doe');
  });
});

describe('encodingFor', () => {
  it.each([
    [[], 'iso-8859-1'],
    [[''], 'iso-8859-1'],
    [['', 'ISO 2022 IR 87'], 'iso-8859-1'],
    [['ISO_IR 100'], 'iso-8859-1'],
    [['ISO_IR 126'], 'iso-8859-7'],
    [['ISO 2022 IR 13', 'ISO 2022 IR 87'], 'shift_jis'],
    [['ISO 2022 IR 149'], 'euc-kr'],
    [['ISO_IR 166'], 'tis-620'],
    [['ISO_IR 192'], 'utf-8'],
    [['GB18030 '], 'gb18030'],
    [['GBK'], 'gbk'],
    [['bogus'], 'iso-8859-1'],
  ])('%j → %s', (cs, label) => {
    expect(encodingFor(cs)).toBe(label);
    expect(() => new TextDecoder(label)).not.toThrow();
  });
});

describe('foldForMatch', () => {
  it.each([
    ['Buc^Jérôme', 'buc jerome'],
    ['Äneas^Rüdiger', 'aneas rudiger'],
    ['  Doe^^John==  ', 'doe john'],
    ['ＹＡＭＡＤＡ\u3000Tarou', 'yamada tarou'],
    ['Yamada^Tarou=山田^太郎=やまだ^たろう', 'yamada tarou 山田 太郎 やまだ たろう'],
    ['ﾔﾏﾀﾞ^ﾀﾛｳ', 'やまだ たろう'], // half-width and full-width katakana, hiragana: one spelling
    ['ヤマダ^タロウ', 'やまだ たろう'],
    ['Mül\u00adler', 'muller'], // a soft hyphen (an ISO_IR 100 character) is invisible
    ['Mül\u200bler\u2060\ufeff\u034f', 'muller'], // so are zero-width spaces, joiners and the BOM
    ['Hong^Gildong=洪^吉洞=홍^길동', 'hong gildong 洪 吉洞 홍 길동'],
    ['İSTANBUL', 'istanbul'],
    ['Çavuşoğlu', 'cavusoglu'],
    ['Wałęsa', 'wałesa'], // ł has no decomposition
  ])('%s → %s', (input, folded) => {
    expect(foldForMatch(input)).toBe(folded);
  });

  it('matches a name across spellings and charsets', () => {
    expect(foldForMatch('ΔΙΟΝΥΣΙΟΣ')).toBe(foldForMatch('Διονυσιος'));
    expect(foldForMatch('JÉRÔME')).toBe(foldForMatch('jerome'));
    // Thai vowel marks and kana voicing are letters, not accents: kept.
    expect(foldForMatch('นามสกุล')).toBe('นามสกุล');
    expect(foldForMatch('だろう')).not.toBe(foldForMatch('たろう'));
  });

  it('folds plain ASCII (its fast path) exactly as the full path would', () => {
    // The full path is forced by a non-ASCII letter at each end ('é' folds to 'e'); the middle must agree.
    const alphabet = 'aZ09 .,-_\'"`^=\t\n/()&#;';
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    for (let k = 0; k < 500; k++) {
      const s = Array.from({ length: 1 + rnd(20) }, () => alphabet[rnd(alphabet.length)]).join('');
      expect(`e${foldForMatch(`x${s}x`)}e`).toBe(foldForMatch(`éx${s}xé`));
    }
    expect(foldForMatch('O`Brien^John\t')).toBe("o'brien john");
  });

  it('folds decoded file text', () => {
    const fx = loadCharsetFile('chrFren.dcm');
    const el = fx.element('x00100010');
    expect(foldForMatch(decodeText(el.bytes, fx.charsets, el.vr))).toBe('buc jerome');
  });
});
