// The PS3.6 data dictionary, from dictionary.generated.json (made by scripts/generate-reference.ts).
// Tags are numbers: (group << 16 | element) >>> 0.

import dictionaryJson from './dictionary.generated.json';

export interface DictionaryEntry {
  /** The first VR PS3.6 lists, e.g. 'US' for "US or SS", 'OB' for "OB or OW"; 'UN' where PS3.6 gives none. */
  readonly vr: string;
  /** Every VR PS3.6 lists, in its order. */
  readonly vrs: readonly string[];
  /** '' for the few retired entries PS3.6 leaves unnamed. */
  readonly keyword: string;
  readonly vm: string;
  readonly retired: boolean;
}

interface DictionaryJson {
  source: { file: string; edition: string; sha256: string };
  tags: Record<string, [string, string, string, number]>;
  masks: [string, string, string, string, number][];
}

const data = dictionaryJson as unknown as DictionaryJson;

/** Where the dictionary came from (file, edition, sha256). */
export const DICTIONARY_SOURCE: Readonly<DictionaryJson['source']> = Object.freeze({ ...data.source });

function entry(vrField: string, keyword: string, vm: string, retired: number): DictionaryEntry {
  // No VR in PS3.6: four unnamed retired entries and the (FFFE,E000/E00D/E0DD) item delimiters ("See Note").
  const vrs = Object.freeze(vrField ? vrField.split('|') : ['UN']);
  return Object.freeze({ vr: vrs[0], vrs, keyword, vm, retired: retired === 1 });
}

interface Mask {
  readonly mask: number;
  readonly value: number;
  readonly pattern: string;
  readonly entry: DictionaryEntry;
}

const exact = new Map<number, DictionaryEntry>();
const byKeyword = new Map<string, number>();
const masks: Mask[] = [];

for (const [key, [vr, keyword, vm, retired]] of Object.entries(data.tags)) {
  const tag = parseInt(key, 16) >>> 0;
  exact.set(tag, entry(vr, keyword, vm, retired));
  if (keyword) byKeyword.set(keyword, tag);
}
for (const [pattern, vr, keyword, vm, retired] of data.masks) {
  let mask = 0;
  let value = 0;
  for (const ch of pattern) {
    mask = mask * 16 + (ch === 'x' ? 0 : 0xf);
    value = value * 16 + (ch === 'x' ? 0 : parseInt(ch, 16));
  }
  masks.push(
    Object.freeze({ mask: mask >>> 0, value: value >>> 0, pattern, entry: entry(vr, keyword, vm, retired) }),
  );
  // Keyword of a repeating group -> its first group, e.g. OverlayData -> (6000,3000).
  if (keyword && !byKeyword.has(keyword)) byKeyword.set(keyword, value >>> 0);
}

const GROUP_LENGTH = entry('UL', 'GenericGroupLength', '1', 1);
const PRIVATE_CREATOR = entry('LO', 'PrivateCreator', '1', 0);

/** "GGGGEEEE", upper-case hex. */
export function tagToString(tag: number): string {
  if (!Number.isInteger(tag) || tag < -0x80000000 || tag > 0xffffffff)
    throw new RangeError(`not a DICOM tag: ${tag}`);
  return (tag >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** "(GGGG,EEEE)", upper-case hex, for messages. */
export function formatTag(tag: number): string {
  const s = tagToString(tag);
  return `(${s.slice(0, 4)},${s.slice(4)})`;
}

const TAG_FORMS = [
  /^([0-9a-f]{4})([0-9a-f]{4})$/i,
  /^\(\s*([0-9a-f]{4})\s*,\s*([0-9a-f]{4})\s*\)$/i,
  /^([0-9a-f]{4})\s*,\s*([0-9a-f]{4})$/i,
];

/** Accepts "GGGGEEEE", "(gggg,eeee)" and "gggg,eeee" (any case); throws on anything else. */
export function parseTag(s: string): number {
  const t = s.trim();
  for (const re of TAG_FORMS) {
    const m = re.exec(t);
    if (m) return ((parseInt(m[1], 16) << 16) | parseInt(m[2], 16)) >>> 0;
  }
  throw new Error(`not a DICOM tag: ${JSON.stringify(s)}`);
}

/** Odd groups other than 0001, 0003, 0005, 0007 and FFFF (PS3.5 7.8.1). */
export function isPrivateGroup(group: number): boolean {
  return (group & 1) === 1 && group > 0x0007 && group !== 0xffff;
}

/** (gggg,0010-00FF) in a private group. */
export function isPrivateCreator(tag: number): boolean {
  const element = tag & 0xffff;
  return isPrivateGroup(tag >>> 16) && element >= 0x0010 && element <= 0x00ff;
}

function maskEntry(tag: number): DictionaryEntry | undefined {
  const group = tag >>> 16;
  if (group & 1) return undefined; // repeating groups are even; odd ones are private
  for (const m of masks) {
    if ((tag & m.mask) >>> 0 !== m.value) continue;
    // Curves (50xx) and overlays (60xx) are the even groups 5000-501E / 6000-601E only (PS3.5 7.6).
    if ((m.pattern.startsWith('50xx') || m.pattern.startsWith('60xx')) && (group & 0xff) > 0x1e) continue;
    return m.entry;
  }
  return undefined;
}

const maskCache = new Map<number, DictionaryEntry | null>();

/**
 * The dictionary entry of a tag: exact entries first, then repeating groups (60xx3000, 1000xxx0, ...);
 * any (gggg,0000) is a UL group length; private tags give undefined, except private creators (LO).
 */
export function lookup(tag: number): DictionaryEntry | undefined {
  tag = tag >>> 0;
  const hit = exact.get(tag);
  if (hit) return hit;
  const group = tag >>> 16;
  const element = tag & 0xffff;
  if (element === 0) return GROUP_LENGTH;
  if (group & 1) return isPrivateCreator(tag) ? PRIVATE_CREATOR : undefined;
  let cached = maskCache.get(tag);
  if (cached === undefined) {
    cached = maskEntry(tag) ?? null;
    if (maskCache.size < 65536) maskCache.set(tag, cached);
  }
  return cached ?? undefined;
}

/** Tag of a PS3.6 keyword (case-sensitive); repeating groups give their first group, e.g. OverlayData -> 60003000. */
export function tagForKeyword(keyword: string): number | undefined {
  return byKeyword.get(keyword);
}

/** Number of exact (non-repeating) dictionary entries. */
export const DICTIONARY_SIZE = exact.size;

let keywordWordCache: ReadonlySet<string> | undefined;

/**
 * Every word of every PS3.6 keyword, lower case ('ValueType' gives 'value' and 'type'): the standard's own
 * vocabulary, which coded values are built from.
 */
export function keywordWords(): ReadonlySet<string> {
  if (!keywordWordCache) {
    const words = new Set<string>();
    for (const k of byKeyword.keys())
      for (const w of k.match(/[A-Z][a-z]+|[A-Z]+(?![a-z])|[a-z]+/g) ?? []) words.add(w.toLowerCase());
    keywordWordCache = words;
  }
  return keywordWordCache;
}
