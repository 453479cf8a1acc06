// Writing text the data set's character set cannot hold. Cleaned text is the original minus identity tokens, so it
// normally re-encodes in the original set (encode-text.ts). When it cannot — ISO 2022 multi-byte sets (Japanese,
// Korean, Chinese), GBK/GB18030, unknown terms — the whole output is converted to UTF-8 (ISO_IR 192), which can
// hold any text: (0008,0005) becomes 'ISO_IR 192' at the top, item-level (0008,0005) values go, and every string
// value whose raw bytes are not plain ASCII is decoded in the set it was written in and re-encoded as UTF-8.
// Values that are plain ASCII mean the same in every set and stay byte for byte. Mixing sets is never an option:
// the writer emits raw bytes as given, so one stale value would be read as garbage (or hide a name from checks).

import { decodeText } from '../dicom/charset';
import type { DicomElement } from '../dicom/parse';
import { charsetsOf, T } from '../dicom/values';
import { TEXT_VRS } from './actions';
import { effectiveVR } from './collect-identity';
import { isAsciiBytes } from './encode-text';

export const UTF8_TERM = 'ISO_IR 192';

/** Text ClearDisc wrote into an element, with the character set of the level it lives at. */
export interface TextEdit {
  text: string;
  charsets: string[];
}

const utf8 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'utf8'));

function withValue(el: DicomElement, value: Uint8Array): DicomElement {
  // The writer pads UN with NUL; text read back under its dictionary VR must be padded with a space.
  const v = el.vr === 'UN' && value.length % 2 === 1 ? Uint8Array.from([...value, 0x20]) : value;
  return { tag: el.tag, vr: el.vr, offset: 0, valueOffset: 0, length: v.length, value: v };
}

function convertLevel(
  elements: readonly DicomElement[],
  inherited: string[],
  edits: ReadonlyMap<DicomElement, TextEdit>,
  top: boolean,
): DicomElement[] {
  const charsets = charsetsOf(elements, inherited);
  const out: DicomElement[] = [];
  for (const el of elements) {
    if (el.tag === T.SpecificCharacterSet) continue; // rewritten once at the top below
    if (el.items) {
      out.push({
        ...el,
        items: el.items.map((it) => ({
          offset: it.offset,
          elements: convertLevel(it.elements, charsets, edits, false),
        })),
      });
      continue;
    }
    const edit = edits.get(el);
    const vr = effectiveVR(el);
    if (edit) out.push(withValue(el, utf8(edit.text)));
    else if (TEXT_VRS.has(vr) && el.value && !isAsciiBytes(el.value))
      out.push(withValue(el, utf8(decodeText(el.value, charsets, vr))));
    else out.push(el);
  }
  if (top)
    out.push(
      withValue(
        { tag: T.SpecificCharacterSet, vr: 'CS', offset: 0, valueOffset: 0, length: 0 },
        Uint8Array.from(Buffer.from(UTF8_TERM, 'latin1')),
      ),
    );
  return out;
}

/**
 * The data set converted to UTF-8 (see above). `edits` holds the text of every value ClearDisc created or changed,
 * keyed by its element in `elements` (their raw bytes are not final yet); `charsets` is the top-level set.
 */
export function convertToUtf8(
  elements: readonly DicomElement[],
  charsets: string[],
  edits: ReadonlyMap<DicomElement, TextEdit>,
): DicomElement[] {
  return convertLevel(elements, charsets, edits, true);
}
