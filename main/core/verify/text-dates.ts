/**
 * Calendar dates written in free text ('CT 15.03.2020', 'Prior CT on 2019-11-02', 'born 1 Feb 1960', '1960年2月1日',
 * '1960. 2. 1.'): found with every reading they allow, so cleaning can remove a birth date in any common form and
 * move every other date with the case's offset, and the second lock can prove no birth date is left. Only dates with
 * a day, a month and a year: a year alone, or a month and year, identifies no one.
 */

export type Ymd = readonly [year: number, month: number, day: number];

export interface TextDate {
  start: number;
  end: number;
  /** Every valid reading (both orders of '03/04/2020'); two-digit years in both centuries. */
  readings: Ymd[];
  /** The same text for another date, in the same form; undefined where it cannot be written back (eras). */
  render?: (date: Ymd) => string;
  /** A two-digit year ('02/01/60'): too ambiguous to move, only compared with birth dates. */
  twoDigitYear: boolean;
}

// Month names by language, full and abbreviated, in the order a shifted date is written back in.
const MONTHS: Record<string, string[]> = {
  en: 'january february march april may june july august september october november december'.split(' '),
  enShort: 'jan feb mar apr may jun jul aug sep oct nov dec'.split(' '),
  enSept: 'jan feb mar apr may jun jul aug sept oct nov dec'.split(' '),
  de: 'januar februar märz april mai juni juli august september oktober november dezember'.split(' '),
  deAscii: 'januar februar maerz april mai juni juli august september oktober november dezember'.split(' '),
  deShort: 'jan feb mär apr mai jun jul aug sep okt nov dez'.split(' '),
  fr: 'janvier février mars avril mai juin juillet août septembre octobre novembre décembre'.split(' '),
  frAscii: 'janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre'.split(' '),
  frShort: 'janv févr mars avr mai juin juil août sept oct nov déc'.split(' '),
  es: 'enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre'.split(' '),
  esShort: 'ene feb mar abr may jun jul ago sep oct nov dic'.split(' '),
  it: 'gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre'.split(
    ' ',
  ),
  itShort: 'gen feb mar apr mag giu lug ago set ott nov dic'.split(' '),
  nl: 'januari februari maart april mei juni juli augustus september oktober november december'.split(' '),
  nlShort: 'jan feb mrt apr mei jun jul aug sep okt nov dec'.split(' '),
};

export const ENGLISH_MONTHS = { full: MONTHS.en, short: MONTHS.enShort } as const;

/** Lower-case name → [list, month index]; the first list naming it wins (English before the rest). */
const MONTH_OF = new Map<string, [string, number]>();
for (const [list, names] of Object.entries(MONTHS))
  names.forEach((n, i) => {
    if (!MONTH_OF.has(n)) MONTH_OF.set(n, [list, i]);
  });
const MONTH = [...MONTH_OF.keys()].sort((a, b) => b.length - a.length).join('|');

/** ASCII and full-width digits. */
const D = '[0-9\\uff10-\\uff19]';
const num = (s: string): number => Number(s.normalize('NFKC'));
const BEFORE_NUMBER = `(?<!${D})(?<!${D}[.,])`;
const AFTER_NUMBER = `(?!${D})(?![.,]${D})`;
const YEAR4 = `(?:19|20)${D}{2}`;
const ORDINAL = '(?:(?<ord>st|nd|rd|th)|er|e|\\.)?';

interface Pattern {
  re: RegExp;
  /** Readings of one match (by its named groups), or none if it is no date. */
  read(g: Record<string, string>): Reading;
}

interface Reading {
  readings: Ymd[];
  twoDigitYear: boolean;
  era?: boolean;
  /** Which groups hold the day and the month, where the pattern's names do not say (day or month first). */
  roles?: { d: string; m: string };
}

const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();
const valid = ([y, m, d]: Ymd): boolean => m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m);
const centuries = (yy: number): number[] => [1900 + yy, 2000 + yy];
const uniq = (ds: Ymd[]): Ymd[] => {
  const seen = new Set<string>();
  const out: Ymd[] = [];
  for (const d of ds) {
    const k = d.join('-');
    if (valid(d) && !seen.has(k)) {
      seen.add(k);
      out.push(d);
    }
  }
  return out;
};
/** A blank separator only between two-digit numbers ('1960 02 01'): '3 4 2020' is more likely a list. */
const blankOk = (sep: string, ...parts: string[]): boolean =>
  !/^\s+$/.test(sep) || parts.every((p) => p.length === 2);
const monthIndex = (name: string): number => MONTH_OF.get(name.toLowerCase().replace(/\.$/, ''))?.[1] ?? -1;

const PATTERNS: Pattern[] = [
  // Year first: 2020-03-15, 2020/3/15, 2020.03.15, '1960. 2. 1.', 1960 02 01, 20200315 (also leading a DT).
  {
    re: new RegExp(
      `${BEFORE_NUMBER}(?<y>${YEAR4})(?<s>[-/.]|\\.\\s|\\s)(?<m>${D}{1,2})\\k<s>(?<d>${D}{1,2})${AFTER_NUMBER}`,
      'gdu',
    ),
    read: (g) => ({
      readings: blankOk(g.s, g.m, g.d) ? uniq([[num(g.y), num(g.m), num(g.d)]]) : [],
      twoDigitYear: false,
    }),
  },
  {
    re: new RegExp(
      `${BEFORE_NUMBER}(?<y>${YEAR4})(?<m>${D}{2})(?<d>${D}{2})(?:${D}{4}(?:${D}{2}(?:\\.${D}{1,6})?)?)?${AFTER_NUMBER}`,
      'gdu',
    ),
    read: (g) => ({ readings: uniq([[num(g.y), num(g.m), num(g.d)]]), twoDigitYear: false }),
  },
  // Day or month first with a four-digit year: 15.03.2020 (dots: day first), 03/15/2020, 15-03-2020.
  {
    re: new RegExp(
      `${BEFORE_NUMBER}(?<a>${D}{1,2})(?<s>[-/.]|\\.\\s|\\s)(?<b>${D}{1,2})\\k<s>(?<y>${YEAR4})${AFTER_NUMBER}`,
      'gdu',
    ),
    read: (g) => {
      if (!blankOk(g.s, g.a, g.b)) return { readings: [], twoDigitYear: false };
      const [a, b, y] = [num(g.a), num(g.b), num(g.y)];
      const dayFirst: Ymd = [y, b, a];
      const readings = uniq(g.s.startsWith('.') ? [dayFirst] : [dayFirst, [y, a, b]]);
      const isDayFirst = readings.length === 1 && readings[0].join() === dayFirst.join();
      return { readings, twoDigitYear: false, roles: isDayFirst ? { d: 'a', m: 'b' } : { d: 'b', m: 'a' } };
    },
  },
  // Month names: 15 Mar 2020, 15MAR2020, 1st of February, 1960, 1. Februar 1960, 1 de febrero de 1960, 02-JAN-60.
  {
    re: new RegExp(
      `${BEFORE_NUMBER}(?<d>${D}{1,2})${ORDINAL}(?:\\s*(?:of|de))?[\\s\\-./]*(?<![\\p{L}])(?<mon>${MONTH})\\.?(?![\\p{L}])(?:\\s*de)?,?[\\s\\-./]*(?<y>${D}{4}|${D}{2})${AFTER_NUMBER}`,
      'gdiu',
    ),
    read: (g) => monthNameReadings(g.y, monthIndex(g.mon), num(g.d)),
  },
  // Mar 15 2020, March 15, 2020, FEB 01 1960, Feb-01-1960, February 1st, 1960.
  {
    re: new RegExp(
      `(?<![\\p{L}])(?<mon>${MONTH})\\.?[\\s\\-./]*(?<d>${D}{1,2})(?<ord>st|nd|rd|th)?,?[\\s\\-./]*(?<y>${D}{4})${AFTER_NUMBER}`,
      'gdiu',
    ),
    read: (g) => monthNameReadings(g.y, monthIndex(g.mon), num(g.d)),
  },
  // 1960-Feb-01, 2020 MAR 15.
  {
    re: new RegExp(
      `${BEFORE_NUMBER}(?<y>${D}{4})[\\s\\-./]*(?<mon>${MONTH})\\.?[\\s\\-./]*(?<d>${D}{1,2})${AFTER_NUMBER}`,
      'gdiu',
    ),
    read: (g) => monthNameReadings(g.y, monthIndex(g.mon), num(g.d)),
  },
  // Chinese and Japanese 1960年2月1日, Korean 1960년 2월 1일.
  {
    re: new RegExp(
      `(?<y>${D}{4})\\s*(?<s>[年년])\\s*(?<m>${D}{1,2})\\s*[月월]\\s*(?<d>${D}{1,2})\\s*[日일]?`,
      'gdu',
    ),
    read: (g) => ({ readings: uniq([[num(g.y), num(g.m), num(g.d)]]), twoDigitYear: false }),
  },
  // Japanese eras: 昭和35年2月1日.
  {
    re: new RegExp(
      `(?<era>明治|大正|昭和|平成|令和)\\s*(?<ey>${D}{1,2}|元)\\s*年\\s*(?<m>${D}{1,2})\\s*月\\s*(?<d>${D}{1,2})\\s*日?`,
      'gdu',
    ),
    read: (g) => {
      const start = { 明治: 1868, 大正: 1912, 昭和: 1926, 平成: 1989, 令和: 2019 }[g.era] ?? 0;
      const year = start + (g.ey === '元' ? 1 : num(g.ey)) - 1;
      return { readings: uniq([[year, num(g.m), num(g.d)]]), twoDigitYear: false, era: true };
    },
  },
  // Two-digit years: 02/01/60, 60/02/01, 15.03.20. Only ever compared with birth dates.
  {
    re: new RegExp(
      `${BEFORE_NUMBER}(?<a>${D}{1,2})(?<s>[-/.])(?<b>${D}{1,2})\\k<s>(?<c>${D}{1,2})${AFTER_NUMBER}`,
      'gdu',
    ),
    read: (g) => {
      // Unpadded with dots or dashes ('2.1.60') is more often a version number than a date.
      if (g.s !== '/' && [g.a, g.b, g.c].some((p) => p.length !== 2))
        return { readings: [], twoDigitYear: true };
      const [a, b, c] = [num(g.a), num(g.b), num(g.c)];
      const out: Ymd[] = [];
      if (g.c.length === 2) for (const y of centuries(c)) out.push([y, b, a], [y, a, b]);
      if (g.a.length === 2) for (const y of centuries(a)) out.push([y, b, c]);
      return { readings: uniq(out), twoDigitYear: true };
    },
  },
];

function monthNameReadings(year: string, month: number, day: number): Reading {
  if (month < 0) return { readings: [], twoDigitYear: false };
  const y = num(year);
  if (year.length === 2)
    return { readings: uniq(centuries(y).map((c) => [c, month + 1, day])), twoDigitYear: true };
  return { readings: uniq([[y, month + 1, day]]), twoDigitYear: false };
}

/** A number written back in the width it had (a zero-padded '03' stays two digits). */
const widthOf = (orig: string, n: number): string => String(n).padStart(orig.length, '0');

/** A month name in the same list and letter case as the one it replaces ('MAR' → 'APR', 'März' → 'April'). */
function monthLike(orig: string, month: number): string {
  const bare = orig.replace(/\.$/, '');
  const [list] = MONTH_OF.get(bare.toLowerCase()) ?? ['en'];
  const name = MONTHS[list][month - 1];
  const cased =
    bare === bare.toUpperCase()
      ? name.toUpperCase()
      : bare[0] === bare[0].toUpperCase()
        ? name[0].toUpperCase() + name.slice(1)
        : name;
  return cased + (orig.endsWith('.') ? '.' : '');
}

/** English ordinal suffix of a day: 1st, 2nd, 3rd, 11th, 22nd. */
export const ordinalSuffix = (d: number): string =>
  d % 10 === 1 && d !== 11 ? 'st' : d % 10 === 2 && d !== 12 ? 'nd' : d % 10 === 3 && d !== 13 ? 'rd' : 'th';

function renderer(text: string, m: RegExpExecArray, roles = { d: 'd', m: 'm' }): (date: Ymd) => string {
  const indices = m.indices!.groups!;
  return ([y, mo, d]) => {
    const parts: Array<[number, number, string]> = [];
    const put = (name: string, value: (orig: string) => string): void => {
      const span = indices[name];
      if (span) parts.push([span[0], span[1], value(text.slice(span[0], span[1]))]);
    };
    put('y', () => String(y));
    put(roles.m, (o) => widthOf(o, mo));
    put(roles.d, (o) => widthOf(o, d));
    put('mon', (o) => monthLike(o, mo));
    put('ord', (o) => (o === o.toUpperCase() ? ordinalSuffix(d).toUpperCase() : ordinalSuffix(d)));
    parts.sort((p, q) => p[0] - q[0]);
    let out = '';
    let at = m.index;
    for (const [s, e, v] of parts) {
      out += text.slice(at, s) + v;
      at = e;
    }
    return out + text.slice(at, m.index + m[0].length);
  };
}

/** Every date in `text`, left to right, none overlapping (the first pattern that claims characters wins). */
export function findTextDates(text: string): TextDate[] {
  if (!/[0-9\uff10-\uff19]/.test(text)) return [];
  const found: TextDate[] = [];
  const taken = (s: number, e: number): boolean => found.some((f) => s < f.end && e > f.start);
  for (const p of PATTERNS) {
    p.re.lastIndex = 0;
    for (let m = p.re.exec(text); m; m = p.re.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (taken(start, end)) continue;
      const { readings, twoDigitYear, era, roles } = p.read(m.groups ?? {});
      if (!readings.length) continue;
      found.push({
        start,
        end,
        readings,
        twoDigitYear,
        ...(era || twoDigitYear ? {} : { render: renderer(text, m, roles) }),
      });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

const key = ([y, m, d]: Ymd): string => `${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`;

/** The dates in `text` that can be read as one of `dates` (YYYYMMDD). */
export function datesAmong(text: string, dates: ReadonlySet<string>): TextDate[] {
  if (dates.size === 0) return [];
  return findTextDates(text).filter((t) => t.readings.some((r) => dates.has(key(r))));
}

/** `text` without the spans given, blanks tidied where something was cut. */
export function cutSpans(text: string, spans: ReadonlyArray<{ start: number; end: number }>): string {
  let out = '';
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, s.start);
    at = Math.max(at, s.end);
  }
  return out + text.slice(at);
}

/**
 * Dates in text under the date options: moved by `offsetDays` in the form they were written ('15.03.2020' →
 * '11.02.2019'), or removed where the form is ambiguous ('03/04/2020') or cannot be written back (eras); all removed
 * when dates are not retained; all kept under Retain Full Dates. Two-digit years are left (only birth dates, which
 * cleaning removes before, are looked for in them).
 */
export function rewriteTextDates(
  text: string,
  mode: 'shift' | 'remove' | 'keep',
  offsetDays: number,
  shift: (date: Ymd, days: number) => Ymd | undefined,
): string {
  if (mode === 'keep') return text;
  const dates = findTextDates(text).filter((d) => !d.twoDigitYear);
  if (!dates.length) return text;
  let out = '';
  let at = 0;
  for (const d of dates) {
    const moved = mode === 'shift' && d.readings.length === 1 && d.render && shift(d.readings[0], offsetDays);
    out += text.slice(at, d.start) + (moved ? d.render!(moved) : '');
    at = d.end;
  }
  return out + text.slice(at);
}
