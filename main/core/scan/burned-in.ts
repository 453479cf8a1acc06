/** SOP classes whose pixels usually carry text or faces: ultrasound, captures, photographs, documents. */
const RISKY_SOP_CLASS_PREFIXES = [
  '1.2.840.10008.5.1.4.1.1.6', // Ultrasound Image Storage (and retired)
  '1.2.840.10008.5.1.4.1.1.3', // Ultrasound Multi-frame (and retired)
  '1.2.840.10008.5.1.4.1.1.7', // Secondary Capture and its multi-frame variants
  '1.2.840.10008.5.1.4.1.1.77.1', // Visible Light: endoscopy, microscopy, photography, video
  '1.2.840.10008.5.1.4.1.1.104', // Encapsulated documents (PDF, CDA, STL, OBJ, MTL)
];

/** Modalities that usually carry burned-in text or recognisable features. */
const RISKY_MODALITIES = new Set([
  'US',
  'IVUS',
  'SC',
  'OT',
  'XC',
  'ES',
  'GM',
  'SM',
  'OP',
  'DMS', // dermoscopy photographs
  'DOC',
  'VL',
  'TG',
]);

export const ENCAPSULATED_DOCUMENT_PREFIX = '1.2.840.10008.5.1.4.1.1.104';

export function isEncapsulatedDocument(sopClassUID: string): boolean {
  return sopClassUID.startsWith(ENCAPSULATED_DOCUMENT_PREFIX + '.');
}

export function isRiskyKind(sopClassUID: string, modality: string): boolean {
  return (
    RISKY_MODALITIES.has(modality.toUpperCase()) ||
    RISKY_SOP_CLASS_PREFIXES.some((p) => sopClassUID === p || sopClassUID.startsWith(p + '.'))
  );
}

/**
 * Pixel identity risk (PS3.15 E.1.1 and the default exclusions):
 * - Recognizable Visual Features (0028,0302) YES: the pixels show a face or similar, whatever the kind of image
 *   and whatever Burned In Annotation says (the two attributes describe different things);
 * - Burned In Annotation (0028,0301) YES: text in the pixels;
 * - Burned In Annotation absent (or not a valid YES/NO) on a risky kind of image: ultrasound, secondary and screen
 *   captures, photographs, documents.
 * An explicit Burned In Annotation NO from the modality is trusted, as PS3.15 E.1.1 allows, unless Recognizable
 * Visual Features says YES.
 */
export function burnedInRisk(
  burnedInAnnotation: string,
  sopClassUID: string,
  modality: string,
  recognizableVisualFeatures = '',
  capture = false,
): boolean {
  if (recognizableVisualFeatures.trim().toUpperCase() === 'YES') return true;
  const bia = burnedInAnnotation.trim().toUpperCase();
  if (bia === 'YES') return true;
  if (bia === 'NO') return false;
  return capture || isRiskyKind(sopClassUID, modality);
}

/** Image Type words of a screen capture (a dose report or a workstation screen saved as a CT image). */
const CAPTURE_WORDS = /^(SCREEN ?SAVE|SCREEN ?SHOT|SCREEN ?CAPTURE|SCREEN)$/;

/**
 * Whatever its SOP class, an image that is a capture: Image Type says screen save, or it has a Conversion Type
 * (workstation, scanned document or film, digitized video...), which only captures carry. Its pixels show what
 * was on the screen or the film, the patient's name included.
 */
export function isCapture(imageType: string, conversionType: string): boolean {
  return (
    conversionType.trim() !== '' ||
    imageType.split('\\').some((w) => CAPTURE_WORDS.test(w.trim().toUpperCase()))
  );
}
