/**
 * The identity to look for in de-identified output: every spelling of the patient's name, IDs, dates and other
 * identifying text the second lock (second-lock.ts) must prove absent. Tokens are kept in their original spelling
 * (the verifier folds them for text matching and needs the originals to build raw byte patterns).
 */
import { foldForMatch } from '../dicom/charset';
import { keywordWords } from '../dicom/dictionary';
import { isRegisteredUid } from '../dicom/registered-uids';
import { ENGLISH_MONTHS, ordinalSuffix } from './text-dates';

export type TextCategory = 'name' | 'id' | 'date' | 'text';
export type TokenCategory = TextCategory | 'uid';

export interface IdentityTokens {
  texts: string[];
  uids: string[];
  /** Category of texts[i], reported instead of the token; missing entries count as 'text'. */
  textCategories?: TextCategory[];
  /**
   * IDs, accession and phone numbers as their folded letters and digits only ('5551234567', 'acc99812'): found
   * whatever separators stand between those characters in a text ('(555) 123-4567', '555.123.4567', 'ACC 99812').
   */
  compacts?: string[];
  /** Digit runs of formatted IDs ('99812' of 'ACC-99812'), found only as written, alone. */
  digitRuns?: string[];
  /** Words of the patient's names looked for as whole words in coded values (see codedNameWords). */
  codedNames?: string[];
  /** Birth dates (YYYYMMDD), also found in text in any form findTextDates reads ('1 Feb 1960', '1960年2月1日'). */
  birthDates?: string[];
}

export interface IdentityInput {
  /** PN values, e.g. 'Müller^Jürgen=ミュラー^ユルゲン'. */
  names?: string[];
  ids?: string[];
  /** DA values (YYYYMMDD), e.g. birth dates. */
  dates?: string[];
  /** Addresses, phone numbers, institution and physician names, accession numbers. */
  texts?: string[];
  /** The patient's own PN values (also in `names`): their words are looked for in coded values too. */
  patientNames?: string[];
  uids?: string[];
}

/** Scripts written without spaces between words: tokens match as plain substrings. */
export const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** Honorifics and generational suffixes (PN prefix/suffix components): no one's identity, and 'MR' is a modality. */
const TITLES = new Set('mr mrs ms miss mx dr prof sir dame rev fr sr jr ii iii iv md phd dds rn'.split(' '));
/**
 * Particles dropped only as separate words of a longer component ('van' of 'van der Berg'): on their own they are
 * everyday words. A component that is just 'Le' or 'Da' is a family name and is kept.
 */
const PARTICLES = new Set(
  'van von der den de del della di da das dos du la le al el bin ibn ben mc'.split(' '),
);
const bare = (s: string): string => foldForMatch(s).replace(/\.$/, '');

/** English month names per month: abbreviation first, then the full name (and 'sept'). */
const MONTHS = ENGLISH_MONTHS.short.map((abbr, i) =>
  abbr === 'sep' ? [abbr, ENGLISH_MONTHS.full[i], 'sept'] : [abbr, ENGLISH_MONTHS.full[i]],
);

/** DICOM padding and surrounding blanks. */
const clean = (s: string): string => s.normalize('NFC').replace(/^[\s\0]+|[\s\0]+$/g, '');

const PLAIN: Record<string, string> = {
  ß: 'ss',
  ø: 'o',
  Ø: 'O',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ı: 'i',
  þ: 'th',
  Þ: 'Th',
  ð: 'd', // Guðmundsson is written Gudmundsson
  Ð: 'D',
  ẞ: 'SS',
};
const UMLAUT: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', Ä: 'Ae', Ö: 'Oe', Ü: 'Ue' };
export const TRANSLITERABLE = /[äöüÄÖÜßẞøØæÆœŒłŁđĐıþÞðÐ]/;

/**
 * Spellings the Unicode fold cannot bridge: German umlauts written out ('Müller' → 'Mueller') and letters with
 * no decomposition ('Søren' → 'Soren', 'Łukasz' → 'Lukasz', 'Strauß' → 'Strauss').
 */
export function transliterate(s: string): string {
  return s.replace(/[äöüÄÖÜßẞøØæÆœŒłŁđĐıþÞðÐ]/g, (c) => UMLAUT[c] ?? PLAIN[c]);
}

/** A token's other spellings: umlauts written out, and (for 'Jürgen Strauß') only the undecomposable letters. */
function transliterations(s: string): string[] {
  if (!TRANSLITERABLE.test(s)) return [];
  const plainOnly = s.replace(/[ßẞøØæÆœŒłŁđĐıþÞðÐ]/g, (c) => PLAIN[c]);
  return [...new Set([plainOnly, transliterate(s)])].filter((v) => v !== s);
}

/** Every name component of a PN value (all values, all three groups), plus its separate words. */
function nameParts(pn: string): string[] {
  const out: string[] = [];
  for (const value of pn.split('\\'))
    for (const group of value.split('='))
      for (const raw of group.split('^')) {
        const component = clean(raw);
        if (!component || TITLES.has(bare(component))) continue;
        out.push(component);
        // 'Smith-Jones', 'Maria Luisa', "O'Brien": either half may survive alone, or both written joined
        // ('SmithJones', 'OBrien', 'McDonald' for 'Mc Donald').
        const words = component
          .split(/[\s\-\u2010'\u2018\u2019\u02bc`]+/)
          .filter((w) => w && w !== component);
        out.push(...words.filter((w) => !TITLES.has(bare(w)) && !PARTICLES.has(bare(w))));
        if (words.length > 1) out.push(words.join(''));
      }
  return out.flatMap((p) => [p, ...transliterations(p)]);
}

/** The ways a DA date is commonly written in reports, comments and burned-in-style text. */
export function dateForms(da: string): string[] {
  const m = /^(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})$/.exec(clean(da));
  if (!m) return [];
  const [, Y, M, D] = m;
  const month = Number(M);
  const day = Number(D);
  if (month < 1 || month > 12 || day < 1 || day > 31) return [];
  const mo = String(month);
  const d = String(day);
  const yy = Y.slice(2);
  const out = [
    `${Y}${M}${D}`,
    `${Y}-${M}-${D}`,
    `${Y}/${M}/${D}`,
    `${Y}.${M}.${D}`,
    `${D}/${M}/${yy}`,
    `${M}/${D}/${yy}`,
  ];
  for (const sep of ['/', '.', '-'])
    out.push(
      `${D}${sep}${M}${sep}${Y}`,
      `${M}${sep}${D}${sep}${Y}`,
      `${d}${sep}${mo}${sep}${Y}`,
      `${mo}${sep}${d}${sep}${Y}`,
    );
  // Unpadded ISO order ('1960-1-2'), and two-digit years zero-padded ('02.01.60', '02-01-60') or with slashes
  // ('2/1/60'). Unpadded two-digit forms with dots or dashes are left out: '2.1.60' is also part of version numbers.
  for (const sep of ['/', '.', '-']) out.push(`${Y}${sep}${mo}${sep}${d}`);
  for (const sep of ['.', '-']) out.push(`${D}${sep}${M}${sep}${yy}`, `${M}${sep}${D}${sep}${yy}`);
  out.push(`${d}/${mo}/${yy}`, `${mo}/${d}/${yy}`);
  const ordinal = `${d}${ordinalSuffix(day)}`;
  const [abbr] = MONTHS[month - 1];
  for (const name of new Set([...MONTHS[month - 1], `${abbr}.`])) {
    out.push(
      `${D} ${name} ${Y}`,
      `${d} ${name} ${Y}`,
      `${name} ${d}, ${Y}`,
      `${name} ${D}, ${Y}`,
      `${name} ${d} ${Y}`,
      `${D}-${name}-${Y}`,
      `${d}-${name}-${Y}`,
      `${D} ${name} ${yy}`,
      `${d} ${name} ${yy}`,
      `${D}-${name}-${yy}`, // '02-JAN-60' (Oracle-style exports)
      `${ordinal} ${name} ${Y}`,
      `${ordinal} of ${name} ${Y}`,
      `${name} ${ordinal}, ${Y}`,
      `${name} ${ordinal} ${Y}`,
    );
  }
  out.push(`${D}${abbr}${Y}`, `${D}${abbr}${yy}`); // '01jan1960', '01jan60' (SAS/HIS exports)
  return [...new Set(out)];
}

/** Phone numbers and formatted IDs are often stored with other or no separators. */
function withoutSeparators(s: string, minLength: number): string[] {
  const stripped = s.replace(/[\s\-_./()+]/g, '');
  return stripped !== s && stripped.length >= minLength ? [stripped] : [];
}

/** Letters and digits only, folded: the spelling a compact token is matched by. */
export function compactForm(s: string): string {
  return foldForMatch(s).replace(/[^\p{L}\p{N}]/gu, '');
}

/** What people put between the parts of a phone number or ID. */
const COMPACT_SEPARATORS = "[\\s\\-_./()+'’]*";
const escape = (c: string): string => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One compact token and how it is found in folded text (see compactMatcher). */
export interface CompactMatcher {
  letters: string;
  pattern: RegExp;
}

/**
 * A compact token in folded text. Loose (IDs, phone numbers): its characters in order with any separators between
 * them. Strict (the digit run of an ID): exactly as written. Either way not glued to a letter or digit, nor to a
 * number it would be part of ('0.12345', '12345.6').
 */
export function compactMatcher(letters: string, loose: boolean): CompactMatcher {
  const body = [...letters].map(escape).join(loose ? COMPACT_SEPARATORS : '');
  const edges = ['(?<![\\p{L}\\p{N}])(?<!\\p{N}[.,])', '(?![\\p{L}\\p{N}])(?![.,]\\p{N})'];
  return { letters, pattern: new RegExp(`${edges[0]}${body}${edges[1]}`, 'gu') };
}

/** A decimal number ('1.234567') is a measurement, whatever ID its digits spell. */
const DECIMAL = /^\p{N}+[.,]\p{N}+$/u;

/** Start and end of every occurrence of a compact token in folded `text` (whose letters-only form is `letters`). */
export function compactMatches(text: string, letters: string, m: CompactMatcher): Array<[number, number]> {
  if (!letters.includes(m.letters)) return [];
  const out: Array<[number, number]> = [];
  for (const hit of text.matchAll(m.pattern))
    if (!DECIMAL.test(hit[0])) out.push([hit.index, hit.index + hit[0].length]);
  return out;
}

/** Matchers of every compact token: loose IDs and phone numbers, strict digit runs. */
export function compactMatchers(tokens: IdentityTokens): CompactMatcher[] {
  return [
    ...(tokens.compacts ?? []).map((c) => compactMatcher(c, true)),
    ...(tokens.digitRuns ?? []).map((c) => compactMatcher(c, false)),
  ];
}

/** Only identifiers with enough digits to be someone's number, not a word or a short count. */
function compactWorthy(s: string): boolean {
  const c = compactForm(s);
  return c.length >= 5 && (c.match(/\p{N}/gu) ?? []).length >= 3;
}

/**
 * The digit runs of a formatted ID ('99812' of 'ACC-99812'): often written alone. Not runs of one or two digits
 * over and over ('00000'), which serial numbers and counters share.
 */
function digitRunsOf(id: string): string[] {
  return (id.match(/\d{5,}/g) ?? []).filter((r) => r !== id && new Set(r).size >= 3);
}

/** Meaningful: at least two characters after folding, at least one a letter or digit. */
function meaningful(token: string): boolean {
  const f = foldForMatch(token);
  return [...f].length >= 2 && /[\p{L}\p{N}]/u.test(f);
}

/**
 * 王^小东 is written 王小东 (or 小东王) in running text; one-character parts are too short to search alone,
 * so the joined family+given forms of CJK names are tokens of their own.
 */
export function cjkNameForms(pn: string): string[] {
  const out: string[] = [];
  for (const value of pn.split('\\'))
    for (const group of value.split('=')) {
      const parts = group
        .split('^')
        .map((p) => p.trim())
        .filter(Boolean);
      if (parts.length < 2 || !parts.some((p) => CJK.test(p))) continue;
      out.push(parts.slice(0, 2).join(''), parts.slice(0, 2).reverse().join(''));
    }
  return out;
}

/** Where an identifying text (address, institution, department) falls into pieces that may be written alone. */
export const TEXT_PIECES = /[,;\r\n\\^=]+/;

export function buildIdentityTokens(input: IdentityInput): IdentityTokens {
  const texts: string[] = [];
  const textCategories: TextCategory[] = [];
  const seen = new Set<string>();
  const add = (category: TextCategory, tokens: string[]): void => {
    for (const t of tokens.map(clean)) {
      if (seen.has(t) || !meaningful(t)) continue;
      seen.add(t);
      texts.push(t);
      textCategories.push(category);
    }
  };

  const compacts = new Set<string>();
  const runs = new Set<string>();
  const addCompact = (t: string): void => {
    if (compactWorthy(t)) compacts.add(compactForm(t));
  };
  // A name written with another split ('Gildong' as 'Gil-dong' or 'Gil Dong', 'Annemarie' as 'Anne Marie'): its
  // letters in order, whatever stands between them. Long names only: a short one would be found across words.
  // Not placeholders or the standard's own words ('Unknown', 'Original'): coded values are made of them.
  const vocabulary = keywordWords();
  for (const pn of input.names ?? []) {
    const parts = nameParts(pn);
    add('name', [...parts, ...cjkNameForms(pn)]);
    for (const part of parts) {
      const letters = compactForm(part);
      if (/\p{N}/u.test(letters) || CJK.test(letters) || [...letters].length < 6) continue;
      if (!PLACEHOLDER_NAMES.has(letters) && !vocabulary.has(letters)) compacts.add(letters);
    }
  }
  for (const id of input.ids ?? []) {
    add('id', [id, ...withoutSeparators(clean(id), 4)]);
    addCompact(id);
    for (const run of digitRunsOf(clean(id))) runs.add(run);
    // A record number stored zero-padded ('0012345') is written without its zeros ('MRN 12345').
    const unpadded = /^0+\d{5,}$/.test(clean(id)) ? clean(id).replace(/^0+/, '') : '';
    if (unpadded.length >= 5) runs.add(unpadded);
  }
  const birthDates = new Set<string>();
  for (const da of input.dates ?? []) {
    const forms = dateForms(da);
    if (forms.length) birthDates.add(forms[0]);
    // An unparseable date is still searched verbatim if it is long enough not to be just a year.
    add('date', forms.length ? forms : clean(da).length >= 6 ? [da] : []);
  }
  for (const text of input.texts ?? []) {
    const t = clean(text);
    // A PN-shaped text (physician 'Welby^Marcus') may appear in any order: search its parts too. One with digits
    // is an address written with '^' ('12 Chest Road^Liverpool'): its lines are tokens, but not each word ('Chest').
    const parts = /[\^=]/.test(t) && !/\d/.test(t) ? nameParts(t) : t.split(TEXT_PIECES).map(clean);
    const phoneLike = /^[+\d\s().\-/]+$/.test(t) && (t.match(/\d/g) ?? []).length >= 6;
    add('text', [t, ...parts.filter((p) => p !== t), ...(phoneLike ? withoutSeparators(t, 6) : [])]);
    for (const p of [t, ...parts]) addCompact(p);
    // A name of several words ('St. Mary's Hospital') is often written with other punctuation or none ('St Marys
    // Hospital', 'StMarys-Hospital'): its letters in order. Long enough not to be a word of its own.
    for (const p of new Set([t, ...parts]))
      if (!/\d/.test(p) && /[\s.'’-]/.test(p) && [...compactForm(p)].length >= 10)
        compacts.add(compactForm(p));
    // Phone numbers inside a longer text ('Tel. 555-123-4567 (home)'), each also without its country or area
    // code: its last ten and seven digits.
    for (const phone of t.match(/\+?\d[\d\s\-./()]{5,}\d/g) ?? []) {
      const digits = phone.replace(/\D/g, '');
      if (digits.length < 7) continue;
      addCompact(phone);
      if (digits.length >= 10) compacts.add(digits.slice(-7));
      if (digits.length >= 11) compacts.add(digits.slice(-10));
      // Written internationally ('+44 20 7946 0958', '0044 …'), the same number is dialled at home with a trunk 0
      // in place of the country code ('020 7946 0958'); national numbers are 8 to 10 digits long after it.
      if (/^(\+|00)/.test(phone) || digits.length >= 12)
        for (const n of [8, 9, 10]) if (digits.length - n >= 2) compacts.add(`0${digits.slice(-n)}`);
    }
  }

  const uids = [
    ...new Set((input.uids ?? []).map(clean).filter((u) => u.length >= 3 && !isRegisteredUid(u))),
  ];
  return {
    texts,
    uids,
    textCategories,
    compacts: [...compacts].sort(),
    digitRuns: [...runs].filter((r) => !compacts.has(r)).sort(),
    codedNames: codedNamesOf(input.patientNames ?? []),
    birthDates: [...birthDates].sort(),
  };
}

/** Names that stand for no one: placeholders for unknown or test patients, which coded vocabulary shares. */
const PLACEHOLDER_NAMES = new Set(
  'unknown none anonymous anonymized anon patient test male female other demo phantom noname unnamed default sample case baby infant newborn twin research subject volunteer control dummy temp trauma emergency john jane'.split(
    ' ',
  ),
);

/**
 * The patient's name words searched in coded values (CS, code values): whole words of at least four letters, so
 * vocabulary ('CT', 'MR', 'AP') never collides with a short name, and a surname typed into a coded field
 * ('ORIGINAL\\PRIMARY\\QUIXOTE') is still found. Only the patient's own names (a physician called 'None' is a
 * placeholder), and never placeholders or words of the standard's own keywords ('Text', 'Image', 'Head'): coded
 * values are made of them, and emptying a Value Type 'TEXT' because a patient is called Text would break the
 * document without protecting anyone.
 */
function codedNamesOf(patientNames: readonly string[]): string[] {
  const vocabulary = keywordWords();
  const out = new Set<string>();
  for (const part of patientNames.flatMap(nameParts)) {
    const f = foldForMatch(part);
    if ([...f].length >= 4 && !/\s/.test(f) && !vocabulary.has(f) && !PLACEHOLDER_NAMES.has(f)) out.add(f);
  }
  return [...out].sort();
}

export function codedNameWords(tokens: IdentityTokens): Set<string> {
  return new Set(tokens.codedNames ?? []);
}

/** Whether one coded value component ('DR-QUIXOTE', 'CHEST_TO_PELVIS') holds one of `names` as a whole word. */
export function codedComponentHasName(component: string, names: ReadonlySet<string>): boolean {
  return foldForMatch(component)
    .split(/[\s_.\-/,;:]+/)
    .some((w) => w !== '' && names.has(w));
}
