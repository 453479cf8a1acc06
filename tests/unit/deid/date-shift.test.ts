import { ageOver89, shiftDA, shiftDateValue, shiftDT } from '../../../main/core/deid/date-shift';

const days = (a: string, b: string): number =>
  (Date.UTC(+b.slice(0, 4), +b.slice(4, 6) - 1, +b.slice(6, 8)) -
    Date.UTC(+a.slice(0, 4), +a.slice(4, 6) - 1, +a.slice(6, 8))) /
  86400000;

describe('shiftDA', () => {
  it('moves a date by whole days, across months, years and leap days', () => {
    expect(shiftDA('20240301', -1)).toBe('20240229');
    expect(shiftDA('20230301', -1)).toBe('20230228');
    expect(shiftDA('20240102', -400)).toBe('20221128');
    expect(shiftDA('19000301', -1)).toBe('19000228'); // 1900 is no leap year
    expect(shiftDA('20000301', -1)).toBe('20000229');
  });

  it('preserves intervals between dates', () => {
    const dates = ['20200115', '20200229', '20211231', '20240102', '19991231'];
    for (const offset of [-1, -366, -3653]) {
      for (const a of dates)
        for (const b of dates) expect(days(shiftDA(a, offset), shiftDA(b, offset))).toBe(days(a, b));
    }
  });

  it('shifts ranges, multiple values and the ACR-NEMA form', () => {
    expect(shiftDA('20240110-20240120', -10)).toBe('20231231-20240110');
    expect(shiftDA('-20240120', -10)).toBe('-20240110');
    expect(shiftDA('20240110-', -10)).toBe('20231231-');
    expect(shiftDA('20240110\\20240111', -10)).toBe('20231231\\20240101');
    expect(shiftDA('2024.01.10', -10)).toBe('20231231');
    expect(shiftDA('20240110 ', -10)).toBe('20231231');
  });

  it('empties invalid or partial values rather than keep them', () => {
    for (const bad of [
      '2024',
      '202401',
      '20241301',
      '20240230',
      'not a date',
      '2024-01-10',
      '20240110\\garbage',
    ]) {
      expect(shiftDA(bad, -10)).toBe('');
    }
  });
});

describe('shiftDT', () => {
  it('shifts the date part and keeps time, fraction and UTC offset', () => {
    expect(shiftDT('20240102101500.123456+0100', -2)).toBe('20231231101500.123456+0100');
    expect(shiftDT('20240102101500-0500', -2)).toBe('20231231101500-0500');
    expect(shiftDT('2024010210', -2)).toBe('2023123110');
    expect(shiftDT('20240102', -2)).toBe('20231231');
  });

  it('keeps the precision of year and year-month values', () => {
    expect(shiftDT('2024', -2)).toBe('2023');
    expect(shiftDT('202403', -2)).toBe('202402');
    expect(shiftDT('2024+0100', -2)).toBe('2023+0100');
  });

  it('shifts ranges, telling a range dash from an offset sign', () => {
    expect(shiftDT('20240102-20240105', -2)).toBe('20231231-20240103');
    expect(shiftDT('20240102101500-0500-20240105', -2)).toBe('20231231101500-0500-20240103');
  });

  it('empties invalid values', () => {
    for (const bad of ['2024010', '20240102106000', '20240102.5', '20240132', 'x'])
      expect(shiftDT(bad, -1)).toBe('');
  });

  it('shiftDateValue leaves times alone', () => {
    expect(shiftDateValue('TM', '101500', -10)).toBe('101500');
    expect(shiftDateValue('DA', '20240110', -10)).toBe('20231231');
    expect(shiftDateValue('DT', '20240110', -10)).toBe('20231231');
  });
});

describe('ageOver89', () => {
  it.each([
    ['095Y', '090Y'],
    ['090Y', '090Y'],
    ['089Y', '089Y'],
    ['045Y', '045Y'],
    ['999M', '999M'], // 83 years
    ['120Y', '090Y'],
    ['006W', '006W'],
    ['095Y ', '090Y'],
    ['95', '090Y'], // no unit: read as years
    ['', ''],
    ['ninety', ''],
  ])('%s → %s', (input, expected) => {
    expect(ageOver89(input)).toBe(expected);
  });
});
