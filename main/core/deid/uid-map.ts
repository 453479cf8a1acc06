// Consistent UID replacement (action U): the same source UID always maps to the same new UID for a case's secret,
// so references between instances (Referenced SOP Instance UID, Frame of Reference UID, ...) still resolve.

import { trimSpaceAndNul } from '../dicom/charset';
import { isRegisteredUid } from '../dicom/registered-uids';
import { createHmac } from 'node:crypto';
import { DEFAULT_DEID_OPTIONS, type DeidOptions } from '../../../shared/deid-types';
import { canonicalOptions } from './plan';

export interface UidMapper {
  /** New UID for `uid` (padding trimmed); registered DICOM UIDs and empty values are returned unchanged. */
  map(uid: string): string;
  /** Every source UID mapped so far → its new UID, for the case's private record. */
  entries(): Map<string, string>;
}

/** UID values are padded to even length with NUL (sometimes, wrongly, with spaces). */
export function trimUid(uid: string): string {
  return trimSpaceAndNul(uid);
}

/** Registered UIDs (SOP classes, transfer syntaxes, coding schemes, ...) identify no one and must not change. */
export { isRegisteredUid };

/**
 * `2.25.<decimal>` of a UUID made from HMAC-SHA256(secret, uid): the first 128 bits with the version set to 8
 * (custom, RFC 9562) and the RFC 4122 variant, so the value is a UUID as PS3.5 B.2 requires under the 2.25 root.
 * Without the secret the mapping cannot be reversed or reproduced, even by someone who guesses the source UIDs.
 */
export function uuidUidFor(secret: Uint8Array, uid: string): string {
  const h = createHmac('sha256', secret).update(uid, 'latin1').digest();
  const b = Buffer.from(h.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x80; // version 8
  b[8] = (b[8] & 0x3f) | 0x80; // variant 10xx
  return `2.25.${BigInt(`0x${b.toString('hex')}`).toString(10)}`;
}

export function createUidMapper(secret: Uint8Array): UidMapper {
  const key = Uint8Array.from(secret); // a private copy: the caller may reuse its buffer
  const mapped = new Map<string, string>();
  return {
    map(raw: string): string {
      const uid = trimUid(raw);
      if (uid === '' || isRegisteredUid(uid)) return uid;
      let out = mapped.get(uid);
      if (out === undefined) {
        out = uuidUidFor(key, uid);
        mapped.set(uid, out);
      }
      return out;
    },
    entries: () => new Map(mapped),
  };
}

/**
 * The key a case's new UIDs are made with. Images prepared with other options are other images (the patient's sex
 * kept or not, dates moved or not): they get UIDs of their own. With the same UIDs, a review service that already
 * holds the first version keeps it and answers the second as stored, and the receipt would describe images the
 * service does not have. With the default options the key is the case's secret itself, as it always was.
 */
export function uidKeyFor(secretHex: string, options: Partial<DeidOptions>): Buffer {
  const secret = Buffer.from(secretHex, 'hex');
  const chosen = JSON.stringify(canonicalOptions(options));
  if (chosen === JSON.stringify(canonicalOptions(DEFAULT_DEID_OPTIONS))) return secret;
  return createHmac('sha256', secret).update(`uids for options ${chosen}`, 'latin1').digest();
}
