/** How a data set's bytes are laid out, from its Transfer Syntax UID. */
export interface Encoding {
  littleEndian: boolean;
  explicitVR: boolean;
}

export interface TransferSyntaxInfo extends Encoding {
  uid: string;
  /** Pixel Data is a sequence of fragments (compressed). */
  encapsulated: boolean;
  /** Everything after File Meta is raw-deflated. */
  deflated: boolean;
}

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';

/**
 * Any transfer syntax that is not one of the four native ones is encapsulated explicit VR little endian
 * (every compressed syntax in PS3.5 Annex A is), so unknown future syntaxes are handled the same way.
 */
export function transferSyntax(uid: string | undefined): TransferSyntaxInfo {
  const u = (uid ?? IMPLICIT_LE).replace(/[\0 ]+$/, '');
  switch (u) {
    case IMPLICIT_LE:
      return { uid: u, littleEndian: true, explicitVR: false, encapsulated: false, deflated: false };
    case EXPLICIT_LE:
      return { uid: u, littleEndian: true, explicitVR: true, encapsulated: false, deflated: false };
    case DEFLATED_LE:
    case '1.2.840.10008.1.2.1.98': // Encapsulated Uncompressed Explicit VR Little Endian is not deflated
      return {
        uid: u,
        littleEndian: true,
        explicitVR: true,
        encapsulated: u !== DEFLATED_LE,
        deflated: u === DEFLATED_LE,
      };
    case EXPLICIT_BE:
      return { uid: u, littleEndian: false, explicitVR: true, encapsulated: false, deflated: false };
    default:
      return { uid: u, littleEndian: true, explicitVR: true, encapsulated: true, deflated: false };
  }
}

const NAMES: Record<string, string> = {
  [IMPLICIT_LE]: 'Implicit VR Little Endian',
  [EXPLICIT_LE]: 'Explicit VR Little Endian',
  [DEFLATED_LE]: 'Deflated Explicit VR Little Endian',
  [EXPLICIT_BE]: 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.100': 'MPEG2',
  '1.2.840.10008.1.2.4.102': 'MPEG-4',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 BD',
};

export function transferSyntaxName(uid: string): string {
  return NAMES[uid] ?? uid;
}
