// What must stay consistent (UIDs across instances, date intervals, File Meta) and reproducible (bytes).
import { findElement, T } from '../../../main/core/dicom/values';
import { encodeElements, encodeFileMeta } from '../../../main/core/dicom/write';
import { DEIDENTIFICATION_METHOD_TEXT } from '../../../main/core/deid/deid-markers';
import { methodCodes } from '../../../main/core/deid/options';
import { createUidMapper } from '../../../main/core/deid/uid-map';
import { DEFAULT_DEID_OPTIONS } from '../../../shared/deid-types';
import { buildInstance, testUid } from '../../fixtures/build-dicom';
import { readHeader, bufferSource } from '../../../main/core/dicom/read-header';
import { charsetsOf } from '../../../main/core/dicom/values';
import { ALL_OFF, el, EXPLICIT_LE, identityOf, reparse, run, SECRET, seq, textOf } from './helpers';

const STUDY = testUid(1);
const SERIES = testUid(1, 1);
const FOR = testUid(1, 9);
const A = testUid(1, 1, 1);
const B = testUid(1, 1, 2);

const instanceA = [
  el(T.SOPClassUID, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
  el(T.SOPInstanceUID, 'UI', A),
  el(T.StudyDate, 'DA', '20240102'),
  el(T.SeriesDate, 'DA', '20240103'),
  el(0x0008002a, 'DT', '20240104093000.5-0500'),
  el(T.PatientName, 'PN', 'Doe^John'),
  el(0x00101010, 'AS', '095Y'),
  el(T.StudyInstanceUID, 'UI', STUDY),
  el(T.SeriesInstanceUID, 'UI', SERIES),
  el(0x00200052, 'UI', FOR),
];
// A presentation state on image A: Referenced Series Sequence > Referenced Image Sequence (Type 1 there).
const instanceB = [
  el(T.SOPClassUID, 'UI', '1.2.840.10008.5.1.4.1.1.11.1'),
  el(T.SOPInstanceUID, 'UI', B),
  el(T.PatientName, 'PN', 'Doe^John'),
  seq(0x00081115, [
    [
      seq(0x00081140, [[el(0x00081150, 'UI', '1.2.840.10008.5.1.4.1.1.2'), el(0x00081155, 'UI', A)]]),
      el(T.SeriesInstanceUID, 'UI', SERIES),
    ],
  ]),
  el(T.StudyInstanceUID, 'UI', STUDY),
  el(T.SeriesInstanceUID, 'UI', SERIES),
  el(0x00200052, 'UI', FOR),
];
const identity = identityOf(instanceA, instanceB);

describe('references between instances', () => {
  it('map the same source UID to the same new UID in every instance', () => {
    const uids = createUidMapper(SECRET);
    const a = run(instanceA, { identity, uids }).elements;
    const b = run(instanceB, { identity, uids }).elements;
    const series = findElement(b, 0x00081115)!.items![0].elements;
    const image = findElement(series, 0x00081140)!.items![0].elements;
    expect(textOf(image, 0x00081155)).toBe(textOf(a, T.SOPInstanceUID));
    expect(textOf(series, T.SeriesInstanceUID)).toBe(textOf(a, T.SeriesInstanceUID));
    expect(textOf(a, T.SOPInstanceUID)).not.toBe(A);
    expect(textOf(b, 0x00200052)).toBe(textOf(a, 0x00200052));
    expect(textOf(b, T.StudyInstanceUID)).toBe(textOf(a, T.StudyInstanceUID));
    expect(textOf(image, 0x00081150)).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect([...uids.entries().keys()].sort()).toEqual([A, B, FOR, SERIES, STUDY].sort());
  });

  it('keep UIDs as they are with Retain UIDs', () => {
    const a = run(instanceA, { identity, options: { ...DEFAULT_DEID_OPTIONS, retainUIDs: true } }).elements;
    expect(textOf(a, T.SOPInstanceUID)).toBe(A);
  });
});

describe('determinism', () => {
  it('gives byte-identical output for the same input, secret, offset and case code', () => {
    const once = () => {
      const r = run([...instanceB, el(0x00081030, 'LO', 'CT Doe chest')], {
        identity,
        uids: createUidMapper(SECRET),
      });
      return Buffer.concat([encodeFileMeta(r.meta), encodeElements(r.elements, EXPLICIT_LE)]);
    };
    expect(once().equals(once())).toBe(true);
  });
});

describe('dates', () => {
  it('are shifted by the same number of days, so intervals survive; times and offsets stay', () => {
    const a = run(instanceA, { identity }).elements;
    expect(textOf(a, T.StudyDate)).toBe('20221128');
    expect(textOf(a, T.SeriesDate)).toBe('20221129');
    expect(textOf(a, 0x0008002a)).toBe('20221130093000.5-0500');
    expect(textOf(a, 0x00280303)).toBe('MODIFIED');
  });

  it('are kept with Full Dates, and removed (or emptied) with neither option', () => {
    const full = run(instanceA, {
      identity,
      options: {
        ...DEFAULT_DEID_OPTIONS,
        retainLongitudinalModifiedDates: false,
        retainLongitudinalFullDates: true,
      },
    }).elements;
    expect(textOf(full, T.StudyDate)).toBe('20240102');
    expect(textOf(full, 0x00280303)).toBe('UNMODIFIED');
    const none = run(instanceA, { identity, options: ALL_OFF }).elements;
    expect(textOf(none, T.StudyDate)).toBe(''); // Z: Type 2
    expect(findElement(none, T.SeriesDate)).toBeUndefined(); // X/D, Type 3
    expect(textOf(none, 0x00280303)).toBe('REMOVED');
  });

  it('never shift the birth date: the 2025b row says Z whatever the date options', () => {
    for (const options of [
      DEFAULT_DEID_OPTIONS,
      { ...DEFAULT_DEID_OPTIONS, retainLongitudinalModifiedDates: false, retainLongitudinalFullDates: true },
    ]) {
      const out = run([...instanceA, el(T.PatientBirthDate, 'DA', '19290101')], { options }).elements;
      expect(textOf(out, T.PatientBirthDate)).toBe('');
    }
  });
});

describe('patient characteristics', () => {
  it('caps ages over 89 at 090Y', () => {
    expect(textOf(run(instanceA, { identity }).elements, 0x00101010)).toBe('090Y');
    expect(findElement(run(instanceA, { identity, options: ALL_OFF }).elements, 0x00101010)).toBeUndefined();
  });
});

describe('de-identification markers', () => {
  it('claims no option that only met empty elements (an empty sex or date is not a retained characteristic)', () => {
    const empty = [
      el(T.PatientName, 'PN', 'Doe^John'),
      el(0x00080020, 'DA', ''),
      el(0x00100040, 'CS', ''),
      el(0x00101010, 'AS', ''),
    ];
    expect([...run(empty).appliedOptions]).toEqual([]);
    const withSex = [...empty.filter((e) => e.tag !== 0x00100040), el(0x00100040, 'CS', 'F')];
    expect([...run(withSex).appliedOptions]).toEqual(['rtnPatCharsOpt']);
  });

  it('says what was done, with the codes of the options really applied to this instance', () => {
    const r = run(instanceA, { identity });
    const out = r.elements;
    // Instance A has dates (shifted) and an age (kept, capped): those two options, no other.
    expect([...r.appliedOptions].sort()).toEqual(['rtnLongModifDatesOpt', 'rtnPatCharsOpt']);
    expect(textOf(out, 0x00120062)).toBe('YES');
    expect(textOf(out, 0x00120063)).toBe(DEIDENTIFICATION_METHOD_TEXT);
    const items = findElement(out, 0x00120064)!.items!;
    const codes = methodCodes(r.appliedOptions, { pixelsCleaned: false });
    // 113107 Modified Dates, 113108 Patient Characteristics; not 113105 etc. (nothing here to clean).
    expect(codes.map((c) => c.codeValue)).toEqual(['113100', '113107', '113108']);
    expect(
      items.map((i) => [
        textOf(i.elements, 0x00080100),
        textOf(i.elements, 0x00080102),
        textOf(i.elements, 0x00080104),
      ]),
    ).toEqual(codes.map((c) => [c.codeValue, 'DCM', c.codeMeaning]));
  });

  it('sets Burned In Annotation NO only when the pixels were cleaned', () => {
    const withYes = [...instanceA, el(0x00280301, 'CS', 'YES')];
    expect(textOf(run(withYes, { identity }).elements, 0x00280301)).toBe('YES');
    expect(findElement(run(instanceA, { identity }).elements, 0x00280301)).toBeUndefined();
    expect(textOf(run(withYes, { identity, pixelsCleaned: true }).elements, 0x00280301)).toBe('NO');
  });
});

describe('File Meta', () => {
  it('follows the new SOP UIDs, names ClearDisc, and drops AE titles and private information', async () => {
    const file = buildInstance({ sopInstanceUID: A, studyInstanceUID: STUDY, seriesInstanceUID: SERIES });
    const h = await readHeader(bufferSource(file));
    const meta = [
      ...h.meta,
      el(0x00020016, 'AE', 'SENDER_AE'),
      el(0x00020017, 'AE', 'SENDING'),
      el(0x00020018, 'AE', 'RECEIVER'),
      el(0x00020100, 'UI', testUid(5)),
      el(0x00020102, 'OB', 'Doe private'),
    ];
    const elements = h.elements.filter((e) => e !== h.pixelData);
    const uids = createUidMapper(SECRET);
    const r = run(elements, { meta, uids, identity: identityOf(elements) });
    expect(textOf(r.meta, 0x00020003)).toBe(uids.map(A));
    expect(textOf(r.meta, 0x00020003)).toBe(textOf(r.elements, T.SOPInstanceUID));
    expect(textOf(r.meta, 0x00020002)).toBe(textOf(r.elements, T.SOPClassUID));
    expect(textOf(r.meta, 0x00020012)).toBe('2.25.1234');
    expect(textOf(r.meta, 0x00020013)).toBe('CLEARDISC_0');
    expect(textOf(r.meta, 0x00020010)).toBe('1.2.840.10008.1.2.1');
    for (const t of [0x00020016, 0x00020017, 0x00020018, 0x00020100, 0x00020102])
      expect(findElement(r.meta, t)).toBeUndefined();
    // The whole file re-encodes and re-parses.
    const back = await readHeader(
      bufferSource(Buffer.concat([encodeFileMeta(r.meta), encodeElements(r.elements, h.encoding)])),
    );
    expect(textOf(back.elements, T.PatientName)).toBe(textOf(r.elements, T.PatientName));
    expect(charsetsOf(back.elements)).toEqual(charsetsOf(elements)); // nothing forced a change of character set
    expect(reparse(r.elements).length).toBe(r.elements.length);
  });
});
