// File Meta Information of a de-identified file, rebuilt from a whitelist: everything else in group 0002 (source,
// sending and receiving AE titles and presentation addresses, Private Information) names the sender's systems.

import type { DicomElement } from '../dicom/parse';
import { EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE, type Encoding } from '../dicom/transfer-syntax';
import { asciiValue, findElement, T } from '../dicom/values';
import type { UidMapper } from './uid-map';

const GROUP_LENGTH = 0x00020000;
const VERSION = 0x00020001;
const IMPLEMENTATION_CLASS_UID = 0x00020012;
const IMPLEMENTATION_VERSION_NAME = 0x00020013;

function element(tag: number, vr: string, text: string): DicomElement {
  const value = Uint8Array.from(Buffer.from(text, 'latin1'));
  return { tag, vr, offset: 0, valueOffset: 0, length: value.length, value };
}

/**
 * The new File Meta: group length and version kept (encodeFileMeta recomputes the length), Media Storage SOP
 * Class/Instance UIDs equal to the de-identified data set's SOP Class/Instance UIDs, Transfer Syntax kept (the
 * writer sets the one it writes), Implementation Class UID and Version Name ClearDisc's.
 */
export function rewriteMeta(
  meta: readonly DicomElement[],
  elements: readonly DicomElement[],
  encoding: Encoding,
  ctx: { uids: UidMapper; implementation: { classUid: string; versionName: string } },
): DicomElement[] {
  const out: DicomElement[] = [];
  const gl = findElement(meta, GROUP_LENGTH);
  if (gl) out.push(gl);
  out.push(
    findElement(meta, VERSION) ?? {
      tag: VERSION,
      vr: 'OB',
      offset: 0,
      valueOffset: 0,
      length: 2,
      value: Uint8Array.of(0, 1),
    },
  );
  // The data set's values are already mapped; File Meta's own copy is mapped only when the data set lacks one.
  const sopClass =
    asciiValue(findElement(elements, T.SOPClassUID)) ||
    ctx.uids.map(asciiValue(findElement(meta, T.MediaStorageSOPClassUID)));
  const sopInstance =
    asciiValue(findElement(elements, T.SOPInstanceUID)) ||
    ctx.uids.map(asciiValue(findElement(meta, T.MediaStorageSOPInstanceUID)));
  if (sopClass) out.push(element(T.MediaStorageSOPClassUID, 'UI', sopClass));
  if (sopInstance) out.push(element(T.MediaStorageSOPInstanceUID, 'UI', sopInstance));
  const ts = findElement(meta, T.TransferSyntaxUID);
  const native = !encoding.littleEndian ? EXPLICIT_BE : encoding.explicitVR ? EXPLICIT_LE : IMPLICIT_LE;
  out.push(ts ?? element(T.TransferSyntaxUID, 'UI', native));
  out.push(element(IMPLEMENTATION_CLASS_UID, 'UI', ctx.implementation.classUid));
  // SH: at most 16 characters.
  if (ctx.implementation.versionName)
    out.push(element(IMPLEMENTATION_VERSION_NAME, 'SH', ctx.implementation.versionName.slice(0, 16)));
  return out;
}
