// The user-facing DeidOptions switches, as the PS3.15 Table E.1-1 option columns they put in force, the CLI's
// `--option NAME=on|off` parser, and the CID 7050 codes that describe what was applied.

import type { DeidOptions } from '../../../shared/deid-types';
import {
  BASIC_PROFILE_CODE,
  CLEAN_PIXEL_DATA_CODE,
  OPTION_INFO,
  type DeidMethodCode,
  type ProfileOption,
} from './profile/profile';

/** Which Table E.1-1 column each DeidOptions switch turns on. */
export const OPTION_COLUMNS: Readonly<Record<keyof DeidOptions, ProfileOption>> = Object.freeze({
  retainSafePrivate: 'rtnSafePrivOpt',
  retainUIDs: 'rtnUIDsOpt',
  retainDeviceIdentity: 'rtnDevIdOpt',
  retainInstitutionIdentity: 'rtnInstIdOpt',
  retainPatientCharacteristics: 'rtnPatCharsOpt',
  retainLongitudinalFullDates: 'rtnLongFullDatesOpt',
  retainLongitudinalModifiedDates: 'rtnLongModifDatesOpt',
  cleanDescriptors: 'cleanDescOpt',
  cleanStructuredContent: 'cleanStructContOpt',
  cleanGraphics: 'cleanGraphOpt',
});

const OPTION_KEYS = Object.keys(OPTION_COLUMNS) as (keyof DeidOptions)[];

/**
 * The option columns in force. The two date options exclude each other (PS3.15 E.3.6); when both are switched on
 * the safer one wins (Modified Dates: its column says C where Full Dates says K), so only it is in force and only
 * its code is reported.
 */
export function optionsInForce(options: DeidOptions): ReadonlySet<ProfileOption> {
  const out = new Set<ProfileOption>();
  for (const key of OPTION_KEYS) if (options[key]) out.add(OPTION_COLUMNS[key]);
  if (out.has('rtnLongModifDatesOpt')) out.delete('rtnLongFullDatesOpt');
  return out;
}

/** 'retain-safe-private' / 'retain_safe_private' / 'RetainSafePrivate' → 'retainsafeprivate'. */
const squash = (s: string): string => s.replace(/[-_\s]/g, '').toLowerCase();
const BY_SQUASHED = new Map(OPTION_KEYS.map((k) => [squash(k), k]));
/** 'retainSafePrivate' → 'retain-safe-private'; an acronym stays one word ('retainUIDs' → 'retain-uids'). */
const kebab = (k: string): string =>
  k.replace(/UIDs/g, 'Uids').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const ON = new Set(['on', 'true', 'yes', '1']);
const OFF = new Set(['off', 'false', 'no', '0']);

/**
 * Parses one CLI `--option` argument, `NAME=on|off`, where NAME is a DeidOptions key in camelCase
 * (retainSafePrivate) or kebab-case (retain-safe-private). Throws an Error naming the valid choices otherwise.
 */
export function parseOptionArg(arg: string): Partial<DeidOptions> {
  const eq = arg.indexOf('=');
  const name = (eq < 0 ? arg : arg.slice(0, eq)).trim();
  const value =
    eq < 0
      ? ''
      : arg
          .slice(eq + 1)
          .trim()
          .toLowerCase();
  const key = BY_SQUASHED.get(squash(name));
  if (!key) {
    throw new Error(
      `unknown option ${JSON.stringify(name)}; valid options are: ${OPTION_KEYS.map(kebab).join(', ')}`,
    );
  }
  if (!ON.has(value) && !OFF.has(value)) {
    throw new Error(`option ${kebab(key)} needs =on or =off (got ${JSON.stringify(arg)})`);
  }
  return { [key]: ON.has(value) };
}

/**
 * CID 7050 codes for De-identification Method Code Sequence (0012,0064) and the manifest: the Basic Profile
 * (113100) first, Clean Pixel Data (113101) only when the pixels really were cleaned, then one code per option
 * really applied (an option switched on that found nothing to act on is not claimed), in code order.
 */
export function methodCodes(
  applied: Iterable<ProfileOption>,
  done: { pixelsCleaned: boolean },
): DeidMethodCode[] {
  const codes = [...new Set(applied)].map((o) => OPTION_INFO[o].code);
  codes.sort((a, b) => (a.codeValue < b.codeValue ? -1 : a.codeValue > b.codeValue ? 1 : 0));
  return [BASIC_PROFILE_CODE, ...(done.pixelsCleaned ? [CLEAN_PIXEL_DATA_CODE] : []), ...codes];
}
