import { resolveAction, resolveCompound } from '../../../main/core/deid/actions';
import { attributeType } from '../../../main/core/deid/iod-types';
import { DEFAULT_DEID_OPTIONS } from '../../../shared/deid-types';
import { ALL_OFF } from './helpers';

describe('resolveCompound', () => {
  it('uses the Type where known, the safer choice otherwise', () => {
    expect(attributeType(0x00080023)).toBe('1'); // Content Date
    expect(resolveCompound('Z/D', 0x00080023, 'DA')).toBe('D');
    expect(resolveCompound('Z/D', 0x00100020, 'LO')).toBe('Z'); // Patient ID, Type 2
    expect(resolveCompound('X/Z', 0x00080022, 'DA')).toBe('X'); // Acquisition Date, Type 3
    expect(resolveCompound('X/Z', 0x300a00b2, 'SH')).toBe('Z'); // Treatment Machine Name, Type 2
    expect(resolveCompound('X/D', 0x00080021, 'DA')).toBe('X');
    expect(resolveCompound('X/D', 0x0040a032, 'DT')).toBe('D');
    expect(resolveCompound('X/Z/D', 0x00181000, 'LO')).toBe('D'); // Device Serial Number, Type 1 (enhanced)
    expect(resolveCompound('X/Z/D', 0x00081070, 'PN')).toBe('Z'); // Operators' Name, Type 2 (RT Series)
    expect(resolveCompound('X/Z/D', 0x00080080, 'LO')).toBe('X');
    expect(resolveCompound('X/Z/U*', 0x00081140, 'SQ')).toBe('U');
    expect(resolveCompound('X/Z/U*', 0x12345678, 'UI')).toBe('U');
    expect(resolveCompound('X/Z/U*', 0x12345678, 'SQ')).toBe('X');
  });

  it('fails loudly on a code it has no rule for', () => {
    expect(() => resolveCompound('X/Y' as never, 0, 'LO')).toThrow(/no rule/);
  });
});

describe('resolveAction', () => {
  it('follows the option columns over the basic one, the safer when several disagree', () => {
    expect(resolveAction(0x00081030, { options: ALL_OFF, vr: 'LO' })).toBe('X');
    expect(resolveAction(0x00081030, { options: DEFAULT_DEID_OPTIONS, vr: 'LO' })).toBe('C');
    // Calibration DateTime: Device Identity says K, Modified Dates says C: C wins.
    expect(
      resolveAction(0x00181203, {
        options: { ...ALL_OFF, retainDeviceIdentity: true, retainLongitudinalModifiedDates: true },
        vr: 'DT',
      }),
    ).toBe('C');
    expect(resolveAction(0x00181203, { options: { ...ALL_OFF, retainDeviceIdentity: true }, vr: 'DT' })).toBe(
      'K',
    );
  });

  it('handles the repeating groups', () => {
    expect(resolveAction(0x50020022, { options: ALL_OFF, vr: 'LO' })).toBe('X');
    expect(resolveAction(0x50020022, { options: DEFAULT_DEID_OPTIONS, vr: 'LO' })).toBe('C');
    expect(resolveAction(0x601e3000, { options: DEFAULT_DEID_OPTIONS, vr: 'OW' })).toBe('C');
    expect(resolveAction(0x60003000, { options: ALL_OFF, vr: 'OW' })).toBe('X');
    expect(resolveAction(0x60004000, { options: ALL_OFF, vr: 'LT' })).toBe('X');
    expect(resolveAction(0x60000010, { options: ALL_OFF, vr: 'US' })).toBe('K');
    expect(resolveAction(0x60200010, { options: ALL_OFF, vr: 'US' })).toBe('K'); // 6020 is no overlay group
  });

  it('keeps private elements only when safe, with Retain Safe Private', () => {
    const safe = { privateCreator: 'GEMS_ACQU_01', vr: 'DS' };
    expect(resolveAction(0x00191023, { options: DEFAULT_DEID_OPTIONS, ...safe })).toBe('K');
    expect(resolveAction(0x00191123, { options: DEFAULT_DEID_OPTIONS, ...safe })).toBe('K'); // another block
    expect(resolveAction(0x00191023, { options: ALL_OFF, ...safe })).toBe('X');
    expect(resolveAction(0x001910ff, { options: DEFAULT_DEID_OPTIONS, ...safe })).toBe('X');
    expect(resolveAction(0x00191023, { options: DEFAULT_DEID_OPTIONS, vr: 'DS' })).toBe('X'); // no creator
    expect(resolveAction(0x00190010, { options: DEFAULT_DEID_OPTIONS, vr: 'LO' })).toBe('X');
    expect(resolveAction(0x00190010, { options: DEFAULT_DEID_OPTIONS, vr: 'LO', blockKept: true })).toBe('K');
    expect(resolveAction(0x00030010, { options: DEFAULT_DEID_OPTIONS, vr: 'LO' })).toBe('X'); // 0003 is no private group
  });

  it('applies ClearDisc rules to attributes the table does not list', () => {
    expect(resolveAction(0x00140104, { options: DEFAULT_DEID_OPTIONS, vr: 'PN' })).toBe('X');
    expect(resolveAction(0x00189941, { options: DEFAULT_DEID_OPTIONS, vr: 'UT' })).toBe('X');
    expect(resolveAction(0x0040a160, { options: DEFAULT_DEID_OPTIONS, vr: 'UT' })).toBe('C'); // Type 1 text, Clean Descriptors
    expect(resolveAction(0x0040a160, { options: ALL_OFF, vr: 'UT' })).toBe('D');
    expect(resolveAction(0x00420010, { options: ALL_OFF, vr: 'ST' })).toBe('Z'); // Document Title, Type 2
    expect(resolveAction(0x00140102, { options: DEFAULT_DEID_OPTIONS, vr: 'DA' })).toBe('C');
    expect(
      resolveAction(0x00140102, { options: { ...ALL_OFF, retainLongitudinalFullDates: true }, vr: 'DA' }),
    ).toBe('K');
    expect(resolveAction(0x00140102, { options: ALL_OFF, vr: 'DA' })).toBe('X');
    expect(resolveAction(0x00081150, { options: DEFAULT_DEID_OPTIONS, vr: 'UI' })).toBe('U');
    expect(resolveAction(0x00080060, { options: ALL_OFF, vr: 'CS' })).toBe('K');
    expect(resolveAction(0x00080000, { options: DEFAULT_DEID_OPTIONS, vr: 'UL' })).toBe('X');
    expect(resolveAction(0x00990099, { options: DEFAULT_DEID_OPTIONS, vr: 'UN' })).toBe('X');
    expect(resolveAction(0x00280099, { options: DEFAULT_DEID_OPTIONS, vr: 'UN' })).toBe('X'); // unknown standard tag
  });
});
