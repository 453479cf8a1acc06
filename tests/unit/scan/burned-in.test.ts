import { bufferSource, readHeader } from '../../../main/core/dicom/read-header';
import { burnedInRisk, isEncapsulatedDocument, isRiskyKind } from '../../../main/core/scan/burned-in';
import { describeInstance } from '../../../main/core/scan/instance';
import {
  buildEncapsulatedDocument,
  buildInstance,
  CT_IMAGE,
  ENCAPSULATED_CDA,
  ENCAPSULATED_PDF,
  SECONDARY_CAPTURE,
  testUid,
  US_IMAGE,
  VL_PHOTOGRAPHIC,
  type InstanceSpec,
} from '../../fixtures/build-dicom';

const US_MULTIFRAME = '1.2.840.10008.5.1.4.1.1.3.1';
const SC_MULTIFRAME_TRUE_COLOR = '1.2.840.10008.5.1.4.1.1.7.4';
const VL_ENDOSCOPIC = '1.2.840.10008.5.1.4.1.1.77.1.1';
const OPHTHALMIC_PHOTO_8BIT = '1.2.840.10008.5.1.4.1.1.77.1.5.1';
const VIDEO_PHOTOGRAPHIC = '1.2.840.10008.5.1.4.1.1.77.1.4.1';
const MR_IMAGE = '1.2.840.10008.5.1.4.1.1.4';
const PARAMETRIC_MAP = '1.2.840.10008.5.1.4.1.1.30';
const SPATIAL_REGISTRATION = '1.2.840.10008.5.1.4.1.1.66.1';

describe('isRiskyKind', () => {
  it.each([
    ['ultrasound', US_IMAGE, 'US'],
    ['ultrasound multi-frame', US_MULTIFRAME, 'US'],
    ['secondary capture', SECONDARY_CAPTURE, 'OT'],
    ['multi-frame true colour secondary capture', SC_MULTIFRAME_TRUE_COLOR, 'SC'],
    ['VL photographic', VL_PHOTOGRAPHIC, 'XC'],
    ['video photographic', VIDEO_PHOTOGRAPHIC, 'XC'],
    ['VL endoscopic', VL_ENDOSCOPIC, 'ES'],
    ['ophthalmic photography', OPHTHALMIC_PHOTO_8BIT, 'OP'],
    ['encapsulated PDF', ENCAPSULATED_PDF, 'DOC'],
    // A risky SOP class under a modality code that is not, and the other way round.
    ['ultrasound SOP class whatever the modality', US_IMAGE, 'CT'],
    ['screen capture stored under a CT SOP class with modality SC', CT_IMAGE, 'SC'],
    ['external camera photograph', CT_IMAGE, 'xc'],
    ['dermoscopy', CT_IMAGE, 'DMS'],
  ])('%s is a risky kind', (_, sop, modality) => {
    expect(isRiskyKind(sop, modality)).toBe(true);
  });

  it.each([
    ['CT', CT_IMAGE, 'CT'],
    ['MR', MR_IMAGE, 'MR'],
    // Prefix look-alikes: 1.1.30 is not under 1.1.3, 1.1.66.1 not under 1.1.6, 1.1.77.x not under 1.1.7.
    ['parametric map (1.1.30)', PARAMETRIC_MAP, 'MR'],
    ['spatial registration (1.1.66.1)', SPATIAL_REGISTRATION, 'REG'],
  ])('%s is not a risky kind', (_, sop, modality) => {
    expect(isRiskyKind(sop, modality)).toBe(false);
  });
});

describe('isEncapsulatedDocument', () => {
  it('recognises Encapsulated PDF and CDA, not the other SOP classes', () => {
    expect(isEncapsulatedDocument(ENCAPSULATED_PDF)).toBe(true);
    expect(isEncapsulatedDocument(ENCAPSULATED_CDA)).toBe(true);
    expect(isEncapsulatedDocument(SECONDARY_CAPTURE)).toBe(false);
    expect(isEncapsulatedDocument(US_IMAGE)).toBe(false);
    expect(isEncapsulatedDocument('1.2.840.10008.5.1.4.1.1.104')).toBe(false);
    expect(isEncapsulatedDocument('1.2.840.10008.5.1.4.1.1.1040.1')).toBe(false);
  });
});

describe('burnedInRisk', () => {
  it('Burned In Annotation YES is a risk on any kind of image', () => {
    expect(burnedInRisk('YES', CT_IMAGE, 'CT')).toBe(true);
    expect(burnedInRisk('yes', MR_IMAGE, 'MR')).toBe(true);
    expect(burnedInRisk(' YES ', US_IMAGE, 'US')).toBe(true);
  });

  it('Burned In Annotation absent is a risk on US, secondary capture, photographs and documents only', () => {
    expect(burnedInRisk('', US_IMAGE, 'US')).toBe(true);
    expect(burnedInRisk('', SECONDARY_CAPTURE, 'OT')).toBe(true);
    expect(burnedInRisk('', VL_PHOTOGRAPHIC, 'XC')).toBe(true);
    expect(burnedInRisk('', OPHTHALMIC_PHOTO_8BIT, 'OP')).toBe(true);
    expect(burnedInRisk('', ENCAPSULATED_PDF, 'DOC')).toBe(true);
    expect(burnedInRisk('', CT_IMAGE, 'CT')).toBe(false);
    expect(burnedInRisk('', MR_IMAGE, 'MR')).toBe(false);
  });

  it('a value other than YES or NO counts as absent', () => {
    expect(burnedInRisk('MAYBE', US_IMAGE, 'US')).toBe(true);
    expect(burnedInRisk('MAYBE', CT_IMAGE, 'CT')).toBe(false);
  });

  it('an explicit NO is trusted (PS3.15 E.1.1), even on a risky kind', () => {
    expect(burnedInRisk('NO', US_IMAGE, 'US')).toBe(false);
    expect(burnedInRisk('no', SECONDARY_CAPTURE, 'SC')).toBe(false);
    expect(burnedInRisk('NO', CT_IMAGE, 'CT')).toBe(false);
  });

  it('Recognizable Visual Features YES is a risk whatever Burned In Annotation says', () => {
    expect(burnedInRisk('NO', VL_PHOTOGRAPHIC, 'XC', 'YES')).toBe(true);
    expect(burnedInRisk('NO', US_IMAGE, 'US', 'YES')).toBe(true);
    // A face surface rendered from CT or MR is recognisable too.
    expect(burnedInRisk('NO', CT_IMAGE, 'CT', 'YES')).toBe(true);
    expect(burnedInRisk('', MR_IMAGE, 'MR', 'yes ')).toBe(true);
  });

  it('Recognizable Visual Features NO or absent changes nothing', () => {
    expect(burnedInRisk('NO', VL_PHOTOGRAPHIC, 'XC', 'NO')).toBe(false);
    expect(burnedInRisk('', VL_PHOTOGRAPHIC, 'XC', 'NO')).toBe(true);
    expect(burnedInRisk('YES', CT_IMAGE, 'CT', 'NO')).toBe(true);
    expect(burnedInRisk('', CT_IMAGE, 'CT', 'NO')).toBe(false);
    expect(burnedInRisk('', CT_IMAGE, 'CT', '')).toBe(false);
  });
});

describe('describeInstance reads both attributes from the header', () => {
  const spec = (extra: Record<string, unknown>, over: Partial<InstanceSpec> = {}): InstanceSpec => ({
    sopInstanceUID: testUid(40, 1, 1),
    studyInstanceUID: testUid(40),
    seriesInstanceUID: testUid(40, 1),
    extra,
    ...over,
  });
  const risk = async (buf: Buffer) =>
    describeInstance('x.dcm', await readHeader(bufferSource(buf))).burnedInRisk;

  it.each([
    ['CT, nothing declared', spec({}), false],
    // A dose report or workstation screen saved as a CT image shows the screen, names and all.
    ['CT screen save', spec({ ImageType: ['DERIVED', 'SECONDARY', 'SCREEN SAVE'] }), true],
    ['CT converted from a workstation', spec({ ConversionType: 'WSD' }), true],
    [
      'CT screen save declared clean',
      spec({ ImageType: ['DERIVED', 'SECONDARY', 'SCREEN SAVE'], BurnedInAnnotation: 'NO' }),
      false,
    ],
    ['CT, derived but no capture', spec({ ImageType: ['DERIVED', 'SECONDARY', 'MPR'] }), false],
    ['CT, Burned In Annotation YES', spec({ BurnedInAnnotation: 'YES' }), true],
    ['CT, Recognizable Visual Features YES', spec({ RecognizableVisualFeatures: 'YES' }), true],
    ['US without Burned In Annotation', spec({}, { sopClassUID: US_IMAGE, modality: 'US' }), true],
    [
      'US with Burned In Annotation NO',
      spec({ BurnedInAnnotation: 'NO' }, { sopClassUID: US_IMAGE, modality: 'US' }),
      false,
    ],
    [
      'photograph with Burned In Annotation NO but Recognizable Visual Features YES',
      spec(
        { BurnedInAnnotation: 'NO', RecognizableVisualFeatures: 'YES' },
        { sopClassUID: VL_PHOTOGRAPHIC, modality: 'XC' },
      ),
      true,
    ],
    [
      'photograph with both NO',
      spec(
        { BurnedInAnnotation: 'NO', RecognizableVisualFeatures: 'NO' },
        { sopClassUID: VL_PHOTOGRAPHIC, modality: 'XC' },
      ),
      false,
    ],
    [
      'CT with an overlay embedded in the pixels’ high bits, even with Burned In Annotation NO',
      spec({
        BurnedInAnnotation: 'NO',
        OverlayRows: 8,
        OverlayColumns: 8,
        OverlayType: 'G',
        OverlayBitsAllocated: 16,
        OverlayBitPosition: 12,
      }),
      true,
    ],
    [
      'CT with an overlay of its own (Overlay Data): not in the pixels',
      spec({
        OverlayRows: 8,
        OverlayColumns: 8,
        OverlayType: 'G',
        OverlayBitsAllocated: 1,
        OverlayBitPosition: 0,
        OverlayData: new Uint8Array(8).buffer,
      }),
      false,
    ],
  ])('%s', async (_, s, expected) => {
    expect(await risk(buildInstance(s))).toBe(expected);
  });

  it('an encapsulated PDF is indexed with its SOP class and counted as a risk', async () => {
    const buf = buildEncapsulatedDocument(spec({}));
    const inst = describeInstance('doc.dcm', await readHeader(bufferSource(buf)));
    expect(inst.sopClassUID).toBe(ENCAPSULATED_PDF);
    expect(inst.modality).toBe('DOC');
    expect(inst.burnedInRisk).toBe(true);
  });
});
