// THE CORE: one instance's header, de-identified per PS3.15 Annex E (Table E.1-1 with the options in force, Table
// E.3.4-1 for content items, Table E.3.10-1 for private attributes) at every sequence depth, including private
// sequences and sequences read from UN. Pure: the secret (inside `uids`), date offset and case code come in.
// Nothing is mutated; elements that are kept unchanged are shared with the input (their values are views).

import type { DeidOptions } from '../../../shared/deid-types';
import { decodeText, trimSpaceAndNul } from '../dicom/charset';
import { formatTag, lookup } from '../dicom/dictionary';
import type { DicomElement, DicomItem } from '../dicom/parse';
import type { Encoding } from '../dicom/transfer-syntax';
import { asciiValue, charsetsOf, findElement, T } from '../dicom/values';
import {
  decideAction,
  FREE_TEXT_VRS,
  TEXT_VRS,
  resolveCompound,
  type Action,
  type ActionDecision,
} from './actions';
import { convertToUtf8, type TextEdit } from './charset-convert';
import { cleaningTokens, createTextCleaner, tidy, type TextCleaner } from './clean-text';
import { effectiveVR, type CollectedIdentity } from './collect-identity';
import { ageOver89, shiftCalendarDate, shiftDateValue, validTimeValue } from './date-shift';
import { rewriteTextDates } from '../verify/text-dates';
import { DUMMY_TEXT_CHOICES, dummyBinary, dummyString } from './dummy-values';
import { encodeText } from './encode-text';
import { attributeType } from './iod-types';
import { deidentificationElements } from './deid-markers';
import { rewriteMeta } from './file-meta';
import { methodCodes, optionsInForce } from './options';
import type { ProfileOption, ProfileRow } from './profile/profile';
import { capSubjectAge, contentItemDecision } from './structured-content';
import type { UidMapper } from './uid-map';

export interface DeidContext {
  options: DeidOptions;
  /** Replaces Patient Name and Patient ID. */
  caseCode: string;
  uids: UidMapper;
  /** Whole days added to every date (negative: into the past) when Modified Dates is in force. */
  dateOffsetDays: number;
  /** Identity collected from ALL source instances of the case (collectIdentity + mergeIdentity). */
  identity: CollectedIdentity;
  /** The pixels were cleaned of burned-in text (only then may Burned In Annotation say NO). */
  pixelsCleaned: boolean;
  implementation: { classUid: string; versionName: string };
}

export interface DeidInput {
  meta: DicomElement[];
  /** Top-level data set elements, without Pixel Data. */
  elements: DicomElement[];
  encoding: Encoding;
  /** Top-level Specific Character Set values (charsetsOf(elements)). */
  charsets: string[];
}

export interface DeidOutput {
  meta: DicomElement[];
  elements: DicomElement[];
  /** Attribute paths (keywords joined by '>', no values) of free text kept after cleaning, for human review. */
  keptFreeText: string[];
  /** Option columns that decided at least one element's action in this instance. */
  appliedOptions: Set<ProfileOption>;
}

/** Removed wherever they occur, whatever an option says: they hold or sign the original values. */
const ALWAYS_REMOVED = new Set([
  0xfffafffa, // Digital Signatures Sequence
  0x4ffe0001, // MAC Parameters Sequence
  0x04000561, // Original Attributes Sequence
  0xfffcfffc, // Data Set Trailing Padding
  0x00880200, // Icon Image Sequence: a thumbnail of pixels nobody cleaned
  0x04000500, // Encrypted Attributes Sequence: the original identity, encrypted for someone else to read back
  // Extended Offset Table (Lengths): an optional index of the unchanged fragments (viewers find frames from the
  // item tags without it). Its VR (OV, 2019) is beyond dicom-parser, so the second lock could not read the file.
  0x7fe00001,
  0x7fe00002,
]);

const REFERENCED_CONTENT_ITEM_IDENTIFIER = 0x0040db73;
/**
 * Values the table keeps that ClearDisc still cleans of identity tokens, so a name repeated in, say, a private
 * label does not make the second lock hold the file back. Not CS: coded values (Modality 'CT', Value Type 'TEXT')
 * are vocabulary, never cut into; only a component holding a whole name word is emptied (cleanCoded).
 */
const SAFETY_NET_VRS = new Set(['SH', 'LO', 'AE', 'ST', 'LT', 'UT', 'UC']);
/** Code values and scheme designators are vocabulary like CS: only whole name words are looked for there. */
const CODE_TAGS = new Set([0x00080100, 0x00080102, 0x00080103, 0x00080119, 0x00080120]);
const BINARY_VRS = new Set([
  'OB',
  'OW',
  'OF',
  'OD',
  'OL',
  'OV',
  'UN',
  'US',
  'SS',
  'UL',
  'SL',
  'FL',
  'FD',
  'SV',
  'UV',
  'AT',
]);
const NUMERIC_TEXT_VRS = new Set(['DS', 'IS']);

// Byte order: ClearDisc writes no non-zero binary value (binary dummies are zeros, the same in either order) and
// keeps every other binary value's raw bytes, so output stays in the data set's byte order without conversions.
interface Level {
  charsets: string[];
  path: string[];
  /** The data set itself (not an item): never removed whole, even if its root content item's concept says X. */
  root?: boolean;
  /** The data set's SOP Class (root only): its IOD's Types decide the compound actions there (not in items). */
  sopClassUID?: string;
  /** The option whose C on an enclosing sequence (Content Sequence, Graphic Annotation, ...) cleans its contents. */
  scope?: ProfileOption;
}

/** The value element(s) of a content item and the Table E.3.4-1 action that overrides theirs. */
type Overrides = ReadonlyMap<number, { action: Action; option?: ProfileOption }>;

const tokenCache = new WeakMap<CollectedIdentity, TextCleaner>();
function cleanerFor(identity: CollectedIdentity): TextCleaner {
  let c = tokenCache.get(identity);
  if (!c) {
    c = createTextCleaner(cleaningTokens(identity));
    tokenCache.set(identity, c);
  }
  return c;
}

const latin1 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const rawText = (v: Uint8Array | undefined): string =>
  v ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1') : '';

function nameOf(tag: number): string {
  return lookup(tag)?.keyword || formatTag(tag);
}

function blockKey(tag: number): number {
  return (tag >>> 16) * 0x100 + ((tag & 0xffff) >>> 8);
}

function repeatingGroup(tag: number): number | undefined {
  const g = tag >>> 16;
  const high = g >>> 8;
  return (high === 0x50 || high === 0x60) && (g & 1) === 0 ? g : undefined;
}

class Transformer {
  readonly inForce: ReadonlySet<ProfileOption>;
  readonly cleaner: TextCleaner;
  readonly edits = new Map<DicomElement, TextEdit>();
  readonly applied = new Set<ProfileOption>();
  readonly keptFreeText = new Set<string>();
  /** Whether the document points at content items by position: then items are emptied, never removed. */
  byReference = false;
  needsUtf8 = false;

  /** The dummy for text VRs: the first of DUMMY_TEXT_CHOICES that is not itself an identity token of the case. */
  readonly dummyText: string;

  constructor(readonly ctx: DeidContext) {
    this.inForce = optionsInForce(ctx.options);
    this.cleaner = cleanerFor(ctx.identity);
    this.dummyText = DUMMY_TEXT_CHOICES.find((d) => !this.cleaner.contains(d)) ?? 'X';
  }

  /** A new element holding text in the level's character set (encoded at the end, see finish()). */
  text(el: DicomElement, vr: string, text: string, level: Level): DicomElement {
    const out: DicomElement = { tag: el.tag, vr: el.vr, offset: 0, valueOffset: 0, length: 0 };
    if (TEXT_VRS.has(vr)) {
      this.edits.set(out, { text, charsets: level.charsets });
      const bytes = encodeText(text, level.charsets);
      if (!bytes) this.needsUtf8 = true;
      out.value = bytes ?? new Uint8Array(0);
    } else {
      out.value = latin1(text); // DA, DT, TM, AS, CS, AE, DS, IS, UI, UR: the default repertoire
    }
    // The writer pads UN values with NUL; a string read back under its dictionary VR must end in a space (UI: NUL).
    if (el.vr === 'UN' && out.value.length % 2 === 1) {
      out.value = Uint8Array.from([...out.value, vr === 'UI' ? 0 : 0x20]);
    }
    out.length = out.value.length;
    return out;
  }

  bytes(el: DicomElement, value: Uint8Array): DicomElement {
    return { tag: el.tag, vr: el.vr, offset: 0, valueOffset: 0, length: value.length, value };
  }

  /** The elements of one data set or item, de-identified; undefined when the whole item must go (E.3.4-1 X). */
  level(source: readonly DicomElement[], level: Level): DicomElement[] | undefined {
    const elements = this.inForce.has('rtnPatCharsOpt') ? capSubjectAge(source) : source;
    const charsets = charsetsOf(elements, level.charsets);
    const here: Level = { ...level, charsets };

    const overrides = new Map<number, { action: Action; option?: ProfileOption }>();
    const content = contentItemDecision(elements, this.inForce);
    if (content) {
      if (content.option) this.applied.add(content.option);
      if (content.action === 'X' && !this.byReference && !level.root) return undefined;
      // Positional references would shift if the item went (and the root cannot go): keep it, value emptied.
      const action = content.action === 'X' ? 'Z' : content.action;
      for (const tag of content.valueTags) overrides.set(tag, { action, option: content.option });
    }

    const creators = new Map<number, string>();
    for (const el of elements) {
      const t = el.tag >>> 0;
      if ((t >>> 16) & 1 && (t & 0xffff) >= 0x10 && (t & 0xffff) <= 0xff) {
        creators.set((t >>> 16) * 0x100 + (t & 0xff), trimSpaceAndNul(rawText(el.value)));
      }
    }

    // An overlay (or curve) whose data is removed goes whole: the rest of its group would describe missing data.
    const droppedGroups = new Set<number>();
    for (const el of elements) {
      const g = repeatingGroup(el.tag);
      if (g !== undefined && (el.tag & 0xffff) === 0x3000 && this.finalAction(el, overrides) === 'X')
        droppedGroups.add(g);
    }

    const out: DicomElement[] = [];
    const keptBlocks = new Set<number>();
    const creatorElements: DicomElement[] = [];
    for (const el of elements) {
      const t = el.tag >>> 0;
      const group = t >>> 16;
      if (ALWAYS_REMOVED.has(t) || group === 0x0000 || group === 0x0002) continue;
      if (droppedGroups.has(group)) continue;
      if (group & 1 && (t & 0xffff) >= 0x10 && (t & 0xffff) <= 0xff) {
        creatorElements.push(el);
        continue;
      }
      const creator = group & 1 ? creators.get(blockKey(t)) : undefined;
      const result = this.element(el, here, overrides, creator);
      if (result) {
        out.push(result);
        if (group & 1) keptBlocks.add(blockKey(t));
      }
    }
    // Private creators stay only for blocks that kept an element (and then unchanged: they name a vendor).
    for (const el of creatorElements) {
      const t = el.tag >>> 0;
      const d = decideAction(
        t,
        { options: this.ctx.options, vr: el.vr, blockKept: keptBlocks.has((t >>> 16) * 0x100 + (t & 0xff)) },
        this.inForce,
      );
      if (d.action === 'K') out.push(el);
    }
    return out;
  }

  decision(
    el: DicomElement,
    vr: string,
    overrides: Overrides,
    creator: string | undefined,
    level?: Level,
  ): ActionDecision {
    const o = overrides.get(el.tag >>> 0);
    if (o) return { action: o.action, option: o.option };
    const ctx = { options: this.ctx.options, vr, privateCreator: creator, sopClassUID: level?.sopClassUID };
    return decideAction(el.tag, ctx, this.inForce);
  }

  /** The action after the fallback for opaque bytes (see element()); decides whether an overlay goes whole. */
  finalAction(el: DicomElement, overrides: Overrides): Action {
    const vr = effectiveVR(el);
    const d = this.decision(el, vr, overrides, undefined);
    return d.action === 'C' && BINARY_VRS.has(vr) && d.row
      ? resolveCompound(d.row.basic, el.tag, vr)
      : d.action;
  }

  element(
    el: DicomElement,
    level: Level,
    overrides: Overrides,
    creator: string | undefined,
  ): DicomElement | undefined {
    const t = el.tag >>> 0;
    // Pixel Data inside an item (only icons have it, and those go): pixels nobody looked at.
    if (t === T.PixelData && !level.root) return undefined;
    const d = this.decision(el, effectiveVR(el), overrides, creator, level);
    // A sequence (by the dictionary, or the safe-private table) whose items could not be read (UN bytes in no
    // known encoding): nothing inside can be checked or changed, so it goes whatever the table says.
    if (!el.items && el.value?.length && (d.vr ?? effectiveVR(el)) === 'SQ') return undefined;
    // A safe private attribute read as UN is handled (cleaned, re-mapped) as the VR the table gives it.
    const vr = d.vr ?? effectiveVR(el);
    let action = d.action;
    let option = d.option;
    const listed = d.row !== undefined && d.row.tag !== 'private';

    // Unlisted free text inside a sequence an option cleans (report text, annotation text) is cleaned, not removed.
    if (!listed && !overrides.has(t) && level.scope && FREE_TEXT_VRS.has(vr) && (t >>> 16) % 2 === 0) {
      action = 'C';
      option = level.scope;
    }
    // "Clean" cannot be done to opaque bytes (overlay bitmaps, maker notes): fall back to the basic action.
    if (action === 'C' && BINARY_VRS.has(vr) && d.row) {
      action = resolveCompound(d.row.basic, t, vr);
      option = undefined;
      if (action === 'C') action = 'X';
    }
    // An option is claimed (its code in the method sequence) only where it decided a value that is there.
    if (option && (el.value?.length || el.items?.length)) this.applied.add(option);

    // Patient Name and Patient ID carry the case code, wherever they occur.
    if ((t === T.PatientName || t === T.PatientID) && !el.items)
      return this.text(el, vr, this.ctx.caseCode, level);

    const path = [...level.path, nameOf(t)];
    switch (action) {
      case 'X':
        return undefined;
      case 'Z':
        if (el.items) return { ...el, items: [], value: undefined, length: 0 };
        return this.bytes(el, new Uint8Array(0));
      case 'D':
        if (el.items) return this.sequence(el, level, path, level.scope);
        return this.dummy(el, vr, level);
      case 'U':
        if (el.items) return this.sequence(el, level, path, level.scope);
        return this.mapUids(el, vr, level);
      case 'K':
        if (el.items) return this.sequence(el, level, path, level.scope);
        return this.keep(el, vr, level, listed && option !== undefined, path);
      case 'C':
        if (el.items) return this.sequence(el, level, path, option ?? level.scope);
        return this.clean(el, vr, level, path, option, d.row);
    }
  }

  sequence(el: DicomElement, level: Level, path: string[], scope: ProfileOption | undefined): DicomElement {
    const items: DicomItem[] = [];
    for (const item of el.items ?? []) {
      const elements = this.level(item.elements, { charsets: level.charsets, path, scope });
      if (elements) items.push({ offset: item.offset, elements });
    }
    const out: DicomElement = { ...el, items };
    delete out.value;
    return out;
  }

  dummy(el: DicomElement, vr: string, level: Level): DicomElement {
    if (vr === 'UI') return this.mapUids(el, vr, level);
    const s = dummyString(vr, this.dummyText);
    if (s !== undefined) return this.text(el, vr, s, level);
    return this.bytes(el, dummyBinary(vr) ?? new Uint8Array(2));
  }

  mapUids(el: DicomElement, vr: string, level: Level): DicomElement {
    if (!el.value || el.value.length === 0) return el;
    const mapped = rawText(el.value)
      .split('\\')
      .map((u) => this.ctx.uids.map(u))
      .join('\\');
    return this.text(el, vr === 'UI' ? 'UI' : vr, mapped, level);
  }

  /**
   * K. A UID kept is kept verbatim (K on UIDs only comes from Retain UIDs or, for device UIDs, Retain Device Identity;
   * collectIdentity leaves such UIDs out of the tokens). Values the table keeps without an option asking for it are
   * still cleaned of identity tokens.
   */
  keep(
    el: DicomElement,
    vr: string,
    level: Level,
    keptByOption: boolean,
    path?: string[],
  ): DicomElement | undefined {
    if (!el.value || el.value.length === 0) return el;
    // A date a safe private row (or the unlisted rule) keeps still follows the date options: every DA and DT moves.
    // Only a table row's own option (Retain Device Identity on calibration dates) keeps one as it is.
    if ((vr === 'DA' || vr === 'DT') && !keptByOption) return this.date(el, vr, level);
    // A name in a kept slot (a safe private attribute written as PN): no one's name leaves.
    if (vr === 'PN' && !keptByOption) return this.text(el, vr, this.dummyText, level);
    // Free text kept as it is (an option asked for it, or a safe private note) is listed for review too.
    if (path && FREE_TEXT_VRS.has(vr) && /[\p{L}\p{N}]/u.test(decodeText(el.value, level.charsets, vr)))
      this.keptFreeText.add(path.join('>'));
    if (vr === 'AS') {
      const before = asciiValue(el);
      const after = ageOver89(before);
      return after === before ? el : this.text(el, vr, after, level);
    }
    // Even when an option keeps it (Smoking Status under Retain Patient Characteristics): the lock looks there too.
    if (vr === 'CS' || CODE_TAGS.has(el.tag)) {
      const before = decodeText(el.value, level.charsets, vr);
      const after = this.cleaner.cleanCoded(before);
      return after === before ? el : this.text(el, vr, after, level);
    }
    if (!keptByOption && SAFETY_NET_VRS.has(vr)) {
      const before = decodeText(el.value, level.charsets, vr);
      if (!this.cleaner.contains(before)) return el;
      const after = this.cleaner.clean(before);
      if (/[\p{L}\p{N}]/u.test(after)) return this.text(el, vr, after, level);
      // Nothing but identity (a manufacturer named like the hospital): emptied, or a neutral dummy where
      // the attribute must have a value. Holding the whole image back would help no one.
      return this.text(el, vr, attributeType(el.tag) === '1' ? this.dummyText : '', level);
    }
    return el;
  }

  /**
   * Dates written in text follow the date options like DA values ('CT 15.03.2020' moves with Study Date): one left
   * as it was would give the case's offset away, and with it every date of the case.
   */
  datesInText(text: string): string {
    const mode = this.inForce.has('rtnLongModifDatesOpt')
      ? 'shift'
      : this.inForce.has('rtnLongFullDatesOpt')
        ? 'keep'
        : 'remove';
    const out = rewriteTextDates(text, mode, this.ctx.dateOffsetDays, shiftCalendarDate);
    // A moved date could land on the birth date: cleaned again.
    return out === text ? text : this.cleaner.clean(tidy(out));
  }

  /** A kept date: shifted under Modified Dates, as it is under Full Dates, emptied when neither is in force. */
  date(el: DicomElement, vr: 'DA' | 'DT', level: Level): DicomElement {
    if (this.inForce.has('rtnLongModifDatesOpt'))
      return this.text(el, vr, shiftDateValue(vr, asciiValue(el), this.ctx.dateOffsetDays), level);
    if (this.inForce.has('rtnLongFullDatesOpt')) return el;
    return this.text(el, vr, '', level);
  }

  /** C on a value: shift dates, clean text, keep what cannot identify (times, numbers). */
  clean(
    el: DicomElement,
    vr: string,
    level: Level,
    path: string[],
    option: ProfileOption | undefined,
    row: ProfileRow | undefined,
  ): DicomElement | undefined {
    if (!el.value || el.value.length === 0) return el;
    if (vr === 'DA' || vr === 'DT') {
      if (!this.inForce.has('rtnLongModifDatesOpt')) return el; // C from another column (device): dates untouched
      return this.text(el, vr, shiftDateValue(vr, asciiValue(el), this.ctx.dateOffsetDays), level);
    }
    // A time is kept only if it is one: '20200315101500' in Study Time is the real date.
    if (vr === 'TM') {
      const before = asciiValue(el);
      return validTimeValue(before) ? el : this.text(el, vr, '', level);
    }
    // The date option's C on what is not a date (Timezone Offset From UTC): nothing to shift.
    if (option === 'rtnLongModifDatesOpt') return el;
    if (NUMERIC_TEXT_VRS.has(vr) || BINARY_VRS.has(vr) || vr === 'UR') return el;
    if (vr === 'AS') return this.keep(el, vr, level, true);
    if (vr === 'UI') return this.mapUids(el, vr, level);
    if (vr === 'PN') return this.text(el, vr, this.dummyText, level); // a name cleaned of names is still a name
    const before = decodeText(el.value, level.charsets, vr);
    let after = this.datesInText(this.cleaner.clean(before));
    // Emptied by cleaning: a Type 1 attribute (or one the table would replace by a dummy) gets the dummy instead.
    if (after.trim() === '' && (attributeType(el.tag) === '1' || row?.basic === 'D')) after = this.dummyText;
    if (after !== '' && (FREE_TEXT_VRS.has(vr) || vr === 'LO' || vr === 'SH'))
      this.keptFreeText.add(path.join('>'));
    return after === before ? el : this.text(el, vr, after, level);
  }

  /** Raw bytes for every text edit, or the whole data set in UTF-8 when one cannot be written in its set. */
  finish(elements: DicomElement[], charsets: string[]): DicomElement[] {
    if (!this.needsUtf8) return elements;
    return convertToUtf8(elements, charsets, this.edits);
  }
}

/**
 * De-identifies one instance's File Meta and data set (see DeidContext for what must come in). Deterministic: the
 * same input, secret, offset and case code give byte-identical output.
 */
export function deidentifyHeader(input: DeidInput, ctx: DeidContext): DeidOutput {
  const tr = new Transformer(ctx);
  tr.byReference = containsTag(input.elements, REFERENCED_CONTENT_ITEM_IDENTIFIER);
  const sopClassUID = asciiValue(findElement(input.elements, T.SOPClassUID)) || undefined;
  const top: Level = { charsets: input.charsets, path: [], root: true, sopClassUID };
  let elements = tr.level(input.elements, top) ?? [];

  // Type 2 identity attributes are always present, as the case code.
  for (const tag of [T.PatientName, T.PatientID]) {
    if (!findElement(elements, tag)) {
      elements.push(
        tr.text(
          { tag, vr: tag === T.PatientName ? 'PN' : 'LO', offset: 0, valueOffset: 0, length: 0 },
          tag === T.PatientName ? 'PN' : 'LO',
          ctx.caseCode,
          top,
        ),
      );
    }
  }
  const added = deidentificationElements({
    // What this instance really had done to it: options in force that found nothing here are not claimed.
    codes: methodCodes(tr.applied, { pixelsCleaned: ctx.pixelsCleaned }),
    inForce: tr.inForce,
    pixelsCleaned: ctx.pixelsCleaned,
  });
  const addedTags = new Set(added.map((e) => e.tag));
  elements = [...elements.filter((e) => !addedTags.has(e.tag)), ...added];
  elements = tr.finish(elements, charsetsOf(input.elements, input.charsets));

  const meta = rewriteMeta(input.meta, elements, input.encoding, ctx);
  return { meta, elements, keptFreeText: [...tr.keptFreeText].sort(), appliedOptions: tr.applied };
}

function containsTag(elements: readonly DicomElement[], tag: number): boolean {
  for (const el of elements) {
    if (el.tag === tag) return true;
    if (el.items?.some((it) => containsTag(it.elements, tag))) return true;
  }
  return false;
}
