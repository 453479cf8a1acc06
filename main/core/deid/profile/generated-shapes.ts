// Shapes of the generated profile files: written by scripts/generate-reference.ts, read by ./profile.ts.
import type { ActionCode, ProfileOption } from './codes';

/** Where a generated file came from: the reference file, its edition and hash, and the table it holds. */
export interface ReferenceSource {
  readonly file: string;
  readonly edition: string;
  readonly sha256: string;
  readonly table: string;
}

/** One row of Table E.1-1 joined with the PS3.6 dictionary. */
export interface ProfileRowJson {
  tag: string;
  keyword: string;
  name: string;
  vr: string;
  retired: boolean;
  inStdCompIOD: boolean;
  note?: string;
  basic: ActionCode;
  options: Partial<Record<ProfileOption, ActionCode>>;
}

/** One row of Table E.3.10-1 (safe private attributes). */
export interface SafePrivateJson {
  creator: string;
  group: string;
  element: string;
  vr: string;
  vm: string;
  meaning: string;
}
