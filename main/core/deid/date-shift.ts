// Retain Longitudinal Temporal Information with Modified Dates (PS3.15 E.3.6): every date moves by the same whole
// number of days, so intervals between studies, series and events survive while the real dates do not. Times of
// day and UTC offsets are kept. Values that are not valid dates are emptied: an unparseable date could still be
// the real one.

import { trimSpaceAndNul } from '../dicom/charset';

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil; no JS Date year quirks). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

function daysInMonth(y: number, m: number): number {
  return daysFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - daysFromCivil(y, m, 1);
}

/** Shifts a calendar date; undefined if it is not a real date or the result leaves years 0001-9999. */
function shiftYmd(y: number, m: number, d: number, days: number): [number, number, number] | undefined {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  const out = civilFromDays(daysFromCivil(y, m, d) + days);
  return out[0] >= 1 && out[0] <= 9999 ? out : undefined;
}

/** A calendar date moved by `days`; undefined if it is not a real date or would leave years 0001-9999. */
export function shiftCalendarDate(
  [y, m, d]: readonly [number, number, number],
  days: number,
): [number, number, number] | undefined {
  return shiftYmd(y, m, d, days);
}

function trimValue(s: string): string {
  return trimSpaceAndNul(s);
}

/** One DA date (YYYYMMDD, or the ACR-NEMA form YYYY.MM.DD) shifted, written YYYYMMDD; undefined if invalid. */
function shiftOneDate(v: string, days: number): string | undefined {
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(v);
  if (!m || (v.includes('.') && v.length !== 10)) return undefined;
  const r = shiftYmd(Number(m[1]), Number(m[2]), Number(m[3]), days);
  return r && `${pad(r[0], 4)}${pad(r[1], 2)}${pad(r[2], 2)}`;
}

/** A range 'A-B', '-B' or 'A-' (query forms, found in some stored data too), each bound shifted. */
function shiftRange(
  v: string,
  shiftOne: (s: string) => string | undefined,
  dash: number,
): string | undefined {
  const a = v.slice(0, dash);
  const b = v.slice(dash + 1);
  if (a === '' && b === '') return undefined;
  const sa = a === '' ? '' : shiftOne(a);
  const sb = b === '' ? '' : shiftOne(b);
  return sa === undefined || sb === undefined ? undefined : `${sa}-${sb}`;
}

/**
 * Shifts each backslash-separated value with `shiftOne`; any invalid value makes the whole result '' (empty),
 * never the original.
 */
function shiftEach(value: string, shiftOne: (v: string) => string | undefined): string {
  const out: string[] = [];
  for (const raw of value.split('\\')) {
    const v = trimValue(raw);
    const shifted = v === '' ? '' : shiftOne(v);
    if (shifted === undefined) return '';
    out.push(shifted);
  }
  return out.join('\\');
}

/** Shifts a DA value by `days` (negative moves into the past), value by value; ranges bound by bound. */
export function shiftDA(value: string, days: number): string {
  return shiftEach(value, (v) => {
    const dash = v.indexOf('-');
    return dash >= 0 ? shiftRange(v, (s) => shiftOneDate(s, days), dash) : shiftOneDate(v, days);
  });
}

/**
 * One DT value: YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]. The date part moves; time, fraction and offset stay.
 * Year or year-month precision is shifted from the first day of the period and written at the same precision.
 */
function shiftOneDateTime(v: string, days: number): string | undefined {
  const m = /^(\d{4}|\d{6}|\d{8}|\d{10}|\d{12}|\d{14})(\.\d{1,6})?([+-]\d{4})?$/.exec(v);
  if (!m) return undefined;
  const digits = m[1];
  if (m[2] && digits.length !== 14) return undefined; // a fraction needs seconds
  const y = Number(digits.slice(0, 4));
  const mo = digits.length >= 6 ? Number(digits.slice(4, 6)) : 1;
  const d = digits.length >= 8 ? Number(digits.slice(6, 8)) : 1;
  const time = digits.slice(8);
  if (time && !/^([01]\d|2[0-3])([0-5]\d([0-5]\d|60)?)?$/.test(time)) return undefined;
  const r = shiftYmd(y, mo, d, days);
  if (!r) return undefined;
  const date = `${pad(r[0], 4)}${pad(r[1], 2)}${pad(r[2], 2)}`.slice(0, Math.min(8, digits.length));
  return `${date}${time}${m[2] ?? ''}${m[3] ?? ''}`;
}

/** Shifts a DT value (see shiftOneDateTime); multiple values and ranges as for DA; invalid → ''. */
export function shiftDT(value: string, days: number): string {
  return shiftEach(value, (v) => {
    let shifted = shiftOneDateTime(v, days);
    // Not a single DT: maybe a range. A '-' may also start a UTC offset, so try every dash as the separator.
    for (let i = v.indexOf('-'); shifted === undefined && i >= 0; i = v.indexOf('-', i + 1)) {
      shifted = shiftRange(v, (s) => shiftOneDateTime(s, days), i);
    }
    return shifted;
  });
}

/** Shifts a DA or DT value; other VRs (TM) are returned unchanged: a time of day alone dates nothing. */
export function shiftDateValue(vr: string, value: string, days: number): string {
  if (vr === 'DA') return shiftDA(value, days);
  if (vr === 'DT') return shiftDT(value, days);
  return value;
}

const TIME = /^([01]\d|2[0-3])([0-5]\d([0-5]\d|60)?(\.\d{1,6})?)?$/;
/** The ACR-NEMA form 'HH:MM[:SS[.F]]', still found on old discs. */
const COLON_TIME = /^([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d{1,6})?)?$/;

function validTime(v: string): boolean {
  if (TIME.test(v)) return !v.includes('.') || v.indexOf('.') === 6; // a fraction needs seconds
  return COLON_TIME.test(v);
}

/** Whether every value of a TM (ranges included) is a time of day; padding and empty values are fine. */
export function validTimeValue(value: string): boolean {
  return value.split('\\').every((raw) => {
    const v = trimValue(raw);
    if (v === '') return true;
    const dash = v.indexOf('-');
    if (dash < 0) return validTime(v);
    const [a, b] = [v.slice(0, dash), v.slice(dash + 1)];
    return (a !== '' || b !== '') && (a === '' || validTime(a)) && (b === '' || validTime(b));
  });
}

const DAYS_PER_UNIT: Record<string, number> = { D: 1, W: 7, M: 365.25 / 12, Y: 365.25 };

/**
 * Patient ages over 89 years identify (HIPAA Safe Harbor; PS3.15 E.3.7 keeps age only in bands that do not):
 * any AS value over 89 years — '095Y', or the same age in days, weeks or months — becomes '090Y'. Younger ages are
 * returned unchanged (padding trimmed); a value that cannot be read as an age becomes '' rather than survive as-is.
 */
export function ageOver89(as: string): string {
  const v = trimValue(as);
  if (v === '') return '';
  const m = /^(\d{1,3})\s*([DWMY])?$/i.exec(v);
  if (!m) return '';
  const unit = (m[2] ?? 'Y').toUpperCase();
  const years = (Number(m[1]) * DAYS_PER_UNIT[unit]) / 365.25;
  return years >= 90 ? '090Y' : v;
}
