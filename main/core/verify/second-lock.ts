/**
 * The second lock: an independent re-read of every de-identified output file, proving no identity token survived.
 *
 * It deliberately shares no parsing code with main/core/dicom/parse.ts (it reads with the `dicom-parser` package),
 * so a bug in our own parser or writer cannot hide its own leak. Everything is searched: File Meta, every element
 * at every depth (private, unknown, UN holding implicit-VR sequences), each value decoded in the character set in
 * force where it sits, the raw bytes of each value (Latin-1 and UTF-8 spellings), and finally every byte no element
 * accounts for (preamble, headers of duplicate elements dicom-parser silently overwrote). Only bulk image/signal
 * data is skipped.
 *
 * Results name the category of a token, never the token or the value, so they can be logged.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import {
  ByteStream,
  littleEndianByteArrayParser,
  parseDicom,
  readSequenceItemsImplicit,
  type DataSet,
  type Element,
  type ParseDicomOptions,
} from 'dicom-parser';
import { decodeText, foldForMatch, trimSpaceAndNul } from '../dicom/charset';
import { lookup } from '../dicom/dictionary';
import {
  CJK,
  codedNameWords,
  codedComponentHasName,
  compactMatchers,
  compactMatches,
  type CompactMatcher,
  TRANSLITERABLE,
  transliterate,
  type IdentityTokens,
  type TokenCategory,
} from './identity-tokens';
import { datesAmong } from './text-dates';

export interface VerifyHit {
  /** 'GGGGEEEE' of the element; '' for bytes outside every parsed element. */
  tag: string;
  /** e.g. '00081115[0].00081155'; 'preamble' or 'bytes@<offset>' for bytes outside every parsed element. */
  path: string;
  /** 'text'/'uid': found in a decoded text value; 'raw': in a binary value, or only in the value's bytes. */
  kind: 'text' | 'uid' | 'raw';
  /** The category of the token found — never the token itself. */
  token: TokenCategory;
}

export interface VerifyResult {
  ok: boolean;
  hits: VerifyHit[];
  /** Why the file could not be fully read; such a file is never ok (the caller quarantines it). */
  error?: string;
}

export interface VerifyOptions {
  readFile?: (p: string) => Promise<Buffer>;
  /** Larger files are read without their Pixel Data (default 64 MiB); also the first header read size if smaller than 1 MiB. */
  maxWholeFileBytes?: number;
}

type Boundary = 'word' | 'none' | 'uid' | 'datePrefix';

interface Needle {
  category: TokenCategory;
  /** Folded text token, or the UID as is. */
  text: string;
  boundary: Boundary;
  /** Two characters and not CJK: matched only as a whole word, and only in values known to be text. */
  short: boolean;
  /** All digits: only searched in IS/DS/UI values if at least MIN_DIGITS_IN_NUMBERS long. */
  digits: number;
  /** Byte spellings (Latin-1, UTF-8) as ASCII-lower-cased Latin-1 strings, matched against the value's bytes. */
  raw: string[];
}

const WHOLE_FILE_LIMIT = 64 * 1024 * 1024;
const FIRST_HEAD = 1024 * 1024;
const WINDOW = 8 * 1024 * 1024;
/** Longer than any token's spellings, so a token across a window edge is whole in one of the windows. */
const WINDOW_OVERLAP = 4096;
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';

/** Numbers and UIDs: a short number (ID '123') inside them is a count or UID component, not an identifier. */
const NUMBER_VRS = new Set(['DS', 'IS', 'UI']);
const MIN_DIGITS_IN_NUMBERS = 6;
const NOT_FOR_COMPACTS = new Set(['DS', 'IS', 'UI', 'DA', 'DT', 'TM', 'AS']);
const TEXT_VRS = new Set('AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT'.split(' '));
/** VRs dicom-parser reads with a 12-byte explicit header (its list, so our byte accounting matches its parse). */
const LONG_HEADER_VRS = new Set(['OB', 'OD', 'OL', 'OW', 'SQ', 'OF', 'UC', 'UR', 'UT', 'UN']);

const isWordChar = (c: string): boolean => /[\p{L}\p{N}]/u.test(c);
/** Raw haystacks are ASCII-lower-cased Latin-1: a byte is a word character only if it is an ASCII letter/digit. */
const isAsciiWord = (c: string): boolean => /[0-9a-z]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
const latin1 = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

// ---- tokens ----------------------------------------------------------------------------------------------------

function rawPatterns(variants: string[]): string[] {
  const out = new Set<string>();
  for (const v of new Set(variants)) {
    // Latin-1 spelling when representable: its code units are then its bytes.
    if ([...v].every((c) => c.charCodeAt(0) <= 0xff)) out.add(asciiLower(v));
    out.add(asciiLower(Buffer.from(v, 'utf8').toString('latin1')));
  }
  return [...out];
}

/** Needles by the first two code units of what they match: a value is only tested against needles whose start it holds. */
type NeedleIndex = Map<number, number[]>;

interface Compiled {
  /** Text needles (UIDs are looked up in `uids` instead). */
  needles: Needle[];
  /** IDs and phone numbers matched whatever separators stand between their letters and digits. */
  compacts: CompactMatcher[];
  /** Name words looked for as whole words in coded values (codedNameWords). */
  nameWords: Set<string>;
  uids: Set<string>;
  /** Folded texts of `needles`, by their first two code units. */
  textIndex: NeedleIndex;
  /** Raw spellings of `needles`, by their first two code units. */
  rawIndex: NeedleIndex;
  /** Birth dates (YYYYMMDD), looked for in text in every form findTextDates reads. */
  birthDates: Set<string>;
}

const compiled = new WeakMap<IdentityTokens, Compiled>();

const bigram = (s: string, i: number): number => s.charCodeAt(i) * 0x10000 + s.charCodeAt(i + 1);

function indexBy(needles: Needle[], spellings: (n: Needle) => string[]): NeedleIndex {
  const index: NeedleIndex = new Map();
  needles.forEach((n, k) => {
    for (const key of new Set(
      spellings(n)
        .filter((s) => s.length >= 2)
        .map((s) => bigram(s, 0)),
    )) {
      const list = index.get(key);
      if (list) list.push(k);
      else index.set(key, [k]);
    }
  });
  return index;
}

/** Sets `flag` in `marks` for every needle of `index` whose first two code units occur in `hay`. */
function markCandidates(hay: string, index: NeedleIndex, marks: Uint8Array, flag: number): void {
  for (let i = 0; i + 1 < hay.length; i++) {
    const list = index.get(bigram(hay, i));
    if (list) for (const k of list) marks[k] |= flag;
  }
}

/** Tokens → needles, once per IdentityTokens object (a batch verifies hundreds of files with the same tokens). */
function compile(tokens: IdentityTokens): Compiled {
  const cached = compiled.get(tokens);
  if (cached) return cached;
  const needles: Needle[] = [];
  tokens.texts.forEach((t, i) => {
    const text = foldForMatch(t);
    const chars = [...text].length;
    if (chars < 2) return;
    const category = tokens.textCategories?.[i] ?? 'text';
    const cjk = CJK.test(text);
    // A compact date may run straight into a time (DT '19600101083000'), so only its start needs a boundary.
    const boundary: Boundary = cjk
      ? 'none'
      : category === 'date' && /^\d{8}$/.test(text)
        ? 'datePrefix'
        : 'word';
    const short = !cjk && chars < 3;
    const unaccented = t.normalize('NFKD').replace(/\p{M}/gu, '');
    const digits = /^\d+$/.test(text) ? text.length : 0;
    needles.push({
      category,
      text,
      boundary,
      short,
      digits,
      raw: short ? [] : rawPatterns([t, t.toLowerCase(), t.toUpperCase(), unaccented, text]),
    });
  });
  const uids = new Set(tokens.uids.map(trimSpaceAndNul).filter((u) => u.length >= 3));
  const result: Compiled = {
    needles,
    compacts: compactMatchers(tokens),
    nameWords: codedNameWords(tokens),
    uids,
    textIndex: indexBy(needles, (n) => [n.text]),
    rawIndex: indexBy(needles, (n) => n.raw),
    birthDates: new Set(tokens.birthDates ?? []),
  };
  compiled.set(tokens, result);
  return result;
}

/** The (possibly astral) character ending just before index i / starting at index i. */
function charBefore(s: string, i: number): string {
  if (i <= 0) return '';
  const lo = s.charCodeAt(i - 1);
  return lo >= 0xdc00 && lo <= 0xdfff && i >= 2 ? s.slice(i - 2, i) : s[i - 1];
}
const charAt = (s: string, i: number): string =>
  i < s.length ? String.fromCodePoint(s.codePointAt(i)!) : '';

/** Whether `needle` occurs in `hay` not glued to neighbouring letters/digits (per the boundary rule). */
function occurs(hay: string, needle: string, boundary: Boundary, isWord: (c: string) => boolean): boolean {
  const first = charAt(needle, 0);
  const last = charBefore(needle, needle.length);
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + 1)) {
    const end = i + needle.length;
    if (boundary === 'none') return true;
    if (boundary === 'uid') {
      // '1.2.3' must not match inside '1.2.3.4' or '11.2.3', but may end a sentence: 'UID 1.2.3.'
      const glued =
        isDigit(hay[i - 1]) ||
        (hay[i - 1] === '.' && isDigit(hay[i - 2])) ||
        isDigit(hay[end]) ||
        (hay[end] === '.' && isDigit(hay[end + 1]));
      if (!glued) return true;
      continue;
    }
    const before = charBefore(hay, i);
    const after = charAt(hay, end);
    const okBefore = !before || !isWord(first) || !isWord(before);
    const okAfter = boundary === 'datePrefix' || !after || !isWord(last) || !isWord(after);
    // A number token inside a decimal ('12345' in '0.12345' or '12345.6') is a measurement, as cleaning judges it.
    const inDecimal =
      (isDigit(first) && hay[i - 1] === '.' && isDigit(hay[i - 2])) ||
      (boundary !== 'datePrefix' && isDigit(last) && hay[end] === '.' && isDigit(hay[end + 1]));
    if (okBefore && okAfter && !inDecimal) return true;
  }
  return false;
}

/**
 * Whether any UID of `uids` stands in `hay` not glued to other digits or dotted digits: every maximal run
 * of digits and dots is split at '..' and stripped of outer dots, then looked up (same rule as `occurs`).
 */
function hasUid(hay: string, uids: Set<string>): boolean {
  for (const m of hay.matchAll(/[0-9.]{3,}/g)) {
    for (const part of m[0].split(/\.{2,}/)) {
      let a = 0;
      let b = part.length;
      while (a < b && part[a] === '.') a++;
      while (b > a && part[b - 1] === '.') b--;
      if (b - a >= 3 && uids.has(part.slice(a, b))) return true;
    }
  }
  return false;
}

// ---- walking the data set --------------------------------------------------------------------------------------

interface Walk extends Compiled {
  bytes: Uint8Array;
  hits: Map<string, VerifyHit>;
  /** Byte ranges accounted for by parsed headers and values; the rest is scanned raw at the end. */
  covered: Array<[number, number]>;
}

function addHit(w: Walk, hit: VerifyHit): void {
  w.hits.set(`${hit.path}|${hit.kind}|${hit.token}`, hit);
}

/** Pixel, overlay, curve, waveform and spectroscopy samples: images and signals, not text. Even groups only. */
function isBulk(tag: string): boolean {
  const group = parseInt(tag.slice(0, 4), 16);
  if (group & 1) return false; // odd groups are private: searched like any other element
  const element = parseInt(tag.slice(4), 16);
  // Pixel Data, Float Pixel Data, Double Float Pixel Data.
  if (group === 0x7fe0) return element === 0x0010 || element === 0x0008 || element === 0x0009;
  // Repeating groups are the even groups xx00-xx1E (PS3.5 7.6); (6020,3000) or (7FE0,0020) are no image.
  const repeating = (group & 0xff) <= 0x1e;
  const high = group >> 8;
  if (repeating && high === 0x7f && element === 0x0010) return true; // retired Variable Pixel Data
  if (repeating && (high === 0x60 || high === 0x50) && element === 0x3000) return true; // Overlay, retired Curve Data
  return (
    tag === '54001010' || // Waveform Data
    tag === '56000010' || // First Order Phase Correction Angle
    tag === '56000020' // Spectroscopy Data
  );
}

function headerLength(el: Element): number {
  // Implicit VR (vr undefined) and short explicit headers are 8 bytes; OB/OW/SQ/UN/... explicit headers 12.
  return el.vr !== undefined && LONG_HEADER_VRS.has(el.vr) ? 12 : 8;
}

/** The VR to decode a value with: explicit VR, else the dictionary's (implicit files, UN); undefined if unknown. */
function vrOf(el: Element, tag: string): string | undefined {
  if (el.vr && el.vr !== 'UN') return el.vr;
  const vr = lookup(parseInt(tag, 16))?.vr;
  return vr && vr !== 'UN' ? vr : undefined;
}

/** Printable bytes (any charset), tabs, line breaks and ISO 2022 escapes, optionally NUL/space padded. */
function looksLikeText(v: Uint8Array): boolean {
  let end = v.length;
  while (end > 0 && (v[end - 1] === 0 || v[end - 1] === 0x20)) end--;
  if (end === 0) return false;
  for (let i = 0; i < end; i++) {
    const b = v[i];
    if (b < 0x20 ? b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b : b === 0x7f)
      return false;
  }
  return true;
}

/**
 * dicom-parser warns when an implicit-VR element shorter than 4 bytes ends the file (it peeks for a sequence
 * item). That loses nothing — element bounds are checked separately — unlike its other warnings.
 */
const harmlessWarning = (w: string): boolean =>
  w.startsWith('eof encountered before finding sequence item tag or sequence delimiter tag in peeking');

/**
 * Items of a value that is really an implicit-VR little-endian sequence: UN elements (PS3.5 6.2.2) and private
 * sequences in implicit files, which dicom-parser leaves unparsed (or parses and then drops the items of).
 */
function implicitItems(el: Element, bytes: Uint8Array): Element[] | undefined {
  if (el.vr !== undefined && el.vr !== 'UN') return undefined;
  const o = el.dataOffset;
  if (
    el.length < 8 ||
    bytes[o] !== 0xfe ||
    bytes[o + 1] !== 0xff ||
    bytes[o + 2] !== 0x00 ||
    bytes[o + 3] !== 0xe0
  )
    return undefined;
  try {
    const stream = new ByteStream(littleEndianByteArrayParser, bytes, o);
    const seq = { tag: el.tag, length: el.length, dataOffset: o } as Element;
    readSequenceItemsImplicit(stream, seq);
    // Anything but an exact fit means these bytes were not a sequence after all: search them as a blob.
    return stream.warnings.every(harmlessWarning) && stream.position === o + el.length
      ? seq.items
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs of spaces/NULs shrunk to their first byte. decodeText trims padding with a regex that is quadratic in a
 * long run followed by text (a 1 MB blob of NULs would take minutes); one pad byte is as good a word boundary as
 * many, and 0x00/0x20 are never part of a multi-byte character in any DICOM character set.
 */
const isPadByte = (b: number): boolean => b === 0x00 || b === 0x20;

function collapsePadRuns(v: Uint8Array): Uint8Array {
  const isPad = isPadByte;
  let out: Uint8Array | undefined;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    if (i > 0 && isPad(v[i]) && isPad(v[i - 1])) {
      if (!out) {
        out = new Uint8Array(v.length);
        out.set(v.subarray(0, i));
        n = i;
      }
      continue;
    }
    if (out) out[n++] = v[i];
  }
  return out ? out.subarray(0, n) : v;
}

/** Runs of four or more Latin-1 characters written as UTF-16 (either byte order), NULs dropped, one per line. */
function utf16Strings(bytes: string): string {
  const runs = bytes.match(/(?:[\x20-\x7e\xa0-\xff]\0){4,}|(?:\0[\x20-\x7e\xa0-\xff]){4,}/g);
  return runs ? runs.map((r) => r.replace(/\0/g, '')).join('\n') : '';
}

function searchValue(
  value: Uint8Array,
  vr: string | undefined,
  charset: string[],
  tag: string,
  path: string,
  w: Walk,
): void {
  if (value.length === 0) return;
  const textual = vr ? TEXT_VRS.has(vr) : looksLikeText(value);
  // Binary values are decoded too: a blob may hold text in the file's charset (e.g. ISO 2022 Japanese).
  const decoded = decodeText(collapsePadRuns(value), charset, textual ? (vr ?? 'LO') : 'OB');
  if (w.uids.size && (hasUid(decoded, w.uids) || (!textual && hasUid(latin1(value), w.uids)))) {
    addHit(w, { tag, path, kind: textual ? 'uid' : 'raw', token: 'uid' });
  }
  if (textual && w.birthDates.size && datesAmong(decoded, w.birthDates).length)
    addHit(w, { tag, path, kind: 'text', token: 'date' });
  // Text in UTF-16 inside a binary blob (a vendor's XML in an OB): its runs of letters are searched as text.
  if (!textual) {
    const utf16 = utf16Strings(latin1(value));
    if (utf16) searchValue(Buffer.from(utf16, 'latin1'), 'UT', [], tag, path, w);
  }
  if (!w.needles.length) return;
  const folded = foldForMatch(decoded);
  // 'Müller' in the file must also match a token spelled 'Mueller' (the builder covers the reverse).
  const translit = TRANSLITERABLE.test(decoded) ? foldForMatch(transliterate(decoded)) : undefined;
  const rawHay = asciiLower(latin1(value));
  // Only needles whose first two characters occur somewhere are searched for: most values hold none of them.
  const marks = new Uint8Array(w.needles.length);
  markCandidates(folded, w.textIndex, marks, TEXT_CANDIDATE);
  if (translit !== undefined) markCandidates(translit, w.textIndex, marks, TEXT_CANDIDATE);
  markCandidates(rawHay, w.rawIndex, marks, RAW_CANDIDATE);
  const coded = vr === 'CS' || CODE_TAGS.has(tag);
  for (let k = 0; k < w.needles.length; k++) {
    if (!marks[k]) continue;
    const n = w.needles[k];
    // Two-letter tokens in binary data would match random byte pairs.
    if (n.short && !textual) continue;
    // Coded strings are vocabulary ('CT', 'TEXT', 'PATIENT'): names and words are not searched there, IDs and dates are.
    if (coded && (n.category === 'name' || n.category === 'text')) continue;
    if (n.digits && n.digits < MIN_DIGITS_IN_NUMBERS && vr && NUMBER_VRS.has(vr)) continue;
    let kind: VerifyHit['kind'] | undefined;
    if (
      marks[k] & TEXT_CANDIDATE &&
      (occurs(folded, n.text, n.boundary, isWordChar) ||
        (translit !== undefined && occurs(translit, n.text, n.boundary, isWordChar)))
    )
      // Found in a value that is not text (OB blob, binary private data): report it as found in the bytes.
      kind = textual ? 'text' : 'raw';
    else if (marks[k] & RAW_CANDIDATE && n.raw.some((p) => occurs(rawHay, p, n.boundary, isAsciiWord)))
      kind = 'raw';
    if (kind) addHit(w, { tag, path, kind, token: n.category });
  }
  // A name typed into a coded field: whole name words only, so vocabulary never collides with a short name.
  if (coded && w.nameWords.size && decoded.split('\\').some((c) => codedComponentHasName(c, w.nameWords)))
    addHit(w, { tag, path, kind: 'text', token: 'name' });
  // '555.123.4567' for '(555) 123-4567', 'ACC 99812' for 'ACC-99812'. Text only: in numbers, dates and times
  // ('0.123456', '142825.000000' where the ID was made from the study time) and in bytes, digits are something else.
  // Checked last, only when nothing else was found here: the other spelling of a token already reported.
  const alreadyHit = w.hits.size > 0 && [...w.hits.values()].some((h) => h.path === path);
  if (w.compacts.length && textual && !alreadyHit && !(vr && NOT_FOR_COMPACTS.has(vr))) {
    const letters = folded.replace(/[^\p{L}\p{N}]/gu, '');
    if (w.compacts.some((c) => compactMatches(folded, letters, c).length))
      addHit(w, { tag, path, kind: 'text', token: 'id' });
  }
}

const TEXT_CANDIDATE = 1;
const RAW_CANDIDATE = 2;

/**
 * Top-level elements ClearDisc writes whole from fixed text (the de-identification method, its code
 * sequence, the implementation version): nothing of the source can be in them, and their words
 * ('Patient', 'Profile') would otherwise match patients whose names are ordinary words.
 */
const AUTHORED = new Set(['00120063', '00120064', '00020012', '00020013']);
/** Code Value, Coding Scheme Designator/Version, Long and URN Code Values: vocabulary like CS. */
const CODE_TAGS = new Set(['00080100', '00080102', '00080103', '00080119', '00080120']);

function visitElement(el: Element, charset: string[], prefix: string, w: Walk): void {
  // dicom-parser invents a Transfer Syntax element with no bytes for raw data sets.
  if (typeof el.dataOffset !== 'number') return;
  const tag = el.tag.slice(1).toUpperCase();
  const path = prefix + tag;
  w.covered.push([el.dataOffset - headerLength(el), el.dataOffset]);
  if (tag.startsWith('FFFE')) return; // item / sequence delimiters
  if (prefix === '' && AUTHORED.has(tag)) {
    w.covered.push([el.dataOffset, el.dataOffset + el.length]);
    return;
  }
  const end = el.dataOffset + el.length;
  if (end > w.bytes.length) throw new Error('an element runs past the end of the file');
  // Pixel Data belongs at the top only (waveform samples are nested by design): anywhere else it is searched.
  if (isBulk(tag) && !(prefix !== '' && tag === '7FE00010')) {
    w.covered.push([el.dataOffset, end]);
    return;
  }
  const items = el.items ?? implicitItems(el, w.bytes);
  if (items) {
    items.forEach((item, i) => {
      w.covered.push([item.dataOffset - 8, item.dataOffset]);
      if (item.dataSet) visitDataSet(item.dataSet, charset, `${path}[${i}].`, w);
    });
    return;
  }
  w.covered.push([el.dataOffset, end]);
  // Huge private blobs (vendor raw data) are searched in overlapping windows: no value becomes one giant string.
  for (let o = el.dataOffset; o < end; o += WINDOW - WINDOW_OVERLAP) {
    searchValue(w.bytes.subarray(o, Math.min(end, o + WINDOW)), vrOf(el, tag), charset, tag, path, w);
    if (o + WINDOW >= end) break;
  }
}

function visitDataSet(ds: DataSet, inherited: string[], prefix: string, w: Walk): void {
  // Specific Character Set may be redefined in a sequence item; it then applies to that item only.
  const own = ds.elements.x00080005;
  const charset =
    own && own.length > 0
      ? latin1(w.bytes.subarray(own.dataOffset, own.dataOffset + own.length)).split('\\')
      : inherited;
  for (const el of Object.values(ds.elements)) visitElement(el, charset, prefix, w);
}

/** Raw search of every byte no parsed header or value accounts for. */
function scanGaps(w: Walk): void {
  const ranges = w.covered.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const gaps: Array<[number, number]> = [];
  let pos = 0;
  for (const [a, b] of ranges) {
    if (a > pos) gaps.push([pos, a]);
    pos = Math.max(pos, b);
  }
  if (pos < w.bytes.length) gaps.push([pos, w.bytes.length]);
  for (const [a, b] of gaps) {
    if (b - a < 3) continue;
    const hay = asciiLower(latin1(w.bytes.subarray(a, b)));
    const path = a < 132 ? 'preamble' : `bytes@${a}`;
    if (w.uids.size && hasUid(hay, w.uids)) addHit(w, { tag: '', path, kind: 'raw', token: 'uid' });
    const marks = new Uint8Array(w.needles.length);
    markCandidates(hay, w.rawIndex, marks, RAW_CANDIDATE);
    w.needles.forEach((n, k) => {
      if (marks[k] && n.raw.some((p) => occurs(hay, p, n.boundary, isAsciiWord)))
        addHit(w, { tag: '', path, kind: 'raw', token: n.category });
    });
  }
}

// ---- entry points ----------------------------------------------------------------------------------------------

const isUpper = (b: number | undefined): boolean => b !== undefined && b >= 0x41 && b <= 0x5a;

/**
 * dicom-parser options for these bytes. Part 10 files need none. A raw data set (no preamble/File Meta, as old
 * discs stored them) is accepted only if it starts like one — group 0002 or 0008 — with explicit VR if bytes 4–5
 * spell a VR; anything else is not DICOM.
 */
function parseOptions(bytes: Buffer): ParseDicomOptions {
  if (bytes.length >= 132 && bytes.toString('latin1', 128, 132) === 'DICM') return {};
  const explicit = isUpper(bytes[4]) && isUpper(bytes[5]);
  if (bytes.length >= 8 && bytes[0] === 0x00 && bytes[1] === 0x08 && explicit)
    return { TransferSyntaxUID: EXPLICIT_BE };
  if (bytes.length >= 8 && (bytes[0] === 0x02 || bytes[0] === 0x08) && bytes[1] === 0x00)
    return { TransferSyntaxUID: explicit ? EXPLICIT_LE : IMPLICIT_LE };
  throw new Error('not DICOM: no DICM prefix and no data set at the start');
}

/** Messages only (dicom-parser's are fixed strings with tags), never values. */
function describe(e: unknown): string {
  const inner =
    typeof e === 'object' && e !== null && 'exception' in e ? (e as { exception: unknown }).exception : e;
  // Tags in messages are 4 bytes of the file, which could be text: redacted unless structural (items, Pixel Data).
  const msg = inner instanceof Error ? inner.message : String(inner);
  return msg.replace(/\bx?[0-9a-f]{8}\b/gi, (t) => (/^x?(fffe|7fe0)/i.test(t) ? t : '<tag>')).slice(0, 200);
}

export function verifyBuffer(buf: Uint8Array, tokens: IdentityTokens): VerifyResult {
  // dicom-parser's deflate path needs Buffer methods.
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let ds: DataSet;
  try {
    ds = parseDicom(bytes, parseOptions(bytes));
  } catch (e) {
    return { ok: false, hits: [], error: `unparseable: ${describe(e)}` };
  }
  const w: Walk = {
    ...compile(tokens),
    bytes: ds.byteArray,
    hits: new Map(),
    covered: [],
  };
  // dicom-parser reports a missing delimiter or early end of file as a warning: part of the file went unread.
  const warning = ds.warnings.find((x) => !harmlessWarning(x));
  let error = warning ? `incomplete: ${describe(warning)}` : undefined;
  try {
    visitDataSet(ds, [], '', w);
    scanGaps(w);
  } catch (e) {
    error ??= `unparseable: ${describe(e)}`;
  }
  const hits = [...w.hits.values()];
  return { ok: !error && hits.length === 0, hits, ...(error ? { error } : {}) };
}

async function readRange(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  for (let done = 0; done < length;) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new Error('file shrank while reading');
    done += bytesRead;
  }
  return buf;
}

/** Where the top-level Pixel Data is, if `head` holds everything before it; undefined to read more. */
function locatePixelData(head: Buffer): { start: number; valueStart: number; length: number } | undefined {
  try {
    const ds = parseDicom(head, { ...parseOptions(head), untilTag: 'x7fe00010' });
    const el = ds.elements.x7fe00010;
    // Deflated files are parsed from an inflated copy: its offsets are not file offsets.
    if (!el || ds.byteArray !== head || ds.warnings.some((x) => !harmlessWarning(x))) return undefined;
    return { start: el.dataOffset - headerLength(el), valueStart: el.dataOffset, length: el.length };
  } catch {
    return undefined;
  }
}

/** End of encapsulated Pixel Data: walks the fragment item headers without reading the fragments. */
async function endOfFragments(fh: FileHandle, pos: number, size: number): Promise<number> {
  while (pos + 8 <= size) {
    const h = await readRange(fh, pos, 8);
    if (h.readUInt16LE(0) !== 0xfffe) break;
    if (h.readUInt16LE(2) === 0xe0dd) return pos + 8;
    if (h.readUInt16LE(2) !== 0xe000) break;
    pos += 8 + h.readUInt32LE(4);
  }
  throw new Error('malformed encapsulated Pixel Data');
}

/**
 * The file's bytes, minus a large file's top-level Pixel Data: the header is read in growing chunks until it
 * parses up to Pixel Data, then whatever follows Pixel Data (private tags, padding) is appended, so nothing but
 * the image itself is left unsearched.
 */
async function readForVerify(filePath: string, limit: number): Promise<Buffer> {
  const fh = await fsp.open(filePath, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size <= limit) return await readRange(fh, 0, size);
    for (let n = Math.min(size, Math.max(1024, Math.min(FIRST_HEAD, limit))); ; n = Math.min(size, n * 4)) {
      const head = await readRange(fh, 0, n);
      const pixel = locatePixelData(head);
      if (pixel) {
        const end =
          pixel.length === 0xffffffff
            ? await endOfFragments(fh, pixel.valueStart, size)
            : pixel.valueStart + pixel.length;
        if (end > size) throw new Error('Pixel Data runs past the end of the file');
        return Buffer.concat([head.subarray(0, pixel.start), await readRange(fh, end, size - end)]);
      }
      if (n >= size) return head; // no top-level Pixel Data found: the whole file is searched
    }
  } finally {
    await fh.close();
  }
}

export async function verifyFile(
  filePath: string,
  tokens: IdentityTokens,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  let bytes: Buffer;
  try {
    bytes = opts.readFile
      ? await opts.readFile(filePath)
      : await readForVerify(filePath, opts.maxWholeFileBytes ?? WHOLE_FILE_LIMIT);
  } catch (e) {
    // The error code only: fs messages quote the path, and a path on a patient's disc can contain the name.
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    return { ok: false, hits: [], error: `unreadable: ${code ?? describe(e)}` };
  }
  return verifyBuffer(bytes, tokens);
}
