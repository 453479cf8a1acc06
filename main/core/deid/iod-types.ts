// Attribute Types (PS3.3) that decide the compound actions of Table E.1-1 (X/Z, X/D, Z/D, X/Z/D, X/Z/U*) and
// whether an attribute the table does not list may be removed.
//
// These are the context-free Types, used where the IOD is not known or does not decide: inside sequence items
// (whose Types belong to the macro that defines the sequence) and in instances of SOP Classes that
// iod-compound-types.ts does not list. For the top-level data set of a listed SOP Class, the compound actions
// follow that IOD's own Types (iod-compound-types.ts) instead.
//
// There are no full IOD tables here. The list holds attributes that are Type 1 or Type 2 in at least one common
// IOD a patient disc carries (images, enhanced multi-frame, SR, presentation states, RT, waveforms, encapsulated
// documents). The Type is context free: an attribute Type 1 somewhere is treated as Type 1 everywhere. That can
// only keep an attribute (as a dummy, a zero-length value, a shifted date or a re-mapped UID), never leak one:
// every value kept this way is still replaced or cleaned. 1C and 2C count as 1 and 2 — an attribute present in a
// source file is almost always present because its condition holds, and removing it then breaks conformance.
//
// Attributes absent here are treated as Type 3 (removable).

export type AttributeType = '1' | '2';

const TYPES: ReadonlyMap<number, AttributeType> = new Map<number, AttributeType>([
  // ---- Compound rows of Table E.1-1 -------------------------------------------------------------------------
  // Content Date/Time: Type 1 in SR Document General, Presentation State Identification, Enhanced multi-frame
  // images (Multi-frame Functional Groups), Waveform Identification; 2C in General Image. (Z/D)
  [0x00080023, '1'],
  [0x00080033, '1'],
  // Acquisition DateTime: Type 1 in Waveform Identification, 1C in Enhanced CT/MR/XA images. (X/Z/D)
  [0x0008002a, '1'],
  // Device Serial Number: Type 1 in Enhanced General Equipment (enhanced images, Segmentation). (X/Z/D)
  [0x00181000, '1'],
  // Referenced Image Sequence: Type 1 in Presentation State Relationship (GSPS > Referenced Series Sequence);
  // Source Image Sequence: Type 1 in the Derivation Image functional group. Kept with their UIDs re-mapped. (X/Z/U*)
  [0x00081140, '1'],
  [0x00082112, '1'],
  // Observation DateTime: Type 1C in SR Document Content (content items). (X/D)
  [0x0040a032, '1'],
  // RT Plan Date/Time: Type 2 in RT General Plan. (X/D: D is the only choice that keeps them present)
  [0x300a0006, '2'],
  [0x300a0007, '2'],
  // Treatment Date/Time: Type 2 in RT Treatment Session Record modules. (X/D)
  [0x30080250, '2'],
  [0x30080251, '2'],
  // Treatment Machine Name: Type 2 in RT Beams (Beam Sequence items). (X/Z)
  [0x300a00b2, '2'],
  // Reviewer Name: Type 2C in Approval (RT Plan, RT Structure Set when APPROVED or REJECTED). (X/Z)
  [0x300e0008, '2'],
  // Contrast/Bolus Agent: Type 2 in Contrast/Bolus. (Z/D)
  [0x00180010, '2'],
  // Content Creator's Name: Type 2 in Presentation State Identification and Segmentation. (Z/D)
  [0x00700084, '2'],
  // Requested Procedure Description: Type 2 in SR Document General > Referenced Request Sequence. (X/Z)
  [0x00321060, '2'],
  // Acquisition Context Sequence: Type 2 in Acquisition Context (enhanced images, waveforms, parametric maps). (X/Z)
  [0x00400555, '2'],
  // Operators' Name: Type 2 in RT Series (RT Plan, RT Structure Set, RT Dose, ...). (X/Z/D)
  [0x00081070, '2'],
  // Referenced Performed Procedure Step Sequence: Type 2 in SR Document Series, but Type 3 with exactly one item in
  // General Series, so neither X nor Z (empty) suits both. Counted as Type 1: D keeps the item, its UIDs re-mapped,
  // which leaks nothing. (X/Z/D)
  [0x00081111, '1'],

  // ---- Single-action rows kept here for reference: Z keeps Type 2 attributes present by itself ----------------
  // Patient Module: Patient Name, Patient ID, Birth Date, Sex (Type 2 in every composite IOD).
  [0x00100010, '2'],
  [0x00100020, '2'],
  [0x00100030, '2'],
  [0x00100040, '2'],
  // General Study: Study Date/Time, Referring Physician's Name, Study ID, Accession Number.
  [0x00080020, '2'],
  [0x00080030, '2'],
  [0x00080090, '2'],
  [0x00200010, '2'],
  [0x00080050, '2'],
  // SR Verifying Observer: Name Type 1, Identification Code Sequence Type 2, Organization Type 1.
  [0x0040a075, '1'],
  [0x0040a088, '2'],
  [0x0040a027, '1'],
  // Person Name (0040,A123): Type 1 in PNAME content items.
  [0x0040a123, '1'],
  // Structure Set Label: Type 1 in Structure Set (cleaned under Clean Descriptors; never left empty).
  [0x30060002, '1'],
  // RT Plan Label: Type 1 in RT General Plan (likewise).
  [0x300a0002, '1'],

  // ---- Attributes Table E.1-1 does not list, whose VR the default rule would remove ------------------------
  // Text Value: Type 1C in SR TEXT content items and Acquisition Context items.
  [0x0040a160, '1'],
  // Unformatted Text Value: Type 1C in GSPS Text Object Sequence items.
  [0x00700006, '1'],
  // Document Title: Type 2 in Encapsulated Document.
  [0x00420010, '2'],
]);

/** The Type of an attribute where it matters to de-identification; undefined means "treat as Type 3". */
export function attributeType(tag: number): AttributeType | undefined {
  return TYPES.get(tag >>> 0);
}
