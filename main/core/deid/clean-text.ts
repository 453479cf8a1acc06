// "Clean" for text (PS3.15 action C on descriptors, structured content, graphics): every identity token collected
// from the case's source headers is removed from the text; the rest is kept. Matching is done on folded text
// (foldForMatch: case, accents, full/half width, PN delimiters) so 'JÉRÔME', 'jerome' and 'Ｊｅｒｏｍｅ' all go,
// whatever character set the value was stored in; removal cuts the matching characters out of the original text.

import { foldForMatch } from '../dicom/charset';
import { CJK, type IdentityTokens } from '../verify/identity-tokens';

export interface TextCleaner {
  /** `text` with every identity token removed (whitespace tidied where something was cut); unchanged otherwise. */
  clean(text: string): string;
  /** Whether any token occurs in `text`. */
  contains(text: string): boolean;
}

interface Needle {
  folded: string;
  /** Tokens in scripts written without spaces match anywhere; others only at the edge of a word or number. */
  anywhere: boolean;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

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
  /** Graphemes of the original text, in order. */
  graphemes: string[];
}

function fold(text: string): Folded {
  const graphemes = [...segmenter.segment(text)].map((s) => s.segment);
  let out = '';
  const owner: number[] = [];
  graphemes.forEach((g, i) => {
    const f = foldGrapheme(g);
    if (f === ' ' && out.endsWith(' ')) return;
    for (let k = 0; k < f.length; k++) owner.push(i);
    out += f;
  });
  return { text: out, owner, graphemes };
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

function matchAt(hay: string, start: number, needle: Needle): boolean {
  if (needle.anywhere) return true;
  const n = needle.folded;
  const end = start + n.length;
  const first = n[0];
  const last = n[n.length - 1];
  if (continuesWord(first, hay[start - 1]) || continuesWord(last, hay[end])) return false;
  if (DIGIT.test(first) && continuesNumber(hay, start - 1, -1)) return false;
  if (DIGIT.test(last) && continuesNumber(hay, end, 1)) return false;
  return true;
}

/** Indices of graphemes covered by any token occurrence. */
function coveredGraphemes(f: Folded, needles: readonly Needle[]): Set<number> {
  const hit = new Set<number>();
  for (const needle of needles) {
    for (let i = f.text.indexOf(needle.folded); i >= 0; i = f.text.indexOf(needle.folded, i + 1)) {
      if (!matchAt(f.text, i, needle)) continue;
      for (let k = i; k < i + needle.folded.length; k++) hit.add(f.owner[k]);
    }
  }
  return hit;
}

/** After a cut: no doubled spaces, no blanks at either end of a value or line. Only run on text that changed. */
function tidy(s: string): string {
  return s
    .split('\\')
    .map((v) =>
      v
        .split(/(\r?\n)/)
        .map((line) => line.replace(/[ \t]{2,}/g, ' ').replace(/^[ \t]+|[ \t]+$/g, ''))
        .join(''),
    )
    .join('\\');
}

export function createTextCleaner(tokens: IdentityTokens): TextCleaner {
  const seen = new Set<string>();
  const needles: Needle[] = [];
  for (const t of [...tokens.texts, ...tokens.uids]) {
    const folded = foldForMatch(t);
    if (folded === '' || seen.has(folded)) continue;
    seen.add(folded);
    needles.push({ folded, anywhere: CJK.test(folded) });
  }
  // Longest first only matters for readability of the code path; coverage is a union, so order never changes output.
  needles.sort((a, b) => b.folded.length - a.folded.length || (a.folded < b.folded ? -1 : 1));

  const contains = (text: string): boolean => coveredGraphemes(fold(text), needles).size > 0;

  const clean = (text: string): string => {
    let current = text;
    // Cutting can join pieces into a new occurrence ('SmiSmithth'): repeat until nothing matches. Each round removes
    // at least one character, so this ends.
    for (;;) {
      const f = fold(current);
      const hit = coveredGraphemes(f, needles);
      if (hit.size === 0) return current;
      current = tidy(f.graphemes.filter((_, i) => !hit.has(i)).join(''));
    }
  };
  return { clean, contains };
}
