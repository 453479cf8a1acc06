import { createUidMapper, uuidUidFor } from '../../../main/core/deid/uid-map';
import { SECRET } from './helpers';

describe('createUidMapper', () => {
  const uid = '1.2.826.0.1.3680043.9.7433.99.1.2.3';

  it('maps to 2.25.<decimal of a version-8 UUID>, valid as a UID', () => {
    const out = createUidMapper(SECRET).map(uid);
    expect(out).toMatch(/^2\.25\.[1-9]\d*$/);
    expect(out.length).toBeLessThanOrEqual(64);
    const hex = BigInt(out.slice(5)).toString(16).padStart(32, '0');
    expect(hex[12]).toBe('8'); // version
    expect(['8', '9', 'a', 'b']).toContain(hex[16]); // RFC 4122 variant
  });

  it('is consistent within a mapper and deterministic across mappers with the same secret', () => {
    const a = createUidMapper(SECRET);
    const b = createUidMapper(Uint8Array.from(SECRET));
    expect(a.map(uid)).toBe(a.map(uid));
    expect(a.map(uid)).toBe(b.map(uid));
    expect(a.map(`${uid}\0`)).toBe(a.map(uid)); // padding is not part of the UID
    expect(a.map(uid)).toBe(uuidUidFor(SECRET, uid));
  });

  it('depends on the secret and on the UID', () => {
    expect(createUidMapper(Buffer.from('other')).map(uid)).not.toBe(createUidMapper(SECRET).map(uid));
    expect(createUidMapper(SECRET).map(`${uid}.4`)).not.toBe(createUidMapper(SECRET).map(uid));
  });

  it('keeps registered DICOM UIDs and empty values', () => {
    const m = createUidMapper(SECRET);
    expect(m.map('1.2.840.10008.5.1.4.1.1.2')).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(m.map('1.2.840.10008.1.2.1\0')).toBe('1.2.840.10008.1.2.1');
    expect(m.map('')).toBe('');
    expect(m.entries().size).toBe(0);
  });

  it("maps instance UIDs a device minted under DICOM's root (a date and time appended to a SOP Class UID)", () => {
    const m = createUidMapper(SECRET);
    const vendor = '1.2.840.10008.5.1.4.1.1.2.20200315.101530.778899';
    expect(m.map(vendor)).toMatch(/^2\.25\./);
    expect(m.map('1.2.840.10008.5.1.4.1.1.2.1.2.3.4.5.6.7.8')).toMatch(/^2\.25\./);
    // Still kept: the longest registered forms, context groups, well-known frames of reference.
    for (const registered of [
      '1.2.840.10008.5.1.4.1.1.77.1.5.1',
      '1.2.840.10008.6.1.1234',
      '1.2.840.10008.1.4.1.1',
    ])
      expect(m.map(registered)).toBe(registered);
    expect([...m.entries().keys()]).toEqual([vendor, '1.2.840.10008.5.1.4.1.1.2.1.2.3.4.5.6.7.8']);
  });

  it("keeps HL7's code-system OIDs (SNOMED CT, LOINC) but maps the rest of HL7's tree, where sites have roots", () => {
    const m = createUidMapper(SECRET);
    expect(m.map('2.16.840.1.113883.6.96')).toBe('2.16.840.1.113883.6.96');
    expect(m.map('2.16.840.1.113883.6.1')).toBe('2.16.840.1.113883.6.1');
    expect(m.map('2.16.840.1.113883.3.1234.1.2.3')).toMatch(/^2\.25\./);
    expect(m.map('2.16.840.1.113883.61.2')).toMatch(/^2\.25\./);
  });

  it('records every mapped UID for the private record', () => {
    const m = createUidMapper(SECRET);
    const n = m.map(uid);
    m.map('1.2.840.10008.1.2');
    expect([...m.entries()]).toEqual([[uid, n]]);
  });
});
