// Which PS3.15 Table E.1-1 action applies to one data element: the table's row (exact, repeating group or
// private), the option columns in force, compound codes resolved by the attribute's Type, and ClearDisc's rule
// for standard attributes the table does not list.

import type { DeidOptions } from '../../../shared/deid-types';
import { isPrivateCreator } from '../dicom/dictionary';
import { compoundTypesForSopClass, type IodAttributeType } from './iod-compound-types';
import { attributeType, type AttributeType } from './iod-types';
import { optionsInForce } from './options';
import {
  isKnownActionCode,
  loadSafePrivate,
  rowForTag,
  safePrivateKey,
  type ActionCode,
  type OptionActions,
  type ProfileOption,
  type ProfileRow,
} from './profile/profile';

/** A resolved action: Dummy, Zero length, remove (X), Keep, Clean, replace UID. */
export type Action = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U';

export interface ActionContext {
  options: DeidOptions;
  /** The Private Creator value of the element's block, for private elements. */
  privateCreator?: string;
  /** The element's VR (for UN elements of standard tags, the dictionary VR is the better guide). */
  vr: string;
  /** For a private creator element: whether any element of its block is kept. Creators alone identify nothing,
   * but a kept private element is meaningless without its creator. */
  blockKept?: boolean;
  /**
   * The instance's SOP Class UID, given only for elements of the top-level data set: compound actions then follow
   * the Types of that IOD (iod-compound-types.ts). Leave it out for items of sequences, whose Types belong to the
   * macro that defines the sequence: the context-free Types of iod-types.ts apply there.
   */
  sopClassUID?: string;
}

export interface ActionDecision {
  action: Action;
  /** The option column that decided the action (for De-identification Method Code Sequence and the manifest). */
  option?: ProfileOption;
  /** The table row, when the table lists the attribute. */
  row?: ProfileRow;
  /** For a safe private attribute read as UN (implicit VR files): the VR Table E.3.10-1 gives it. */
  vr?: string;
}

/** VRs of free text: removed unless the table or an option says otherwise. */
export const FREE_TEXT_VRS: ReadonlySet<string> = new Set(['LT', 'ST', 'UT', 'UC']);
/** VRs whose values are strings in the data set's character set. */
export const TEXT_VRS: ReadonlySet<string> = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'UC', 'PN']);

/**
 * Safety order among the actions options can give: removing beats blanking beats a dummy beats re-mapping beats
 * cleaning beats keeping ("C before K" when two options disagree).
 */
const SAFETY: readonly Action[] = ['X', 'Z', 'D', 'U', 'C', 'K'];

function isSingle(code: ActionCode): code is Action {
  return code.length === 1;
}

/** 1C and 2C count as 1 and 2: an attribute present in a source file is there because its condition holds. */
function requiredness(type: IodAttributeType | undefined): AttributeType | undefined {
  if (type === '1' || type === '1C') return '1';
  if (type === '2' || type === '2C') return '2';
  return undefined;
}

/**
 * Resolves a compound code by the attribute's Type: in the IOD of `sopClassUID` when it is given and listed in
 * iod-compound-types.ts (top-level elements only), else by the context-free Type of iod-types.ts. Type 3, an
 * attribute not in the IOD and an unknown Type all get the safer choice.
 * - Z/D: D for Type 1, else Z.
 * - X/Z: Z for Type 1 or 2 (Z is the only listed choice that keeps it present), else X.
 * - X/D: D for Type 1 or 2 (likewise), else X.
 * - X/Z/D: D for Type 1, Z for Type 2, else X.
 * - X/Z/U*: U (keep the sequence, re-map the UIDs inside) for Type 1, Z for Type 2, else X. A UI element gets U
 *   where it must stay present (Type 1 or 2 in the IOD) and, without IOD, always.
 */
export function resolveCompound(code: ActionCode, tag: number, vr: string, sopClassUID?: string): Action {
  if (isSingle(code)) return code;
  const iod = compoundTypesForSopClass(sopClassUID);
  const type = iod ? requiredness(iod.get(tag >>> 0)) : attributeType(tag);
  switch (code) {
    case 'Z/D':
      return type === '1' ? 'D' : 'Z';
    case 'X/Z':
      return type ? 'Z' : 'X';
    case 'X/D':
      return type ? 'D' : 'X';
    case 'X/Z/D':
      return type === '1' ? 'D' : type === '2' ? 'Z' : 'X';
    case 'X/Z/U*':
      if (type === '1' || (vr === 'UI' && (type === '2' || !iod))) return 'U';
      return type === '2' ? 'Z' : 'X';
  }
  // A code added to ActionCode without a rule here must fail loudly, never fall through to "keep".
  throw new Error(`no rule for action code ${JSON.stringify(code)}`);
}

/**
 * The action a row prescribes with `inForce` options: the option columns that have an entry override the basic
 * column; if several disagree, the safer wins. Exported for the structured-content table, which has the same shape.
 */
export function actionFromColumns(
  basic: ActionCode,
  columns: OptionActions,
  inForce: ReadonlySet<ProfileOption>,
  tag: number,
  vr: string,
  sopClassUID?: string,
): { action: Action; option?: ProfileOption } {
  let best: { action: Action; option: ProfileOption } | undefined;
  for (const [option, code] of Object.entries(columns) as [ProfileOption, ActionCode][]) {
    if (!inForce.has(option)) continue;
    if (!isKnownActionCode(code)) throw new Error(`unknown action code ${JSON.stringify(code)}`);
    const action = resolveCompound(code, tag, vr, sopClassUID);
    if (!best || SAFETY.indexOf(action) < SAFETY.indexOf(best.action)) best = { action, option };
  }
  return best ?? { action: resolveCompound(basic, tag, vr, sopClassUID) };
}

function isRepeatingGroup(group: number, high: number): boolean {
  return group >>> 8 === high && (group & 1) === 0 && (group & 0xff) <= 0x1e;
}

/** Odd groups that are not private (PS3.5 7.1): 0001, 0003, 0005, 0007 and FFFF may hold no data elements. */
function isIllegalGroup(group: number): boolean {
  return group === 0xffff || ((group & 1) === 1 && group <= 0x0007);
}

function privateDecision(
  tag: number,
  ctx: ActionContext,
  inForce: ReadonlySet<ProfileOption>,
): ActionDecision {
  const row = rowForTag(tag);
  const element = tag & 0xffff;
  if (isPrivateCreator(tag)) return { action: ctx.blockKept ? 'K' : 'X', row };
  // Elements outside any block ((gggg,0001-000F), (gggg,0100-0FFF)) belong to no creator: nothing can vouch for them.
  if (element < 0x1000 || ctx.privateCreator === undefined || !inForce.has('rtnSafePrivOpt'))
    return { action: 'X', row };
  const safe = loadSafePrivate().get(safePrivateKey(ctx.privateCreator, tag >>> 16, element));
  if (!safe) return { action: 'X', row };
  const vr = ctx.vr === 'UN' && safe.vr ? safe.vr : ctx.vr;
  const typed = vr !== ctx.vr ? { vr } : {};
  // A UID is an identifier even in a "safe" attribute: re-map it unless UIDs are retained.
  if (vr === 'UI' && !inForce.has('rtnUIDsOpt'))
    return { action: 'U', option: 'rtnSafePrivOpt', row, ...typed };
  return { action: 'K', option: 'rtnSafePrivOpt', row, ...typed };
}

/**
 * ClearDisc's rule for standard attributes Table E.1-1 does not list: names and free text are removed, dates follow
 * the date options, UIDs are re-mapped, everything else is kept (later cleaned of identity tokens if it is text).
 * Type 1/2 attributes that would be removed get a dummy or a zero-length value instead, so the IOD stays valid.
 */
function unlistedDecision(tag: number, vr: string, inForce: ReadonlySet<ProfileOption>): ActionDecision {
  const type = attributeType(tag);
  const removeOrKeepPresent = (): Action => (type === '1' ? 'D' : type === '2' ? 'Z' : 'X');
  if (vr === 'UI') return inForce.has('rtnUIDsOpt') ? { action: 'K', option: 'rtnUIDsOpt' } : { action: 'U' };
  if (vr === 'PN') return { action: removeOrKeepPresent() };
  if (FREE_TEXT_VRS.has(vr)) {
    if (type && inForce.has('cleanDescOpt')) return { action: 'C', option: 'cleanDescOpt' };
    return { action: removeOrKeepPresent() };
  }
  if (vr === 'DA' || vr === 'DT') {
    if (inForce.has('rtnLongModifDatesOpt')) return { action: 'C', option: 'rtnLongModifDatesOpt' };
    if (inForce.has('rtnLongFullDatesOpt')) return { action: 'K', option: 'rtnLongFullDatesOpt' };
    return { action: removeOrKeepPresent() };
  }
  // Unknown content under an unknown tag could be anything, a name included.
  if (vr === 'UN') return { action: 'X' };
  // Addresses (Retrieve URL, Contact URI, ...) name the sending site's servers and often carry original UIDs.
  if (vr === 'UR') return { action: 'X' };
  return { action: 'K' };
}

/** Full decision for one element (the transform uses this; resolveAction is the short form). */
export function decideAction(
  tag: number,
  ctx: ActionContext,
  inForce = optionsInForce(ctx.options),
): ActionDecision {
  const t = tag >>> 0;
  const group = t >>> 16;
  const element = t & 0xffff;
  if (isIllegalGroup(group)) return { action: 'X' };
  // Group lengths are stale after any edit, and optional (PS3.5 7.2).
  if (element === 0) return { action: 'X' };
  // Command (0000) and File Meta (0002) elements have no place in a data set; the table's few rows for them are
  // honoured here, and the transform rewrites File Meta from a whitelist.
  if (group === 0x0000 || group === 0x0002) {
    const meta = rowForTag(t);
    return meta
      ? { ...actionFromColumns(meta.basic, meta.options, inForce, t, ctx.vr), row: meta }
      : { action: 'X' };
  }
  if (group & 1) return privateDecision(t, ctx, inForce);
  const row = rowForTag(t);
  if (row) {
    const d = actionFromColumns(row.basic, row.options, inForce, t, ctx.vr, ctx.sopClassUID);
    return { ...d, row };
  }
  // Repeating groups the table covers only partly (60xx other than Overlay Data/Comments) are kept; the transform
  // drops a whole overlay when its data is removed.
  if (isRepeatingGroup(group, 0x60)) return { action: 'K' };
  return unlistedDecision(t, ctx.vr, inForce);
}

/** The action for `tag`: 'D' | 'Z' | 'X' | 'K' | 'C' | 'U'. */
export function resolveAction(tag: number, ctx: ActionContext): Action {
  return decideAction(tag, ctx).action;
}
