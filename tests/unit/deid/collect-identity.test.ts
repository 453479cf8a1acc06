import { collectIdentity, mergeIdentity } from '../../../main/core/deid/collect-identity';
import { T } from '../../../main/core/dicom/values';
import { cleaningTokens, createTextCleaner } from '../../../main/core/deid/clean-text';
import { el, seq } from './helpers';

const UID = '1.2.826.0.1.3680043.9.7433.99.3';
const source = [
  el(T.SpecificCharacterSet, 'CS', 'ISO_IR 100'),
  el(T.PatientName, 'PN', Buffer.from('Müller^Jürgen', 'latin1')),
  el(T.PatientID, 'LO', 'PID-0001'),
  el(T.PatientBirthDate, 'DA', '19600101'),
  el(T.AccessionNumber, 'SH', 'ACC42'),
  el(T.InstitutionName, 'LO', 'General Hospital'),
  el(0x00081010, 'SH', 'CT_ROOM_3'), // Station Name
  el(0x00101040, 'LO', '1 Main Street, Springfield'),
  el(0x00102154, 'SH', '+1 555 0100'),
  el(T.StudyID, 'SH', '12'), // a short counter: not collected
  el(0x00400253, 'SH', 'PPS-778899'),
  el(T.SOPClassUID, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
  el(T.SOPInstanceUID, 'UI', UID),
  el(0x00181002, 'UI', `${UID}.9`), // Device UID
  seq(0x00101002, [[el(T.PatientID, 'LO', 'OTHER-77')]]),
  seq(0x00081032, [[seq(0x0040a730, [[el(0x0040a123, 'PN', 'Observer^Olga')]])]]),
  seq(0x00080082, [[el(0x00080104, 'LO', 'Hospital Code Name')]]),
  seq(0x00401101, [[el(0x00080100, 'SH', 'STAFF12345')]]),
  el(0x00090010, 'LO', 'ACME'),
  el(0x00091010, 'PN', 'Private^Name'),
];

describe('collectIdentity', () => {
  it('collects names at every depth, IDs, the birth date, identifying text and every non-registered UID', () => {
    const id = collectIdentity(
      source,
      ['ISO_IR 100'],
      [el(0x00020003, 'UI', UID), el(0x00020012, 'UI', '1.2.3.4.5')],
    );
    expect(id.names).toEqual(['Müller^Jürgen', 'Observer^Olga', 'Private^Name']);
    expect(id.ids).toEqual(['PID-0001', 'ACC42', 'PPS-778899', 'OTHER-77', 'STAFF12345']);
    expect(id.dates).toEqual(['19600101']);
    expect(id.texts).toEqual([
      'General Hospital',
      'CT_ROOM_3',
      '1 Main Street, Springfield',
      '+1 555 0100',
      'Hospital Code Name',
    ]);
    expect(id.uids).toEqual([UID, `${UID}.9`]);
  });

  it('collects places and devices only in pieces long enough to be more than a word of every description', () => {
    const places = [
      el(T.InstitutionName, 'LO', 'NIH'),
      el(0x00081040, 'LO', 'MRI, Oncology West'), // Institutional Department Name
      el(0x00081010, 'SH', 'CT'), // Station Name
      el(0x00380300, 'LO', '52'), // Current Patient Location: a bed number
      el(0x00321033, 'LO', 'A4'), // Requesting Service
      el(0x00400242, 'SH', 'MR1'), // Performed Station Name
      el(0x00400243, 'SH', '1,0'), // Performed Location
    ];
    expect(collectIdentity(places, []).texts).toEqual(['Oncology West']);
    const cleaner = createTextCleaner(cleaningTokens(collectIdentity(places, [])));
    for (const clinical of [
      'MRI BRAIN W/WO',
      'CT HEAD W/O',
      'NIH stroke scale 4',
      '52 yo',
      'segment A4',
      'CTA 1,0 mm',
    ])
      expect(cleaner.clean(clinical)).toBe(clinical);
    expect(cleaner.clean('Oncology West follow up')).toBe('follow up');
  });

  it('leaves out what the options keep', () => {
    const id = collectIdentity(source, ['ISO_IR 100'], [], {
      retainInstitutionIdentity: true,
      retainDeviceIdentity: true,
    });
    expect(id.texts).toEqual(['1 Main Street, Springfield', '+1 555 0100']);
    expect(id.uids).toEqual([UID]); // Device UID is kept with Retain Device Identity
    expect(collectIdentity(source, [], [], { retainUIDs: true }).uids).toEqual([]);
  });

  it('merges without duplicates, in first-seen order', () => {
    const a = collectIdentity([el(T.PatientName, 'PN', 'Doe^John'), el(T.PatientID, 'LO', '1')], []);
    const b = collectIdentity([el(T.PatientName, 'PN', 'Doe^Jane'), el(T.PatientID, 'LO', '1')], []);
    expect(mergeIdentity(a, b)).toEqual({
      names: ['Doe^John', 'Doe^Jane'],
      ids: ['1'],
      dates: [],
      texts: [],
      uids: [],
      patientNames: ['Doe^John', 'Doe^Jane'],
    });
  });

  it("keeps the patient's own names apart too (a referring physician's is not one)", () => {
    const id = collectIdentity(
      [el(T.PatientName, 'PN', 'Doe^John'), el(0x00080090, 'PN', 'NONE'), el(0x00101001, 'PN', 'Roe^Johnny')],
      [],
    );
    expect(id.names).toEqual(['Doe^John', 'NONE', 'Roe^Johnny']);
    expect(id.patientNames).toEqual(['Doe^John', 'Roe^Johnny']);
  });
});
