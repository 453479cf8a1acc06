/**
 * Specific Character Set (0008,0005) handling: raw DICOM string bytes → Unicode (PS3.3 C.12.1.1.2, PS3.5 6.1).
 *
 * Everything except UTF-8, GB18030 and GBK is decoded as ISO 2022: a G0 set (bytes 0x21–0x7E) and a G1 set
 * (bytes 0xA0–0xFF), switched by escape sequences. Decoding is lenient — a CD from any scanner must be read,
 * so unknown names, undeclared escapes and bad bytes never throw.
 */

/** What bytes 0x21–0x7E mean. */
type G0 = 'ascii' | 'jisRoman' | 'jisX0208' | 'jisX0212';
/** What bytes 0x80–0xFF mean: a TextDecoder label, half-width katakana, or (null) raw Latin-1. */
type G1 = string | 'katakana' | null;

interface State {
  g0: G0;
  g1: G1;
}

interface CharsetDef {
  /** Label for TextDecoder when the whole value can be decoded in one go (see encodingFor). */
  label: string;
  /** Sets this term designates; undefined for the stand-alone multi-byte encodings. */
  g0?: G0;
  g1?: G1;
}

const LATIN1 = 'iso-8859-1';

/** Keyed by ISO-IR registration number; the 'ISO_IR n' and 'ISO 2022 IR n' forms share the sets. */
const BY_IR: Record<number, CharsetDef> = {
  6: { label: LATIN1, g0: 'ascii' },
  // TextDecoder maps iso-8859-1 to windows-1252: identical for 0xA0–0xFF, and mislabelled Windows text is common.
  100: { label: LATIN1, g1: LATIN1 },
  101: { label: 'iso-8859-2', g1: 'iso-8859-2' },
  109: { label: 'iso-8859-3', g1: 'iso-8859-3' },
  110: { label: 'iso-8859-4', g1: 'iso-8859-4' },
  144: { label: 'iso-8859-5', g1: 'iso-8859-5' },
  127: { label: 'iso-8859-6', g1: 'iso-8859-6' },
  126: { label: 'iso-8859-7', g1: 'iso-8859-7' },
  138: { label: 'iso-8859-8', g1: 'iso-8859-8' },
  148: { label: 'iso-8859-9', g1: 'iso-8859-9' },
  203: { label: 'iso-8859-15', g1: 'iso-8859-15' },
  166: { label: 'tis-620', g1: 'tis-620' },
  13: { label: 'shift_jis', g0: 'jisRoman', g1: 'katakana' },
  87: { label: 'iso-2022-jp', g0: 'jisX0208' },
  159: { label: 'iso-2022-jp', g0: 'jisX0212' },
  149: { label: 'euc-kr', g1: 'euc-kr' },
  // GB 2312 in GR is EUC-CN, a subset of GBK.
  58: { label: 'gbk', g1: 'gbk' },
  192: { label: 'utf-8' },
};

/** IR numbers valid in the 'ISO_IR n' form and in the 'ISO 2022 IR n' form ('ISO_IR 6' is common, if not defined). */
const PLAIN_IRS = new Set([6, 100, 101, 109, 110, 144, 127, 126, 138, 148, 203, 13, 166, 192]);
const EXTENSION_IRS = new Set([
  6, 100, 101, 109, 110, 144, 127, 126, 138, 148, 203, 13, 166, 87, 159, 149, 58,
]);

/** Escape sequences (bytes after ESC) → the set they designate. */
const ESCAPES: Record<string, Partial<State>> = {
  '(B': { g0: 'ascii' },
  '(J': { g0: 'jisRoman' },
  $B: { g0: 'jisX0208' },
  '$@': { g0: 'jisX0208' }, // JIS C 6226-1978, not DICOM but seen in old Japanese data; same code points in practice
  '$(D': { g0: 'jisX0212' },
  ')I': { g1: 'katakana' },
  '-A': { g1: LATIN1 },
  '-B': { g1: 'iso-8859-2' },
  '-C': { g1: 'iso-8859-3' },
  '-D': { g1: 'iso-8859-4' },
  '-L': { g1: 'iso-8859-5' },
  '-G': { g1: 'iso-8859-6' },
  '-F': { g1: 'iso-8859-7' },
  '-H': { g1: 'iso-8859-8' },
  '-M': { g1: 'iso-8859-9' },
  '-b': { g1: 'iso-8859-15' },
  '-T': { g1: 'tis-620' },
  '$)C': { g1: 'euc-kr' },
  '$)A': { g1: 'gbk' },
};

/** VRs whose values are not affected by (0008,0005): always the default repertoire. */
const ASCII_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'TM', 'UI', 'UR']);
/** VRs where leading spaces are insignificant too (PS3.5 6.2). */
const TRIM_BOTH_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'SH', 'TM', 'UI']);
/** Single-valued text VRs: a backslash is content, not a value delimiter. */
const SINGLE_VALUED_VRS = new Set(['LT', 'ST', 'UT', 'UR']);

type Resolved = { kind: 'default' } | { kind: 'known'; def: CharsetDef } | { kind: 'unknown' };

/**
 * Maps one (0008,0005) value to a definition, forgiving common misspellings
 * ('ISO IR 100', 'ISO-IR 144', 'ISO_2022-IR 100', 'ISO_2022_IR+126').
 */
function resolve(term: string): Resolved {
  const t = trimSpaceAndNul(term).toUpperCase();
  if (t === '') return { kind: 'default' };
  if (t === 'GB18030') return { kind: 'known', def: { label: 'gb18030' } };
  if (t === 'GBK') return { kind: 'known', def: { label: 'gbk' } };
  if (t === 'UTF-8' || t === 'UTF8') return { kind: 'known', def: BY_IR[192] };
  const ext = /^ISO[ _-]?2022[ _-]?IR[ _+-]?(\d+)$/.exec(t);
  const plain = ext ? null : /^ISO[ _-]?IR[ _+-]?(\d+)$/.exec(t);
  const ir = Number((ext ?? plain)?.[1]);
  const allowed = ext ? EXTENSION_IRS : PLAIN_IRS;
  if (!allowed.has(ir)) return { kind: 'unknown' };
  return ir === 6 ? { kind: 'default' } : { kind: 'known', def: BY_IR[ir] };
}

/** Values of (0008,0005), tolerating a caller that passes the raw backslash-joined string as one value. */
function values(specificCharacterSet: readonly string[]): string[] {
  return specificCharacterSet.flatMap((v) => v.split('\\'));
}

/** (0008,0005) values this module cannot interpret (decoded as Latin-1 / ignored), trimmed, for reporting. */
export function unknownCharsets(specificCharacterSet: readonly string[]): string[] {
  return values(specificCharacterSet)
    .filter((v) => resolve(v).kind === 'unknown')
    .map((v) => trimSpaceAndNul(v));
}

/** TextDecoder label for the initial character set (value 1); 'iso-8859-1' for the default repertoire. */
export function encodingFor(specificCharacterSet: readonly string[]): string {
  const first = resolve(values(specificCharacterSet)[0] ?? '');
  return first.kind === 'known' ? first.def.label : LATIN1;
}

/** Set active at the start of a value and after each reset point (PS3.5 6.1.2.5.3). */
function initialState(first: Resolved): State {
  if (first.kind !== 'known') return { g0: 'ascii', g1: null };
  const def = first.def;
  // A double-byte G0 set as value 1 is non-conformant; starting in it would turn plain ASCII into kanji.
  const g0 = def.g0 === 'jisX0208' || def.g0 === 'jisX0212' ? 'ascii' : (def.g0 ?? 'ascii');
  return { g0, g1: def.g1 ?? null };
}

const decoders = new Map<string, InstanceType<typeof TextDecoder>>();
function decodeWith(label: string, bytes: Uint8Array): string {
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label); // non-fatal: bad bytes become U+FFFD rather than throwing
    decoders.set(label, d);
  }
  return d.decode(bytes);
}

/** Byte-for-byte Latin-1: lossless, so nothing is hidden when the charset is unknown. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Decodes one run of bytes that all belong to the same G0 or G1 set. */
function decodeRun(set: G0 | G1, bytes: Uint8Array): string {
  switch (set) {
    case null: // no G1 set designated: keep the byte values (lossless)
    case 'ascii':
    case 'jisRoman': // JIS X 0201 Roman has ¥ and ‾ at 0x5C/0x7E; ASCII keeps 0x5C usable as the value delimiter
      return latin1(bytes);
    case 'jisX0208':
      // JIS X 0208 in GL is EUC-JP with the high bit cleared.
      return decodeWith(
        'euc-jp',
        bytes.map((b) => b | 0x80),
      );
    case 'jisX0212': {
      // EUC-JP reaches JIS X 0212 through the single-shift SS3 (0x8F) before each pair.
      const out: number[] = [];
      for (let i = 0; i < bytes.length; i += 2) out.push(0x8f, bytes[i] | 0x80, (bytes[i + 1] ?? 0) | 0x80);
      return decodeWith('euc-jp', Uint8Array.from(out));
    }
    case 'katakana': {
      // JIS X 0201 katakana in GR → Unicode half-width katakana block.
      let s = '';
      for (const b of bytes) s += String.fromCharCode(b >= 0xa1 && b <= 0xdf ? 0xff61 + b - 0xa1 : 0xfffd);
      return s;
    }
    default:
      return decodeWith(set, bytes);
  }
}

const ESC = 0x1b;
const isDoubleByte = (g0: G0): boolean => g0 === 'jisX0208' || g0 === 'jisX0212';

/** ISO 2022 decoding: tracks G0/G1, splits into runs per set, resets to `initial` at delimiters. */
function decodeIso2022(bytes: Uint8Array, initial: State, vr: string): string {
  if (initial.g0 === 'ascii' && initial.g1 !== 'katakana' && !bytes.includes(ESC)) {
    // Fast path: no switching possible, and these G1 decoders are all ASCII-compatible.
    return initial.g1 === null ? latin1(bytes) : decodeWith(initial.g1, bytes);
  }
  const resetAtBackslash = !SINGLE_VALUED_VRS.has(vr);
  const isPN = vr === 'PN';
  let state: State = { ...initial };
  let out = '';
  let runSet: G0 | G1 | undefined;
  let run: number[] = [];

  const flush = (): void => {
    if (runSet !== undefined && run.length > 0) out += decodeRun(runSet, Uint8Array.from(run));
    run = [];
    runSet = undefined;
  };
  const push = (set: G0 | G1, b: number): void => {
    if (set !== runSet) {
      flush();
      runSet = set;
    }
    run.push(b);
  };

  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === ESC) {
      // ESC, intermediates 0x20–0x2F, one final byte 0x30–0x7E.
      let j = i + 1;
      while (j < bytes.length && bytes[j] >= 0x20 && bytes[j] <= 0x2f) j++;
      if (j < bytes.length && bytes[j] >= 0x30 && bytes[j] <= 0x7e) {
        const designation = ESCAPES[String.fromCharCode(...bytes.subarray(i + 1, j + 1))];
        if (designation) state = { ...state, ...designation };
        // Unknown sequences are dropped: their set cannot be decoded, and the bytes are not text.
        i = j;
      }
      continue;
    }
    if (b >= 0x80) {
      push(state.g1, b);
      continue;
    }
    if (b >= 0x21 && b <= 0x7e && isDoubleByte(state.g0)) {
      // Part of a two-byte character, even if it equals '^' or '\': those are delimiters only in a 1-byte set.
      push(state.g0, b);
      continue;
    }
    // Single-byte G0 character, space or control.
    push(isDoubleByte(state.g0) ? 'ascii' : state.g0, b);
    // PS3.5 6.1.2.5.3: the initial set is back in force after controls, value and (PN) name delimiters.
    if (b < 0x20 || (resetAtBackslash && b === 0x5c) || (isPN && (b === 0x5e || b === 0x3d)))
      state = { ...initial };
  }
  flush();
  return out;
}

/** Removes DICOM padding per PS3.5 6.2, value by value for multi-valued VRs. */
const isPad = (c: number) => c === 0x20 || c === 0;
const isSpaceOrNul = (c: number) => c === 0 || c === 0x20 || (c >= 0x09 && c <= 0x0d);

/**
 * Trims white space and NULs from both ends in linear time. `s.replace(/^[\s\0]+|[\s\0]+$/g, '')` is
 * quadratic on long padding runs followed by text, which hostile files can hold.
 */
export function trimSpaceAndNul(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpaceOrNul(s.charCodeAt(start))) start++;
  while (end > start && isSpaceOrNul(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** Index loops, not regexes: `/[ \0]+$/` is quadratic on long pad runs followed by text. */
function trimEnd(v: string): string {
  let end = v.length;
  while (end > 0 && isPad(v.charCodeAt(end - 1))) end--;
  return v.slice(0, end);
}

function trimBoth(v: string): string {
  let start = 0;
  while (start < v.length && isPad(v.charCodeAt(start))) start++;
  return trimEnd(v.slice(start));
}

function trimPadding(s: string, vr: string): string {
  const trimValue = TRIM_BOTH_VRS.has(vr) ? trimBoth : trimEnd;
  if (SINGLE_VALUED_VRS.has(vr)) return trimValue(s);
  return s.split('\\').map(trimValue).join('\\');
}

/**
 * Decodes a DICOM string value's raw bytes using the (0008,0005) values in effect, and removes padding.
 * Multiple values stay joined by '\'. Never throws: unknown charsets decode as Latin-1.
 */
export function decodeText(bytes: Uint8Array, specificCharacterSet: readonly string[], vr: string): string {
  const v = vr.toUpperCase();
  if (ASCII_VRS.has(v)) return trimPadding(latin1(bytes), v);
  const first = resolve(values(specificCharacterSet)[0] ?? '');
  let text: string;
  if (first.kind === 'known' && first.def.g0 === undefined && first.def.g1 === undefined) {
    // UTF-8, GB18030, GBK: no code extensions allowed, any further values are ignored.
    text =
      first.def.label === 'utf-8'
        ? (strictUtf8(bytes) ?? decodeWith(LATIN1, bytes))
        : decodeWith(first.def.label, bytes);
  } else {
    const initial = initialState(first);
    const utf8 = readsAsLatin1(initial) ? mislabelledUtf8(bytes) : undefined;
    text = utf8 ?? decodeIso2022(bytes, initial, v);
  }
  return trimPadding(text, v);
}

/*
 * Mislabelled text. Files often say one set and hold another: a system writing UTF-8 into a file that declares
 * Latin-1 or nothing, or Latin-1 bytes into one that declares UTF-8, value by value. Read literally, the same name
 * would be 'Müller' in one value and 'MÃ¼ller' or 'M�ller' in the next, and identity found in one would not be
 * recognised in the other. Both mistakes are told apart from real text by the bytes themselves: text that is not
 * UTF-8 cannot be meant as UTF-8, and Latin-1 text that happens to be valid multi-byte UTF-8 ('Ã¼') does not occur
 * in names or descriptions.
 */
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Where bytes above 0x7F read as Latin-1 (declared, the default repertoire, or an unknown term). */
const readsAsLatin1 = (s: State) => s.g0 === 'ascii' && (s.g1 === null || s.g1 === LATIN1);

/**
 * The text, when `bytes` (declared Latin-1 or default) hold at least one multi-byte UTF-8 character, are valid
 * UTF-8 and switch no set with an escape. Plain ASCII (most values) costs one pass that finds no high byte.
 */
function mislabelledUtf8(bytes: Uint8Array): string | undefined {
  let high = false;
  for (let i = 0; i < bytes.length && !high; i++) high = bytes[i] >= 0xc2;
  return high && !bytes.includes(ESC) ? strictUtf8(bytes) : undefined;
}

/** No character above U+007F (a code-point test, so no control-character regex is needed). */
const isPlainAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
};

/**
 * Diacritics that only decorate a letter (Latin/Greek/Cyrillic accents, Hebrew and Arabic vowel points).
 * Other combining marks are letters in all but name (Thai vowels, kana voicing: た≠だ) and are kept.
 */
const DIACRITIC =
  /[\u0300-\u036f\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u064b-\u065f\u0670\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/u;

/**
 * Normalises text for matching identity tokens across charsets and spellings:
 * 'Buc^Jérôme' → 'buc jerome', 'ＹＡＭＡＤＡ' → 'yamada', 'ﾔﾏﾀﾞ' → 'やまだ', 'O’Brien' → "o'brien", 'Mül\u00adler' → 'muller'.
 */
export function foldForMatch(s: string): string {
  // Most header text is plain ASCII, where every step below but these is a no-op (hot in the second lock).
  if (isPlainAscii(s))
    return s
      .toLowerCase()
      .replace(/`/g, "'")
      .replace(/[\s^=]+/g, ' ')
      .trim();
  return (
    s
      .toLowerCase() // locale-independent, unlike toLocaleLowerCase
      .normalize('NFKD') // compatibility forms (full-width, half-width, ligatures) and separable accents
      .replace(/\p{M}/gu, (m) => (DIACRITIC.test(m) ? '' : m))
      .normalize('NFC') // recompose what was kept (kana voicing, Hangul syllables)
      // Invisible characters (soft hyphen, zero-width space and joiners, BOM, grapheme joiner) split no word.
      .replace(/[\p{Cf}\u034f]/gu, '')
      // The same name in katakana and hiragana (ヤマダ, やまだ): one spelling.
      .replace(/[\u30a1-\u30f6\u30fd\u30fe]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60))
      .replace(/ς/g, 'σ') // final sigma is the same letter; lower-casing an all-caps name produces it
      .replace(/[\u2018\u2019\u02bc\u0060]/g, "'") // O’Brien typed in a report is the O'Brien of the PN
      .replace(/[\s^=]+/gu, ' ')
      .trim()
  );
}
