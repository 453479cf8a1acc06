import { methodCodes, optionsInForce, OPTION_COLUMNS, parseOptionArg } from '../../../main/core/deid/options';
import { PROFILE_OPTIONS } from '../../../main/core/deid/profile/profile';
import { DEFAULT_DEID_OPTIONS, type DeidOptions } from '../../../shared/deid-types';
import { ALL_OFF } from './helpers';

describe('optionsInForce', () => {
  it('maps every DeidOptions switch to a distinct Table E.1-1 column', () => {
    expect(new Set(Object.values(OPTION_COLUMNS)).size).toBe(PROFILE_OPTIONS.length);
    expect(Object.keys(OPTION_COLUMNS).sort()).toEqual(Object.keys(DEFAULT_DEID_OPTIONS).sort());
  });

  it('puts the defaults in force', () => {
    expect([...optionsInForce(DEFAULT_DEID_OPTIONS)].sort()).toEqual(
      [
        'cleanDescOpt',
        'cleanGraphOpt',
        'cleanStructContOpt',
        'rtnLongModifDatesOpt',
        'rtnPatCharsOpt',
        'rtnSafePrivOpt',
      ].sort(),
    );
    expect(optionsInForce(ALL_OFF).size).toBe(0);
  });

  it('lets Modified Dates win over Full Dates when both are on (the safer: C before K)', () => {
    const both: DeidOptions = {
      ...ALL_OFF,
      retainLongitudinalFullDates: true,
      retainLongitudinalModifiedDates: true,
    };
    expect([...optionsInForce(both)]).toEqual(['rtnLongModifDatesOpt']);
  });
});

describe('parseOptionArg', () => {
  it.each([
    ['retainSafePrivate=off', { retainSafePrivate: false }],
    ['retain-safe-private=off', { retainSafePrivate: false }],
    ['retain-uids=on', { retainUIDs: true }],
    ['retainUIDs=ON', { retainUIDs: true }],
    ['clean-graphics=false', { cleanGraphics: false }],
    ['retain_longitudinal_full_dates=yes', { retainLongitudinalFullDates: true }],
  ])('%s', (arg, expected) => {
    expect(parseOptionArg(arg)).toEqual(expected);
  });

  it('rejects unknown names with the list of valid ones', () => {
    expect(() => parseOptionArg('retain-everything=on')).toThrow(
      /unknown option "retain-everything".*retain-safe-private/,
    );
  });

  it('rejects values other than on/off', () => {
    expect(() => parseOptionArg('retain-uids=maybe')).toThrow(/option retain-uids needs =on or =off/);
    // The list of valid names is written the way they are typed.
    expect(() => parseOptionArg('keep-everything=on')).toThrow(
      /valid options are: .*retain-safe-private, retain-uids, retain-device-identity/,
    );
    expect(() => parseOptionArg('retain-uids')).toThrow(/=on or =off/);
  });
});

describe('methodCodes', () => {
  it('starts with the Basic Profile and lists one code per option applied, in code order', () => {
    const codes = methodCodes(optionsInForce(DEFAULT_DEID_OPTIONS), { pixelsCleaned: false }).map(
      (c) => c.codeValue,
    );
    expect(codes).toEqual(['113100', '113103', '113104', '113105', '113107', '113108', '113111']);
    // Applied twice (two attributes, two instances): listed once.
    expect(
      methodCodes(['cleanDescOpt', 'rtnPatCharsOpt', 'cleanDescOpt'], { pixelsCleaned: false }).map(
        (c) => c.codeValue,
      ),
    ).toEqual(['113100', '113105', '113108']);
  });

  it('adds Clean Pixel Data only when the pixels were cleaned', () => {
    expect(methodCodes([], { pixelsCleaned: false }).map((c) => c.codeValue)).toEqual(['113100']);
    expect(methodCodes([], { pixelsCleaned: true }).map((c) => c.codeValue)).toEqual(['113100', '113101']);
  });

  it('has one date option in force when both are switched on', () => {
    const both: DeidOptions = {
      ...ALL_OFF,
      retainLongitudinalFullDates: true,
      retainLongitudinalModifiedDates: true,
    };
    expect([...optionsInForce(both)]).toEqual(['rtnLongModifDatesOpt']);
  });

  it('uses DCM codes with meanings', () => {
    const all = optionsInForce({ ...DEFAULT_DEID_OPTIONS, retainUIDs: true });
    for (const c of methodCodes(all, { pixelsCleaned: true })) {
      expect(c.codingSchemeDesignator).toBe('DCM');
      expect(c.codeMeaning.length).toBeGreaterThan(0);
      expect(c.codeMeaning.length).toBeLessThanOrEqual(64);
    }
  });
});
