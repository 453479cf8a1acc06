// Compound actions of Table E.1-1 decided by the attribute's Type in the instance's own IOD (iod-compound-types.ts).
import { readHeader, bufferSource } from '../../../main/core/dicom/read-header';
import { findElement, T } from '../../../main/core/dicom/values';
import { resolveAction, resolveCompound } from '../../../main/core/deid/actions';
import {
  COMPOUND_ACTION_TAGS,
  compoundTypesForSopClass,
  IOD_COMPOUND_TYPES,
} from '../../../main/core/deid/iod-compound-types';
import { loadProfile } from '../../../main/core/deid/profile/profile';
import { DEFAULT_DEID_OPTIONS } from '../../../shared/deid-types';
import { buildInstance, CT_IMAGE, testUid } from '../../fixtures/build-dicom';
import { ALL_OFF, el, identityOf, run, seq, textOf } from './helpers';

const ENHANCED_CT = '1.2.840.10008.5.1.4.1.1.2.1';
const PET = '1.2.840.10008.5.1.4.1.1.128';
const RT_PLAN = '1.2.840.10008.5.1.4.1.1.481.5';
const ENHANCED_SR = '1.2.840.10008.5.1.4.1.1.88.22';
const UNLISTED = '1.2.840.10008.5.1.4.1.1.77.1.4'; // VL Photographic Image: not in the map

const DEVICE_SERIAL_NUMBER = 0x00181000;
const OPERATORS_NAME = 0x00081070;
const REFERENCED_PPS_SEQUENCE = 0x00081111;
const REFERENCED_IMAGE_SEQUENCE = 0x00081140;
const REFERENCED_SERIES_SEQUENCE = 0x00081115;
const REFERENCED_SOP_INSTANCE_UID = 0x00081155;
const CONTENT_DATE = 0x00080023;

describe('the IOD Type map', () => {
  it('covers exactly the attributes whose Table E.1-1 action is compound', () => {
    const compound = loadProfile().filter((r) =>
      [r.basic, ...Object.values(r.options)].some((c) => c !== undefined && c.includes('/')),
    );
    expect(
      Object.entries(COMPOUND_ACTION_TAGS)
        .map(([k, t]) => [k, t])
        .sort(),
    ).toEqual(compound.map((r) => [r.keyword, r.tagNumber]).sort());
  });

  it('lists the storage SOP Classes of patient discs, and ignores UI padding', () => {
    expect(Object.keys(IOD_COMPOUND_TYPES)).toHaveLength(29);
    expect(compoundTypesForSopClass(`${CT_IMAGE}\0`)).toBe(compoundTypesForSopClass(CT_IMAGE));
    expect(compoundTypesForSopClass(UNLISTED)).toBeUndefined();
    expect(compoundTypesForSopClass(undefined)).toBeUndefined();
  });
});

describe('resolveCompound with the SOP Class', () => {
  it('resolves one attribute differently under two IODs', () => {
    // Device Serial Number: Type 3 in General Equipment (CT Image), Type 1 in Enhanced General Equipment.
    expect(resolveCompound('X/Z/D', DEVICE_SERIAL_NUMBER, 'LO', CT_IMAGE)).toBe('X');
    expect(resolveCompound('X/Z/D', DEVICE_SERIAL_NUMBER, 'LO', ENHANCED_CT)).toBe('D');
    // Operators' Name: Type 3 in General Series, Type 2 in RT Series.
    expect(resolveCompound('X/Z/D', OPERATORS_NAME, 'PN', CT_IMAGE)).toBe('X');
    expect(resolveCompound('X/Z/D', OPERATORS_NAME, 'PN', RT_PLAN)).toBe('Z');
    // Referenced Performed Procedure Step Sequence: 3 (General Series), 2 (SR Document Series), 1C (CT Series).
    expect(resolveCompound('X/Z/D', REFERENCED_PPS_SEQUENCE, 'SQ', CT_IMAGE)).toBe('X');
    expect(resolveCompound('X/Z/D', REFERENCED_PPS_SEQUENCE, 'SQ', ENHANCED_SR)).toBe('Z');
    expect(resolveCompound('X/Z/D', REFERENCED_PPS_SEQUENCE, 'SQ', ENHANCED_CT)).toBe('D');
    // Referenced Image Sequence: Type 3 in CT Image, not in Enhanced CT at the top level.
    expect(resolveCompound('X/Z/U*', REFERENCED_IMAGE_SEQUENCE, 'SQ', CT_IMAGE)).toBe('X');
    expect(resolveCompound('X/Z/U*', REFERENCED_IMAGE_SEQUENCE, 'SQ', ENHANCED_CT)).toBe('X');
    // Series Date/Time: Type 3 in General Series, Type 1 in PET Series; Acquisition Date Type 2 in PET Image.
    expect(resolveCompound('X/D', T.SeriesDate, 'DA', CT_IMAGE)).toBe('X');
    expect(resolveCompound('X/D', T.SeriesDate, 'DA', PET)).toBe('D');
    expect(resolveCompound('X/Z', 0x00080022, 'DA', CT_IMAGE)).toBe('X');
    expect(resolveCompound('X/Z', 0x00080022, 'DA', PET)).toBe('Z');
    // Content Date: 2C in General Image, 1 in SR Document General. Z/D has no X: Z where not required.
    expect(resolveCompound('Z/D', CONTENT_DATE, 'DA', CT_IMAGE)).toBe('Z');
    expect(resolveCompound('Z/D', CONTENT_DATE, 'DA', ENHANCED_SR)).toBe('D');
    expect(resolveCompound('Z/D', CONTENT_DATE, 'DA', RT_PLAN)).toBe('Z'); // not in the IOD
    // RT Plan Date: Type 2 in RT General Plan; X/D keeps it present with D.
    expect(resolveCompound('X/D', 0x300a0006, 'DA', RT_PLAN)).toBe('D');
    expect(resolveCompound('X/D', 0x300a0006, 'DA', CT_IMAGE)).toBe('X');
  });

  it('keeps the context-free Types without a SOP Class, or for one the map does not list', () => {
    for (const sop of [undefined, UNLISTED]) {
      expect(resolveCompound('X/Z/D', DEVICE_SERIAL_NUMBER, 'LO', sop)).toBe('D');
      expect(resolveCompound('X/Z/D', REFERENCED_PPS_SEQUENCE, 'SQ', sop)).toBe('D');
      expect(resolveCompound('X/Z/U*', REFERENCED_IMAGE_SEQUENCE, 'SQ', sop)).toBe('U');
      expect(resolveCompound('Z/D', CONTENT_DATE, 'DA', sop)).toBe('D');
    }
  });

  it('reaches decideAction through the action context; options still win', () => {
    const ctx = { options: ALL_OFF, vr: 'LO' };
    expect(resolveAction(DEVICE_SERIAL_NUMBER, { ...ctx, sopClassUID: CT_IMAGE })).toBe('X');
    expect(resolveAction(DEVICE_SERIAL_NUMBER, { ...ctx, sopClassUID: ENHANCED_CT })).toBe('D');
    expect(
      resolveAction(DEVICE_SERIAL_NUMBER, {
        ...ctx,
        options: { ...ALL_OFF, retainDeviceIdentity: true },
        sopClassUID: CT_IMAGE,
      }),
    ).toBe('K');
  });
});

describe('a CT Image instance de-identified end to end', () => {
  const STUDY = testUid(40);
  const SERIES = testUid(40, 1);
  const OTHER = testUid(40, 1, 9);
  const ppsItem = [
    el(0x00081150, 'UI', '1.2.840.10008.3.1.2.3.3'),
    el(REFERENCED_SOP_INSTANCE_UID, 'UI', OTHER),
  ];
  const imageItem = [el(0x00081150, 'UI', CT_IMAGE), el(REFERENCED_SOP_INSTANCE_UID, 'UI', OTHER)];

  async function instance(sopClassUID: string) {
    const file = buildInstance({
      sopClassUID,
      sopInstanceUID: testUid(40, 1, 1),
      studyInstanceUID: STUDY,
      seriesInstanceUID: SERIES,
      extra: { DeviceSerialNumber: 'SN-4711', ContentDate: '20240102' },
    });
    const h = await readHeader(bufferSource(file));
    return [
      ...h.elements.filter((e) => e !== h.pixelData),
      seq(REFERENCED_PPS_SEQUENCE, [ppsItem]),
      seq(REFERENCED_IMAGE_SEQUENCE, [imageItem]),
      // Nested: the Type belongs to the enclosing macro, so the context-free Type (keep, UIDs re-mapped) applies.
      seq(REFERENCED_SERIES_SEQUENCE, [
        [el(T.SeriesInstanceUID, 'UI', SERIES), seq(REFERENCED_IMAGE_SEQUENCE, [imageItem])],
      ]),
    ].sort((a, b) => a.tag - b.tag);
  }

  it.each([
    ['all options off', ALL_OFF],
    ['the default options', DEFAULT_DEID_OPTIONS],
  ])('removes the Type 3 Device Serial Number and reference sequences (%s)', async (_, options) => {
    const elements = await instance(CT_IMAGE);
    const out = run(elements, { options, identity: identityOf(elements) }).elements;
    expect(findElement(out, DEVICE_SERIAL_NUMBER)).toBeUndefined();
    expect(findElement(out, REFERENCED_PPS_SEQUENCE)).toBeUndefined();
    expect(findElement(out, REFERENCED_IMAGE_SEQUENCE)).toBeUndefined();
    // Inside an item the safe context-free behaviour stays: the reference is kept, its UID re-mapped.
    const nested = findElement(
      findElement(out, REFERENCED_SERIES_SEQUENCE)!.items![0].elements,
      REFERENCED_IMAGE_SEQUENCE,
    );
    const uid = textOf(nested!.items![0].elements, REFERENCED_SOP_INSTANCE_UID);
    expect(uid).toMatch(/^2\.25\./);
  });

  it('keeps them where the IOD requires them (Enhanced CT), and without a listed SOP Class', async () => {
    for (const sop of [ENHANCED_CT, UNLISTED]) {
      const elements = await instance(sop);
      const out = run(elements, { options: ALL_OFF, identity: identityOf(elements) }).elements;
      expect(textOf(out, DEVICE_SERIAL_NUMBER)).not.toBe('SN-4711');
      expect(textOf(out, DEVICE_SERIAL_NUMBER)).toBeTruthy(); // D: a dummy
      const pps = findElement(out, REFERENCED_PPS_SEQUENCE);
      expect(pps?.items).toHaveLength(1);
      expect(textOf(pps!.items![0].elements, REFERENCED_SOP_INSTANCE_UID)).toMatch(/^2\.25\./);
      expect(textOf(out, CONTENT_DATE)?.length).toBe(8); // Type 1 there: a dummy date
    }
    const ct = await instance(CT_IMAGE);
    expect(textOf(run(ct, { options: ALL_OFF, identity: identityOf(ct) }).elements, CONTENT_DATE)).toBe('');
  });
});
