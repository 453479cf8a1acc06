// Encoding text ClearDisc writes (cleaned values, dummies, the case code) into raw bytes for a data set's Specific
// Character Set (0008,0005). Only what can be encoded exactly is encoded here; for anything else the caller
// converts the whole data set to UTF-8 (see charset-convert.ts), because an ISO 2022 encoder for the multi-byte
// sets (JIS, KS X 1001, GB 2312) would be a large, rarely exercised piece of code in the one place where a
// mistake corrupts names — and a byte we cannot encode is a byte we cannot prove clean.

import { trimSpaceAndNul } from '../dicom/charset';

/** Single-byte sets by (0008,0005) term: the TextDecoder label charset.ts decodes their upper half with. */
const SINGLE_BYTE: Record<string, string> = {
  'ISO_IR 100': 'iso-8859-1',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 166': 'tis-620',
};

const reverseTables = new Map<string, Map<string, number>>();

/** Character → byte for 0x80-0xFF of a single-byte set, from the same decoder charset.ts reads it with, so that
 * decoding what this writes gives back the same text. */
function reverseTable(label: string): Map<string, number> {
  let table = reverseTables.get(label);
  if (!table) {
    table = new Map();
    const decoder = new TextDecoder(label);
    for (let b = 0x80; b <= 0xff; b++) {
      const ch = decoder.decode(Uint8Array.of(b));
      if (ch !== '\ufffd' && !table.has(ch)) table.set(ch, b);
    }
    reverseTables.set(label, table);
  }
  return table;
}

/** Every character below `limit` (0x80: ASCII; 0x100: Latin-1 code units). */
function allBelow(text: string, limit: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= limit) return false;
  return true;
}

export function isAscii(text: string): boolean {
  return allBelow(text, 0x80);
}

/** Raw bytes with no byte >= 0x80 and no ESC: the same characters in every DICOM character set. */
export function isAsciiBytes(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80 || b === 0x1b) return false;
  return true;
}

const normTerm = (t: string): string =>
  trimSpaceAndNul(t)
    .toUpperCase()
    .replace(/^ISO[ -]IR/, 'ISO_IR');

/**
 * Bytes of `text` in the character set `charsets` designates (VR-independent), or undefined when it cannot be
 * encoded exactly by this module. ASCII text is ASCII in every set DICOM allows.
 */
export function encodeText(text: string, charsets: readonly string[]): Uint8Array | undefined {
  if (isAscii(text)) return Uint8Array.from(Buffer.from(text, 'latin1'));
  const terms = charsets.flatMap((c) => c.split('\\')).map(normTerm);
  const first = terms[0] ?? '';
  if (first === 'ISO_IR 192') return Uint8Array.from(Buffer.from(text, 'utf8'));
  // Code extensions (more than one term) switch sets with escapes: not encoded here.
  if (terms.filter((t) => t !== '').length > 1) return undefined;
  if (first === '' || first === 'ISO_IR 6') {
    // The default repertoire is ASCII, but files in it often carry Latin-1 bytes, which charset.ts reads byte for
    // byte: writing them back the same way keeps such text exactly as it was.
    if (!allBelow(text, 0x100)) return undefined;
    return Uint8Array.from(Buffer.from(text, 'latin1'));
  }
  const label = SINGLE_BYTE[first] ?? SINGLE_BYTE[first.replace(/^ISO 2022 IR /, 'ISO_IR ')];
  if (!label) return undefined;
  const table = reverseTable(label);
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else {
      const b = table.get(ch);
      if (b === undefined) return undefined;
      out.push(b);
    }
  }
  return Uint8Array.from(out);
}
