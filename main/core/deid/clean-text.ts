// "Clean" for text (PS3.15 action C on descriptors, structured content, graphics): every identity token collected
// from the case's source headers is removed from the text; the rest is kept. Matching is done on folded text
// (foldForMatch: case, accents, full/half width, PN delimiters) so 'JÉRÔME', 'jerome' and 'Ｊｅｒｏｍｅ' all go,
// whatever character set the value was stored in; removal cuts the matching characters out of the original text.
// Matching is at least as eager as the second lock's (verify/second-lock.ts), so a cleaned value never trips it:
// word edges are looser here (a letter next to a digit is an edge), compact dates match as a prefix ('19600101'
// in '19600101083000'), and umlauts written out match either way ('Müller' in the text, 'Mueller' as token).

import { foldForMatch } from '../dicom/charset';
import {
  buildIdentityTokens,
  CJK,
  codedNameWords,
  codedComponentHasName,
  compactMatchers,
  compactMatches,
  type CompactMatcher,
  TRANSLITERABLE,
  transliterate,
  type IdentityInput,
  type IdentityTokens,
} from '../verify/identity-tokens';
import { cutSpans, datesAmong } from '../verify/text-dates';

export interface TextCleaner {
  /** `text` with every identity token removed (whitespace tidied where something was cut); unchanged otherwise. */
  clean(text: string): string;
  /** Whether any token occurs in `text`. */
  contains(text: string): boolean;
  /**
   * A coded value (CS, code value) with every component that holds a name word emptied: vocabulary cannot be
   * cut into, and a name typed into a coded field must not leave. Unchanged (same string) when none does.
   */
  cleanCoded(value: string): string;
}

interface Needle {
  folded: string;
  /** Tokens in scripts written without spaces match anywhere; others only at the edge of a word or number. */
  anywhere: boolean;
  /** A compact date (YYYYMMDD) may run straight into a time: only its start needs an edge. */
  prefix: boolean;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Pieces the segmenter is given at most (it slows down with the square of the length in Node 20). */
const SEGMENT_CHUNK = 512;
/** Characters that never continue the grapheme before them (no mark, joiner, conjoining jamo or flag half). */
const STARTS_GRAPHEME = /^[\p{L}\p{N}\p{P}\p{Zs}\t\n]$/u;
const JAMO = /^[\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF]$/;

/** Whether a grapheme surely starts at index `i` of `text` (a letter after ZWJ, '\n' after '\r' do not). */
function startsGrapheme(text: string, i: number): boolean {
  const c = text[i];
  const prev = text[i - 1];
  return (
    STARTS_GRAPHEME.test(c) &&
    !JAMO.test(c) &&
    !JAMO.test(prev) &&
    prev !== '\u200d' &&
    !(prev === '\r' && c === '\n')
  );
}

/** The graphemes of `text`, segmented in short pieces cut where no grapheme can span the cut. */
export function graphemesOf(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + SEGMENT_CHUNK);
    if (end < text.length) {
      let cut = end;
      while (cut > start + 1 && !startsGrapheme(text, cut)) cut--;
      if (cut > start + 1) end = cut;
      else {
        // Nothing safe behind (a run of emoji): the next safe place ahead, or the end.
        while (end < text.length && !startsGrapheme(text, end)) end++;
      }
    }
    for (const g of segmenter.segment(text.slice(start, end))) out.push(g.segment);
    start = end;
  }
  return out;
}

/** Folds one grapheme the way foldForMatch folds a string, without its trimming; separators become one space. */
function foldGrapheme(g: string): string {
  if (/^[\s^=]+$/u.test(g)) return ' ';
  return foldForMatch(g);
}

interface Folded {
  /** The folded text; consecutive separators collapsed to one space. */
  text: string;
  /** For each folded code unit, the index of the grapheme it came from. */
  owner: number[];
  /** Graphemes that fold to nothing (a soft hyphen, a zero-width space): they go with a token around them. */
  silent: number[];
}

function fold(graphemes: readonly string[], spell: (g: string) => string = (g) => g): Folded {
  // Pieces joined once at the end: asking a growing string for its last character flattens it every time.
  const parts: string[] = [];
  let lastSpace = false;
  const owner: number[] = [];
  const silent: number[] = [];
  graphemes.forEach((g, i) => {
    const f = foldGrapheme(spell(g));
    if (f === '') {
      silent.push(i);
      return;
    }
    if (f === ' ' && lastSpace) return;
    lastSpace = f.endsWith(' ');
    for (let k = 0; k < f.length; k++) owner.push(i);
    parts.push(f);
  });
  return { text: parts.join(''), owner, silent };
}

/** Silent graphemes between two covered ones are covered too ('Mül\u00adler' goes whole). */
function coverSilent(f: Folded, hit: Set<number>, count: number): void {
  const silent = new Set(f.silent);
  for (const i of f.silent) {
    let before = i - 1;
    while (before >= 0 && silent.has(before)) before--;
    let after = i + 1;
    while (after < count && silent.has(after)) after++;
    if (hit.has(before) && hit.has(after)) hit.add(i);
  }
}

const LETTER = /\p{L}/u;
const DIGIT = /\p{N}/u;

/** Characters of the same class as `edge` (letter next to letter, digit next to digit) continue a word. */
function continuesWord(edge: string, neighbour: string | undefined): boolean {
  if (neighbour === undefined || neighbour === ' ') return false;
  if (LETTER.test(edge)) return LETTER.test(neighbour) && !CJK.test(neighbour);
  if (DIGIT.test(edge)) return DIGIT.test(neighbour);
  return false;
}

/** A digit token (ID, date, UID) continued by '.' and a digit is a different, longer number (1.2.3 vs 1.2.3.4). */
function continuesNumber(text: string, at: number, step: 1 | -1): boolean {
  return text[at] === '.' && DIGIT.test(text[at + step] ?? '');
}

/** The (possibly astral) character ending just before index i / starting at index i. */
function charBefore(s: string, i: number): string | undefined {
  if (i <= 0) return undefined;
  const lo = s.charCodeAt(i - 1);
  return lo >= 0xdc00 && lo <= 0xdfff && i >= 2 ? s.slice(i - 2, i) : s[i - 1];
}
const charAt = (s: string, i: number): string | undefined =>
  i < s.length ? String.fromCodePoint(s.codePointAt(i)!) : undefined;

function matchAt(hay: string, start: number, needle: Needle): boolean {
  if (needle.anywhere) return true;
  const n = needle.folded;
  const end = start + n.length;
  const first = charAt(n, 0)!;
  const last = charBefore(n, n.length)!;
  if (
    continuesWord(first, charBefore(hay, start)) ||
    (!needle.prefix && continuesWord(last, charAt(hay, end)))
  )
    return false;
  if (DIGIT.test(first) && continuesNumber(hay, start - 1, -1)) return false;
  if (DIGIT.test(last) && !needle.prefix && continuesNumber(hay, end, 1)) return false;
  return true;
}

/** Indices of graphemes covered by any token occurrence, in the text as written and with umlauts written out. */
function coveredGraphemes(
  graphemes: readonly string[],
  needles: readonly Needle[],
  compacts: readonly CompactMatcher[],
): Set<number> {
  const hit = new Set<number>();
  const spellings = [fold(graphemes)];
  if (graphemes.some((g) => TRANSLITERABLE.test(g))) spellings.push(fold(graphemes, transliterate));
  for (const f of spellings) {
    for (const needle of needles) {
      for (let i = f.text.indexOf(needle.folded); i >= 0; i = f.text.indexOf(needle.folded, i + 1)) {
        if (!matchAt(f.text, i, needle)) continue;
        for (let k = i; k < i + needle.folded.length; k++) hit.add(f.owner[k]);
      }
    }
    // IDs and phone numbers with other separators than the source's ('555.123.4567' for '(555) 123-4567').
    const letters = compacts.length ? f.text.replace(/[^\p{L}\p{N}]/gu, '') : '';
    for (const c of compacts)
      for (const [from, to] of compactMatches(f.text, letters, c))
        for (let k = from; k < to; k++) hit.add(f.owner[k]);
    if (f.silent.length && hit.size) coverSilent(f, hit, graphemes.length);
  }
  return hit;
}

/**
 * After a cut: no doubled spaces, no space before punctuation, no blanks at either end of a value or line, no name
 * delimiters ('^', '=') left standing alone where the name parts around them went. Only run on text that changed.
 */
export function tidy(s: string): string {
  return s
    .split('\\')
    .map((v) =>
      v
        .split(/(\r?\n)/)
        .map((line) =>
          line
            .replace(/(^|[ \t])[\^=]+(?=[ \t]|$)/g, '$1')
            // An opening bracket whose closing one went with a cut ('(020) 7946 0958' written as '(' + number).
            .replace(/\((?=[ \t]|$)(?![^()]*\))/g, '')
            .replace(/[ \t]{2,}/g, ' ')
            .replace(/ ([,.;:!?])/g, '$1')
            .replace(/^[ \t]+|[ \t]+$/g, ''),
        )
        .join(''),
    )
    .join('\\');
}

export function createTextCleaner(tokens: IdentityTokens): TextCleaner {
  const seen = new Set<string>();
  const needles: Needle[] = [];
  const add = (token: string, date: boolean): void => {
    const folded = foldForMatch(token);
    const prefix = date && /^\d{8}$/.test(folded);
    const key = `${prefix ? 'p' : 'w'}${folded}`;
    if (folded === '' || seen.has(key)) return;
    seen.add(key);
    needles.push({ folded, anywhere: CJK.test(folded), prefix });
  };
  tokens.texts.forEach((t, i) => add(t, tokens.textCategories?.[i] === 'date'));
  tokens.uids.forEach((u) => add(u, false));
  // A fixed order for reproducible runs; coverage is a union, so the order never changes the output.
  needles.sort((a, b) => b.folded.length - a.folded.length || (a.folded < b.folded ? -1 : 1));

  const compacts = compactMatchers(tokens);

  const covered = (graphemes: readonly string[]) => coveredGraphemes(graphemes, needles, compacts);
  const birthDates = new Set(tokens.birthDates ?? []);
  const contains = (text: string): boolean =>
    covered(graphemesOf(text)).size > 0 || datesAmong(text, birthDates).length > 0;

  const clean = (text: string): string => {
    let current = text;
    // Cutting can join pieces into a new occurrence ('SmiSmithth'): repeat until nothing matches. Each round removes
    // at least one character, so this ends.
    for (;;) {
      const graphemes = graphemesOf(current);
      const hit = covered(graphemes);
      if (hit.size === 0) {
        // The birth date in forms no token spells ('FEB 01 1960', '1960年2月1日').
        const births = datesAmong(current, birthDates);
        if (!births.length) return current;
        current = tidy(cutSpans(current, births));
        continue;
      }
      current = tidy(graphemes.filter((_, i) => !hit.has(i)).join(''));
    }
  };
  const nameWords = codedNameWords(tokens);
  const cleanCoded = (value: string): string => {
    if (nameWords.size === 0) return value;
    const parts = value.split('\\');
    const kept = parts.map((p) => (codedComponentHasName(p, nameWords) ? '' : p));
    return kept.some((p, i) => p !== parts[i]) ? kept.join('\\') : value;
  };
  return { clean, contains, cleanCoded };
}

/**
 * Names in Chinese, Japanese and Korean are written without a separator ('王小东' for 王^小东), and a one-character
 * family name ('王') is too short to be a token on its own: the joined forms of every ideographic/phonetic name group
 * are added, so the full name goes from text.
 */
/** The tokens cleaning removes: exactly the second lock's, so what cleaning leaves the lock accepts. */
export function cleaningTokens(identity: IdentityInput): IdentityTokens {
  return buildIdentityTokens(identity);
}
