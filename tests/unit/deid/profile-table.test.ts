// Every exact row of PS3.15 Table E.1-1, run through the transform with no option, each option alone and the
// defaults: the outcome must be what the row prescribes. The expected action is worked out here from the row on
// its own (a second reading of the rules), and any action code this test does not know fails it.
import { resolveAction } from '../../../main/core/deid/actions';
import { shiftDA, shiftDT } from '../../../main/core/deid/date-shift';
import { attributeType } from '../../../main/core/deid/iod-types';
import { OPTION_COLUMNS, optionsInForce } from '../../../main/core/deid/options';
import {
  exactRows,
  loadProfile,
  type ActionCode,
  type ProfileOption,
  type ProfileRow,
} from '../../../main/core/deid/profile/profile';
import { createUidMapper } from '../../../main/core/deid/uid-map';
import { decodeText } from '../../../main/core/dicom/charset';
import type { DicomElement } from '../../../main/core/dicom/parse';
import { findElement, T } from '../../../main/core/dicom/values';
import { DEFAULT_DEID_OPTIONS, type DeidOptions } from '../../../shared/deid-types';
import { ALL_OFF, CASE, el, identityOf, OFFSET, run, SECRET, seq } from './helpers';

type Expected = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U';

/** The codes this test knows how to check. A new code in the table must be added here, with its meaning. */
const KNOWN_CODES = new Set<string>(['D', 'Z', 'X', 'K', 'C', 'U', 'Z/D', 'X/Z', 'X/D', 'X/Z/D', 'X/Z/U*']);
const SAFETY: Expected[] = ['X', 'Z', 'D', 'U', 'C', 'K'];

function single(code: ActionCode, row: ProfileRow, vr: string): Expected {
  const type = attributeType(row.tagNumber!);
  switch (code) {
    case 'D':
    case 'Z':
    case 'X':
    case 'K':
    case 'C':
    case 'U':
      return code;
    case 'Z/D':
      return type === '1' ? 'D' : 'Z';
    case 'X/Z':
      return type ? 'Z' : 'X';
    case 'X/D':
      return type ? 'D' : 'X';
    case 'X/Z/D':
      return type === '1' ? 'D' : type === '2' ? 'Z' : 'X';
    case 'X/Z/U*':
      return type === '1' || vr === 'UI' ? 'U' : type === '2' ? 'Z' : 'X';
    default:
      throw new Error(
        `Table E.1-1 ${row.tag} has action code ${JSON.stringify(code)} that the engine's tests do not know`,
      );
  }
}

function expectedAction(row: ProfileRow, inForce: ReadonlySet<ProfileOption>, vr: string): Expected {
  const fromOptions = (Object.entries(row.options) as [ProfileOption, ActionCode][])
    .filter(([o]) => inForce.has(o))
    .map(([, c]) => single(c, row, vr));
  if (fromOptions.length) return fromOptions.sort((a, b) => SAFETY.indexOf(a) - SAFETY.indexOf(b))[0];
  return single(row.basic, row, vr);
}

const TOKEN = 'Doe';
const UID = '1.2.826.0.1.3680043.9.7433.99.77';
const BINARY: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4, SV: 8, UV: 8 };

/** A recognisable value for the row's VR; text carries the token 'Doe' so cleaning is visible. */
function sourceElement(tag: number, vr: string): DicomElement {
  switch (vr) {
    case 'SQ':
      return seq(tag, [[el(0x00080104, 'LO', `Item ${TOKEN}`), el(0x00081155, 'UI', UID)]]);
    case 'PN':
      return el(tag, vr, `${TOKEN}^Recognisable`);
    case 'DA':
      return el(tag, vr, '20200115');
    case 'TM':
      return el(tag, vr, '101500');
    case 'DT':
      return el(tag, vr, '20200115101500');
    case 'AS':
      return el(tag, vr, '095Y');
    case 'DS':
      return el(tag, vr, '1.5 ');
    case 'IS':
      return el(tag, vr, '7 ');
    case 'UI':
      return el(tag, vr, UID);
    case 'UR':
      return el(tag, vr, 'http://example.org/x');
    case 'CS':
    case 'AE':
    case 'SH':
    case 'LO':
    case 'ST':
    case 'LT':
    case 'UT':
    case 'UC':
      return el(tag, vr, `KEEPME ${TOKEN}`);
    default:
      if (vr in BINARY) return el(tag, vr, new Array(BINARY[vr]).fill(7));
      return el(tag, vr, 'RAWBYTES'); // OB, OW, OF, OD, OL, OV, UN
  }
}

/** Identity of the "source": a patient named Doe, so 'Doe' is a token everywhere. */
const IDENTITY = identityOf([el(T.PatientName, 'PN', 'Doe^John'), el(0x00081155, 'UI', UID)]);
const uids = createUidMapper(SECRET);
const MAPPED = uids.map(UID);

const textOf = (e: DicomElement): string => (e.value ? decodeText(e.value, [], e.vr) : '');

/** Checks the outcome of `action` on the row's element; returns a problem description or undefined. */
function check(
  row: ProfileRow,
  vr: string,
  action: Expected,
  out: DicomElement | undefined,
  src: DicomElement,
): string | undefined {
  const tag = row.tagNumber!;
  if (tag === T.PatientName || tag === T.PatientID)
    return out && textOf(out) === CASE ? undefined : 'not the case code';
  // Command elements and File Meta have no place in a data set, whatever their row says (File Meta: see transform tests).
  if (tag >>> 16 === 0x0000 || tag >>> 16 === 0x0002)
    return out ? 'command/meta element kept in a data set' : undefined;
  switch (action) {
    case 'X':
      return out ? 'not removed' : undefined;
    case 'Z':
      if (!out) return 'removed, expected zero length';
      return (out.items ? out.items.length === 0 : (out.value?.length ?? 0) === 0)
        ? undefined
        : 'not zero length';
    case 'D':
      if (!out) return 'removed, expected a dummy';
      if (vr === 'SQ') return out.items?.length === 1 ? undefined : 'sequence item lost';
      if (vr === 'UI') return textOf(out) === MAPPED ? undefined : 'UID not re-mapped';
      if (!out.value?.length) return 'dummy is empty';
      if (vr in BINARY || /^O[BDFLVW]$|^UN$/.test(vr))
        return out.value.every((b) => b === 0) ? undefined : 'binary dummy not zero';
      return textOf(out) !== textOf(src) && !textOf(out).includes(TOKEN) ? undefined : 'value not replaced';
    case 'K':
      if (!out) return 'removed, expected kept';
      if (vr === 'SQ') return out.items?.length === 1 ? undefined : 'sequence item lost';
      if (vr === 'AS') return textOf(out) === '090Y' ? undefined : 'age over 89 kept';
      return Buffer.compare(Buffer.from(out.value ?? []), Buffer.from(src.value ?? [])) === 0
        ? undefined
        : 'value changed';
    case 'U':
      if (!out) return 'removed, expected UIDs re-mapped';
      if (vr === 'SQ')
        return out.items?.length === 1 && textOf(findElement(out.items[0].elements, 0x00081155)!) === MAPPED
          ? undefined
          : 'sequence UIDs not re-mapped';
      return textOf(out) === MAPPED ? undefined : 'UID not re-mapped';
    case 'C': {
      // "Clean" cannot be done to opaque bytes: the row's basic action applies instead.
      if (/^O[BDFLVW]$|^UN$/.test(vr)) return check(row, vr, single(row.basic, row, vr), out, src);
      if (!out) return 'removed, expected cleaned';
      if (vr === 'SQ') {
        const meaning = out.items?.[0] && findElement(out.items[0].elements, 0x00080104);
        return meaning && textOf(meaning) === 'Item' ? undefined : 'sequence content not cleaned';
      }
      if (vr === 'DA') return textOf(out) === shiftDA('20200115', OFFSET) ? undefined : 'date not shifted';
      if (vr === 'DT')
        return textOf(out) === shiftDT('20200115101500', OFFSET) ? undefined : 'datetime not shifted';
      if (vr === 'TM' || row.tag === '00080201')
        return textOf(out) === textOf(src) ? undefined : 'time changed';
      return textOf(out) === 'KEEPME' ? undefined : `text not cleaned: ${JSON.stringify(textOf(out))}`;
    }
  }
}

const CONFIGS: [string, DeidOptions][] = [
  ['no option', ALL_OFF],
  ...(Object.keys(OPTION_COLUMNS) as (keyof DeidOptions)[]).map((k): [string, DeidOptions] => [
    k,
    { ...ALL_OFF, [k]: true },
  ]),
  ['the defaults', DEFAULT_DEID_OPTIONS],
];

describe('Table E.1-1, row by row', () => {
  const rows = [...exactRows().values()];

  it('has only action codes the engine and this test know', () => {
    for (const row of loadProfile()) {
      for (const code of [row.basic, ...Object.values(row.options)]) expect(KNOWN_CODES).toContain(code);
    }
    expect(rows.length).toBeGreaterThan(600);
  });

  it.each(CONFIGS)('with %s, every row gets its action', (_name, options) => {
    const inForce = optionsInForce(options);
    const problems: string[] = [];
    for (const row of rows) {
      const vr = row.vr.split('|')[0] || 'UN';
      const tag = row.tagNumber!;
      const expected = expectedAction(row, inForce, vr);
      const resolved = resolveAction(tag, { options, vr });
      if (resolved !== expected)
        problems.push(`${row.tag} ${row.keyword}: resolveAction ${resolved}, row says ${expected}`);
      const src = sourceElement(tag, vr);
      const out = findElement(run([src], { options, identity: IDENTITY, uids }).elements, tag);
      const problem = check(row, vr, expected, out, src);
      if (problem) problems.push(`${row.tag} ${row.keyword} (${vr}, ${expected}): ${problem}`);
    }
    expect(problems).toEqual([]);
  });
});
