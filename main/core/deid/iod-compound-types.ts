// Attribute Types, IOD by IOD, for the attributes whose PS3.15 Table E.1-1 action is compound (Z/D, X/Z, X/D,
// X/Z/D, X/Z/U*): the table picks among the choices "by the attribute's Type in the instance's IOD where known,
// else the safer choice". resolveCompound (actions.ts) uses this map for the elements of the top-level data set
// of an instance whose SOP Class is listed here; items of sequences (whose Types belong to the macro that defines
// the sequence) and unlisted SOP Classes keep the context-free, conservative Types of iod-types.ts.
//
// Source: DICOM PS3.3 (Information Object Definitions): the IOD module tables of Annex A and the module tables of
// Annex C, as of the 2022 editions that dicom3tools 1.00~20220618 encodes (libsrc/standard/module/*.tpl and
// iodcomp/*.tpl) and that the dciodvfy of the integration tests checks. Every entry was verified with that
// dciodvfy: a probe instance of each SOP Class holding all the attributes of COMPOUND_ACTION_TAGS, with one left
// out ("Missing attribute Type 1/2 Required"), all emptied ("Empty attribute Type 1") and all present ("not present
// in standard DICOM IOD"), with the conditions of the modules satisfied. Where dciodvfy cannot tell (a condition
// it cannot evaluate, a User-optional module absent from the probe), the module-level Type of PS3.3 is used.
// Modules, by IOD:
//   - every IOD: SOP Common, Patient, Patient Study, General Study;
//   - General Series, General Equipment, General Image, General Acquisition, General Reference and (CT, MR, CR, DX,
//     MG, US, XA, RF) Contrast/Bolus in the image IODs: CT, MR, CR, DX and MG (For Presentation and For Processing),
//     US and US Multi-frame, Secondary Capture and the four multi-frame SC IODs, NM, PET, XA, RF;
//   - PET Series and PET Image: Series Date/Time Type 1, Acquisition Date/Time Type 2;
//   - DX Series: Referenced Performed Procedure Step Sequence 1C (DX, MG); Acquisition Context (Acquisition
//     Context Sequence 2) in DX, MG, NM, PET, Enhanced CT/MR;
//   - Enhanced CT, Enhanced MR, Segmentation: Enhanced General Equipment (Device Serial Number 1), Multi-frame
//     Functional Groups (Content Date/Time 1), CT / MR / Segmentation Series (Referenced Performed Procedure Step
//     Sequence 1C), Enhanced CT Image / MR Image and Spectroscopy Instance Macro (Acquisition DateTime 1C), Content
//     Identification Macro (Content Creator's Name 2, Segmentation);
//   - RT Structure Set, RT Plan, RT Dose: RT Series (Operators' Name 2), RT General Plan (RT Plan Date/Time 2),
//     Approval (Reviewer Name 2C), General Image (Content Date/Time 2C, RT Dose);
//   - Basic Text, Enhanced and Comprehensive SR: SR Document Series (Referenced Performed Procedure Step Sequence
//     2), SR Document General (Content Date/Time 1), SR Document Content (Observation DateTime 1C, Document
//     Relationship Macro of the root content item);
//   - Grayscale Softcopy Presentation State: Presentation Series, Presentation State Identification (Content
//     Creator's Name 2; Presentation Creation Date/Time, no Content Date/Time);
//   - Encapsulated PDF: Encapsulated Document Series, Encapsulated Document (Content Date/Time 2, Acquisition
//     DateTime 2).
//
// An attribute absent from an IOD's map is not in that IOD at the top level: the safer choice applies (X where
// the code allows it, else Z). 1C and 2C count as 1 and 2: an attribute present in a source file is present
// because its condition holds, or at least may be (e.g. Referenced Performed Procedure Step Sequence, required
// "if the Modality Performed Procedure Step SOP Class is supported", which no reader can tell).

/** A PS3.3 attribute Type. */
export type IodAttributeType = '1' | '1C' | '2' | '2C' | '3';

/** The attributes of Table E.1-1 with a compound action (basic or option column), by PS3.6 keyword. */
export const COMPOUND_ACTION_TAGS = {
  InstanceCreationDate: 0x00080012,
  InstanceCreationTime: 0x00080013,
  SeriesDate: 0x00080021,
  AcquisitionDate: 0x00080022,
  ContentDate: 0x00080023,
  AcquisitionDateTime: 0x0008002a,
  SeriesTime: 0x00080031,
  AcquisitionTime: 0x00080032,
  ContentTime: 0x00080033,
  InstitutionName: 0x00080080,
  InstitutionCodeSequence: 0x00080082,
  StationName: 0x00081010,
  OperatorsName: 0x00081070,
  OperatorIdentificationSequence: 0x00081072,
  ReferencedStudySequence: 0x00081110,
  ReferencedPerformedProcedureStepSequence: 0x00081111,
  ReferencedImageSequence: 0x00081140,
  SourceImageSequence: 0x00082112,
  PatientID: 0x00100020,
  PatientSexNeutered: 0x00102203,
  ContrastBolusAgent: 0x00180010,
  DeviceSerialNumber: 0x00181000,
  ProtocolName: 0x00181030,
  AcquisitionDeviceProcessingDescription: 0x00181400,
  DetectorID: 0x0018700a,
  DateOfLastDetectorCalibration: 0x0018700c,
  TimeOfLastDetectorCalibration: 0x0018700e,
  StartAcquisitionDateTime: 0x00189516,
  EndAcquisitionDateTime: 0x00189517,
  InstructionPerformedDateTime: 0x00189919,
  RequestedProcedureDescription: 0x00321060,
  AcquisitionContextSequence: 0x00400555,
  ObservationDateTime: 0x0040a032,
  ContentCreatorName: 0x00700084,
  LabelText: 0x22000002,
  BarcodeValue: 0x22000005,
  FirstTreatmentDate: 0x30080054,
  MostRecentTreatmentDate: 0x30080056,
  SourceSerialNumber: 0x30080105,
  TreatmentDate: 0x30080250,
  TreatmentTime: 0x30080251,
  RTPlanDate: 0x300a0006,
  RTPlanTime: 0x300a0007,
  TreatmentMachineName: 0x300a00b2,
  ReviewerName: 0x300e0008,
  IntendedPhaseStartDate: 0x3010004c,
  IntendedPhaseEndDate: 0x3010004d,
  RTTreatmentApproachLabel: 0x30100056,
  TreatmentSite: 0x30100077,
} as const;

export type CompoundKeyword = keyof typeof COMPOUND_ACTION_TAGS;
type Types = Readonly<Partial<Record<CompoundKeyword, IodAttributeType>>>;

// ---- Modules (only their compound-action attributes) ----------------------------------------------------------
const SOP_COMMON: Types = { InstanceCreationDate: '3', InstanceCreationTime: '3' };
const PATIENT: Types = { PatientID: '2' };
const PATIENT_STUDY: Types = { PatientSexNeutered: '2C' }; // required if the patient is an animal
const GENERAL_STUDY: Types = { ReferencedStudySequence: '3' };
const GENERAL_SERIES: Types = {
  SeriesDate: '3',
  SeriesTime: '3',
  ProtocolName: '3',
  OperatorsName: '3',
  OperatorIdentificationSequence: '3',
  ReferencedPerformedProcedureStepSequence: '3', // Type 3, and then exactly one item
};
const GENERAL_EQUIPMENT: Types = { InstitutionName: '3', StationName: '3', DeviceSerialNumber: '3' };
const ENHANCED_GENERAL_EQUIPMENT: Types = { DeviceSerialNumber: '1' };
const GENERAL_IMAGE: Types = { ContentDate: '2C', ContentTime: '2C' }; // if temporally related
const GENERAL_ACQUISITION: Types = { AcquisitionDate: '3', AcquisitionTime: '3', AcquisitionDateTime: '3' };
const GENERAL_REFERENCE: Types = { ReferencedImageSequence: '3', SourceImageSequence: '3' };
const CONTRAST_BOLUS: Types = { ContrastBolusAgent: '2' };
const ACQUISITION_CONTEXT: Types = { AcquisitionContextSequence: '2' };
const MULTI_FRAME_FUNCTIONAL_GROUPS: Types = { ContentDate: '1', ContentTime: '1' };
/** CT Series, MR Series, Segmentation Series, DX Series: required if MPPS is supported. */
const SERIES_WITH_PPS_1C: Types = { ReferencedPerformedProcedureStepSequence: '1C' };
const CONTENT_IDENTIFICATION: Types = { ContentCreatorName: '2' };
const RT_SERIES: Types = {
  SeriesDate: '3',
  SeriesTime: '3',
  OperatorsName: '2',
  OperatorIdentificationSequence: '3',
  ReferencedPerformedProcedureStepSequence: '3',
};
const APPROVAL: Types = { ReviewerName: '2C' }; // required if Approval Status is APPROVED or REJECTED

/** Every composite IOD. */
const COMMON: Types = { ...SOP_COMMON, ...PATIENT, ...PATIENT_STUDY, ...GENERAL_STUDY };
/** The classic single-image IODs' series, equipment, image, acquisition and reference modules. */
const IMAGE: Types = {
  ...COMMON,
  ...GENERAL_SERIES,
  ...GENERAL_EQUIPMENT,
  ...GENERAL_IMAGE,
  ...GENERAL_ACQUISITION,
  ...GENERAL_REFERENCE,
};
/** Enhanced CT and MR: later modules override the classic ones. */
const ENHANCED_CT_MR: Types = {
  ...COMMON,
  ...GENERAL_SERIES,
  ...GENERAL_EQUIPMENT,
  ...ENHANCED_GENERAL_EQUIPMENT,
  ...SERIES_WITH_PPS_1C,
  ...MULTI_FRAME_FUNCTIONAL_GROUPS,
  ...ACQUISITION_CONTEXT,
  AcquisitionDateTime: '1C', // if Image Type value 1 is ORIGINAL or MIXED
};
const DX_MG: Types = {
  ...IMAGE,
  ...CONTRAST_BOLUS,
  ...SERIES_WITH_PPS_1C,
  ...ACQUISITION_CONTEXT,
  AcquisitionDeviceProcessingDescription: '3', // DX Image
  DetectorID: '3', // DX Detector
  DateOfLastDetectorCalibration: '3',
  TimeOfLastDetectorCalibration: '3',
};
const XA_RF: Types = { ...IMAGE, ...CONTRAST_BOLUS, AcquisitionDeviceProcessingDescription: '3' };
const RT: Types = { ...COMMON, ...RT_SERIES, ...GENERAL_EQUIPMENT, ...GENERAL_REFERENCE };
const SR: Types = {
  ...COMMON,
  ...GENERAL_EQUIPMENT,
  SeriesDate: '3', // SR Document Series
  SeriesTime: '3',
  ProtocolName: '3',
  ReferencedPerformedProcedureStepSequence: '2',
  ContentDate: '1', // SR Document General
  ContentTime: '1',
  ObservationDateTime: '1C', // root content item: if it differs from Content Date/Time
};

/** SOP Class UID -> Types of the compound-action attributes at the top level of its IOD. */
export const IOD_COMPOUND_TYPES: Readonly<Record<string, Types>> = {
  // CT Image
  '1.2.840.10008.5.1.4.1.1.2': { ...IMAGE, ...CONTRAST_BOLUS },
  // Enhanced CT Image
  '1.2.840.10008.5.1.4.1.1.2.1': ENHANCED_CT_MR,
  // MR Image
  '1.2.840.10008.5.1.4.1.1.4': { ...IMAGE, ...CONTRAST_BOLUS },
  // Enhanced MR Image
  '1.2.840.10008.5.1.4.1.1.4.1': ENHANCED_CT_MR,
  // Computed Radiography Image
  '1.2.840.10008.5.1.4.1.1.1': { ...IMAGE, ...CONTRAST_BOLUS, AcquisitionDeviceProcessingDescription: '3' },
  // Digital X-Ray Image, For Presentation / For Processing
  '1.2.840.10008.5.1.4.1.1.1.1': DX_MG,
  '1.2.840.10008.5.1.4.1.1.1.1.1': DX_MG,
  // Digital Mammography X-Ray Image, For Presentation / For Processing
  '1.2.840.10008.5.1.4.1.1.1.2': DX_MG,
  '1.2.840.10008.5.1.4.1.1.1.2.1': DX_MG,
  // Ultrasound Image, Ultrasound Multi-frame Image
  '1.2.840.10008.5.1.4.1.1.6.1': { ...IMAGE, ...CONTRAST_BOLUS },
  '1.2.840.10008.5.1.4.1.1.3.1': { ...IMAGE, ...CONTRAST_BOLUS },
  // Secondary Capture Image; Multi-frame Single Bit, Grayscale Byte, Grayscale Word, True Color SC Image
  '1.2.840.10008.5.1.4.1.1.7': IMAGE,
  '1.2.840.10008.5.1.4.1.1.7.1': IMAGE,
  '1.2.840.10008.5.1.4.1.1.7.2': IMAGE,
  '1.2.840.10008.5.1.4.1.1.7.3': IMAGE,
  '1.2.840.10008.5.1.4.1.1.7.4': IMAGE,
  // Nuclear Medicine Image
  '1.2.840.10008.5.1.4.1.1.20': { ...IMAGE, ...ACQUISITION_CONTEXT },
  // Positron Emission Tomography Image: PET Series and PET Image make the dates mandatory.
  '1.2.840.10008.5.1.4.1.1.128': {
    ...IMAGE,
    ...ACQUISITION_CONTEXT,
    SeriesDate: '1',
    SeriesTime: '1',
    AcquisitionDate: '2',
    AcquisitionTime: '2',
  },
  // X-Ray Angiographic Image, X-Ray Radiofluoroscopic Image
  '1.2.840.10008.5.1.4.1.1.12.1': XA_RF,
  '1.2.840.10008.5.1.4.1.1.12.2': XA_RF,
  // RT Structure Set, RT Plan, RT Dose
  '1.2.840.10008.5.1.4.1.1.481.3': { ...RT, ...APPROVAL },
  '1.2.840.10008.5.1.4.1.1.481.5': { ...RT, ...APPROVAL, RTPlanDate: '2', RTPlanTime: '2' },
  '1.2.840.10008.5.1.4.1.1.481.2': { ...RT, ...GENERAL_IMAGE },
  // Basic Text SR, Enhanced SR, Comprehensive SR
  '1.2.840.10008.5.1.4.1.1.88.11': SR,
  '1.2.840.10008.5.1.4.1.1.88.22': SR,
  '1.2.840.10008.5.1.4.1.1.88.33': SR,
  // Segmentation
  '1.2.840.10008.5.1.4.1.1.66.4': {
    ...IMAGE,
    ...ENHANCED_GENERAL_EQUIPMENT,
    ...SERIES_WITH_PPS_1C,
    ...MULTI_FRAME_FUNCTIONAL_GROUPS,
    ...CONTENT_IDENTIFICATION,
  },
  // Grayscale Softcopy Presentation State
  '1.2.840.10008.5.1.4.1.1.11.1': {
    ...COMMON,
    ...GENERAL_SERIES,
    ...GENERAL_EQUIPMENT,
    ...CONTENT_IDENTIFICATION,
  },
  // Encapsulated PDF
  '1.2.840.10008.5.1.4.1.1.104.1': {
    ...COMMON,
    ...GENERAL_EQUIPMENT,
    SeriesDate: '3', // Encapsulated Document Series
    SeriesTime: '3',
    ProtocolName: '3',
    ReferencedPerformedProcedureStepSequence: '3',
    ContentDate: '2', // Encapsulated Document
    ContentTime: '2',
    AcquisitionDateTime: '2',
  },
};

let byTag: Map<string, ReadonlyMap<number, IodAttributeType>> | undefined;

/**
 * The Types of the compound-action attributes at the top level of the IOD of `sopClassUID`, by tag; undefined
 * when the SOP Class is not in the map (then the caller keeps its context-free Types). An attribute missing from
 * a returned map is not part of the IOD at the top level.
 */
export function compoundTypesForSopClass(
  sopClassUID: string | undefined,
): ReadonlyMap<number, IodAttributeType> | undefined {
  if (!sopClassUID) return undefined;
  if (!byTag) {
    byTag = new Map();
    for (const [uid, types] of Object.entries(IOD_COMPOUND_TYPES)) {
      const m = new Map<number, IodAttributeType>();
      for (const [k, t] of Object.entries(types) as [CompoundKeyword, IodAttributeType][])
        m.set(COMPOUND_ACTION_TAGS[k], t);
      byTag.set(uid, m);
    }
  }
  // Values read from a file may carry UI padding (NUL) or stray spaces.
  return byTag.get(sopClassUID.replace(/[\0 ]+$/, '').trim());
}
