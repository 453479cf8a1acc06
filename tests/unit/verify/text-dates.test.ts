import { shiftCalendarDate } from '../../../main/core/deid/date-shift';
import { datesAmong, findTextDates, rewriteTextDates } from '../../../main/core/verify/text-dates';

const BIRTH = new Set(['19600201']);
const shift = (text: string, days = -40) => rewriteTextDates(text, 'shift', days, shiftCalendarDate);

describe('dates written in text', () => {
  it.each([
    // Birth date 1960-02-01 in the forms people, reports and other countries write it.
    'FEB 01 1960',
    'Feb-01-1960',
    '1960-Feb-01',
    '1 February, 1960',
    '1st of February, 1960',
    '01 02 1960',
    '1960 02 01',
    '60/02/01',
    '01. Feb. 1960',
    '1. Februar 1960',
    '1 février 1960',
    '1 de febrero de 1960',
    '1960年2月1日生',
    '昭和35年2月1日',
    '１９６０年２月１日', // full-width digits
    '1960년 2월 1일',
    '1960. 2. 1.',
    '19600201083000',
  ])('finds the birth date in %s', (text) => {
    expect(datesAmong(`seen ${text} here`, BIRTH)).toHaveLength(1);
  });

  it.each([
    'version 2.1.60',
    'UID 1.2.840.10008.19600201.1',
    'measure 1 2 1960',
    'size 12.5 x 20.2020',
    'ID 1960020155',
  ])('reads no date in %s', (text) => {
    expect(findTextDates(text)).toEqual([]);
  });

  it.each([
    ['CT HEAD 15.03.2020', 'CT HEAD 04.02.2020'], // dots: day first
    ['AX 2020-03-15 post', 'AX 2020-02-04 post'],
    ['20200315_HEAD', '20200204_HEAD'],
    ['CT 15/03/2020', 'CT 04/02/2020'], // 15 cannot be a month
    ['Mar 15 2020 CT', 'Feb 04 2020 CT'],
    ['1st of March, 2020', '21st of January, 2020'], // 2020 is a leap year,
    ['15. März 2020', '04. Februar 2020'],
    ['DT 20200315101530.123', 'DT 20200204101530.123'], // the time of day stays
    ['1960년 2월 1일', '1959년 12월 23일'],
  ])('moves %s to %s, in the form it was written', (text, moved) => {
    expect(shift(text)).toBe(moved);
  });

  it('removes a date whose order cannot be told (03/04/2020) or cannot be written back (an era), keeps years alone', () => {
    expect(shift('CT 03/04/2020 and 昭和35年2月1日, since 2019, March 2020')).toBe(
      'CT  and , since 2019, March 2020',
    );
  });

  it('removes every date when dates are not retained, and keeps them under Retain Full Dates', () => {
    expect(rewriteTextDates('CT 2020-03-15', 'remove', 0, shiftCalendarDate)).toBe('CT ');
    expect(rewriteTextDates('CT 2020-03-15', 'keep', 0, shiftCalendarDate)).toBe('CT 2020-03-15');
  });
});
