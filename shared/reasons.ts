/**
 * The closed list of reasons ClearDisc gives for anything it does not process normally.
 * Every reason has one sentence a patient can understand; UI, CLI, manifest and receipt all use these.
 */
export const REASONS = {
  'not-dicom': 'This file is not a medical image (for example viewer software, a picture or a text file).',
  empty: 'This file is empty.',
  truncated: 'This file is cut short, probably because it was not copied completely.',
  unreadable: 'This file could not be read from the disc or folder.',
  corrupt: 'This file is damaged and cannot be understood.',
  'outside-root': 'This link points outside the disc or folder, so it was not followed.',
  'link-loop': 'This folder link points back to a folder already read, so it was not followed twice.',
  'duplicate-link': 'This link points to a file already read, so it was not read twice.',
  'extra-dicomdir': 'This is an extra disc index file; the images it lists were read directly.',
  'disc-index': 'This is the disc’s list of its images, not an image; the images themselves were read.',
  'multiple-patients':
    'This disc holds scans of more than one person, so nothing was prepared: choose the studies to send.',
  'study-not-found': 'A study you chose is not on this disc or in this folder, so nothing was prepared.',
  'missing-dicomdir-file': 'The disc index lists a file that is not on the disc.',
  'duplicate-instance': 'This image is another copy of an image on the disc, so it is sent once.',
  'conflicting-instance':
    'Two different images on the disc carry the same identifier, so neither can be sent safely.',
  'missing-uid': 'This image has no unique identifier, so it cannot be sent safely.',
  'not-selected': 'You did not choose the study this image belongs to.',
  'burned-in-risk':
    'This image may have your name or other details written into the picture itself, so it is left out unless you choose to include it.',
  'encapsulated-document':
    'This is a document (PDF or similar) whose text cannot be cleaned reliably, so it is left out.',
  'unsupported-encoding': 'This file uses an encoding ClearDisc cannot rewrite safely.',
  'identity-found':
    'A trace of personal information was still found after cleaning, so this file is held back.',
  'verify-failed': 'The cleaned copy could not be checked, so it is held back.',
  'write-failed': 'The cleaned copy could not be written to disk.',
  'server-rejected': 'The review service refused this image.',
  'missing-on-server':
    'The review service no longer holds this image, which was sent before; it is sent again on the next try.',
  'network-failed': 'The image could not be sent because the connection kept failing.',
  'not-in-manifest': 'This file is not part of the prepared upload, so it was not sent.',
} as const;

export type ReasonCode = keyof typeof REASONS;

export function explain(code: ReasonCode): string {
  return REASONS[code];
}

export function isReasonCode(s: string): s is ReasonCode {
  return Object.prototype.hasOwnProperty.call(REASONS, s);
}
