import type { ScanResult } from '../../main/core/scan/scan';

/**
 * Every study on a scanned source, as an explicit choice. Discs built to hide identity everywhere mix several
 * people on purpose; "everything" without a choice is refused for them, as it is for a real user.
 */
export const everyStudy = (scanned: ScanResult): string[] => [
  ...new Set(scanned.instances.map((i) => i.studyInstanceUID)),
];
