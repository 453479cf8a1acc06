import { everyStudy } from '../../support/every-study';
/**
 * A second opinion on the de-identified corpus from a parser ClearDisc does not use: dicom3tools' dcdump
 * reads every source and every output. The identity it finds in the sources (every person name, patient
 * IDs, birth dates, accession numbers, institutions, addresses, every non-registered UID, at any depth)
 * must appear in no output, and every output it can read whole.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileRecordStore } from '../../../main/core/deid/case-record';
import { makePlan, type DeidPlan } from '../../../main/core/deid/plan';
import { deidentify, type DeidResult } from '../../../main/core/deid/run';
import { mapPool } from '../../../main/core/map-pool';
import { scan } from '../../../main/core/scan/scan';
import { dcdump, type Dump, type DumpedElement } from '../../support/dcdump';
import { allTestdataFiles, TESTDATA } from '../../support/testdata';

/** Attributes (besides every PN) whose values identify the patient or the visit. */
const IDENTIFYING = new Set([
  '0010,0020', // Patient ID
  '0010,1000', // Other Patient IDs
  '0010,0030', // Patient's Birth Date
  '0008,0050', // Accession Number
  '0008,0080', // Institution Name
  '0008,0081', // Institution Address
  '0008,1040', // Institutional Department Name
  '0010,1040', // Patient's Address
  '0010,2154', // Patient's Telephone Numbers
  '0038,0010', // Admission ID
  '0040,2016', // Placer Order Number
  '0040,2017', // Filler Order Number
]);

/** Institution name, address and department: names that, like people's, may also be vocabulary words. */
const NAMES = new Set(['0008,0080', '0008,0081', '0008,1040']);
/** Written by ClearDisc from fixed text: De-identification Method (and its Code Sequence), version name. */
const AUTHORED = new Set(['0012,0063', '0012,0064', '0002,0013']);
/** Code Value, Coding Scheme Designator and Version, Long and URN Code Values. */
const CODES = new Set(['0008,0100', '0008,0102', '0008,0103', '0008,0119', '0008,0120']);

const REGISTERED_UID = /^1\.2\.840\.10008\./;
const trim = (s: string) => s.replace(/[\s\0]+$/, '').replace(/^\s+/, '');

/** What one value contributes to the identity tokens: words of names, whole IDs, dates, addresses. */
function tokensOf(el: DumpedElement): string[] {
  if (el.vr !== 'PN' && !IDENTIFYING.has(el.tag)) return [];
  const parts =
    el.vr === 'PN' && !el.value.includes('\x1b') // ISO 2022 bytes may hold '^' and '=' inside a character
      ? el.value.split(/[\^=\\]/)
      : el.value.split('\\');
  return parts.map(trim).filter((t) => t.length >= 4 && !/^\d{1,5}$/.test(t));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A token as a whole word: ASCII ones in any case, others byte for byte. */
function matcher(token: string): RegExp {
  const ascii = /^[\x20-\x7e]+$/.test(token);
  return new RegExp(`(?<![A-Za-z0-9])${escapeRe(token)}(?![A-Za-z0-9])`, ascii ? 'i' : '');
}

describe('an independent parser (dcdump) finds no identity in the de-identified corpus', () => {
  let tmp: string;
  let plan: DeidPlan;
  let result: DeidResult;
  let uidMap: Record<string, string>;
  const sources = new Map<string, Dump>();
  const outputs = new Map<string, Dump>();
  /** Each token, its matcher, and whether it is a word of a name (or an ID, date, the patient's address). */
  const tokens = new Map<string, { re: RegExp; name: boolean }>();
  const sourceUids = new Set<string>();

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-dcdump-'));
    // One case for the whole corpus: every person in it must vanish from every output.
    const scanned = await scan(TESTDATA);
    plan = makePlan(scanned, { studies: everyStudy(scanned), includeBurnedIn: true });
    const records = fileRecordStore(path.join(tmp, 'records'));
    result = await deidentify(plan, {
      out: path.join(tmp, 'out'),
      caseCode: 'DCDUMP-1',
      records,
      random: (n) => new Uint8Array(n).fill(9),
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    uidMap = (await records.load('DCDUMP-1'))!.uidMap;
    await mapPool(allTestdataFiles(), 4, async (f) => sources.set(f, await dcdump(f)));
    await mapPool(result.manifest.instances, 4, async (i) =>
      outputs.set(i.file, await dcdump(path.join(tmp, 'out', i.file))),
    );
    for (const d of sources.values()) {
      for (const el of d.elements) {
        for (const t of tokensOf(el))
          tokens.set(t, { re: matcher(t), name: el.vr === 'PN' || NAMES.has(el.tag) });
        if (el.vr === 'UI') {
          const uid = trim(el.value);
          if (uid && !REGISTERED_UID.test(uid)) sourceUids.add(uid);
        }
      }
    }
  }, 240_000);

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('collects identity from the sources at every depth (the check below has something to find)', () => {
    expect(sources.size).toBe(allTestdataFiles().length);
    expect(outputs.size).toBe(result.manifest.instances.length);
    expect(result.manifest.instances.length).toBe(169);
    // Names in ASCII, Latin-1 and UTF-8 (as their bytes), inside sequences, IDs, an address, an accession number.
    const latin1 = (t: string, enc: BufferEncoding) => Buffer.from(t, enc).toString('latin1');
    for (const t of [
      'Moriarty',
      'Lestrade',
      'Citizen',
      'Riesmeier', // Verifying Observer Name, inside an SR sequence
      latin1('Jérôme', 'latin1'),
      latin1('小東', 'utf8'),
      latin1('Weißenkirchen In Der Wachau', 'latin1'),
      '2008050417172310',
    ]) {
      expect({ t, collected: [...tokens.keys()].some((k) => k.includes(t)) }).toEqual({ t, collected: true });
    }
    expect(sourceUids.size).toBeGreaterThan(300);
    // The matcher finds every token in the sources it came from: a miss below is not a blind matcher.
    const sourceText = [...sources.values()].flatMap((d) => d.elements.map((e) => e.value));
    for (const [t, { re }] of tokens)
      expect({ t, found: sourceText.some((v) => re.test(v)) }).toEqual({ t, found: true });
  });

  it('finds no identity token in any value of any output, at any depth, private ones included', () => {
    const hits: string[] = [];
    for (const [file, d] of outputs) {
      for (const el of d.elements) {
        // What ClearDisc writes from fixed text: the de-identification method and its codes, its version.
        if ([el.tag, ...el.within].some((t) => AUTHORED.has(t))) continue;
        for (const [t, { re, name }] of tokens) {
          // Coded values are vocabulary ('PATIENT', 'OFFIS' as a coding scheme): names that are also
          // ordinary words may stand there; IDs, dates and addresses may not.
          if (name && (el.vr === 'CS' || CODES.has(el.tag))) continue;
          if (re.test(el.value)) hits.push(`${file} (${[...el.within, el.tag].join(' > ')}) holds "${t}"`);
        }
      }
    }
    expect(hits).toEqual([]);
  });

  it('finds no original UID in any output, as a value or inside text', () => {
    const hits: string[] = [];
    const uidRe = /[0-9]+(?:\.[0-9]+)+/g;
    for (const [file, d] of outputs) {
      for (const el of d.elements) {
        for (const m of el.value.matchAll(uidRe))
          if (sourceUids.has(m[0])) hits.push(`${file} (${el.tag}) ${m[0]}`);
      }
    }
    expect(hits).toEqual([]);
  });

  it('writes only files dcdump reads whole, except where it could not read the source either', () => {
    const sourceOf = new Map(
      plan.include.map((i) => [uidMap[i.sopInstanceUID], path.join(plan.root, i.path)]),
    );
    const unreadable: string[] = [];
    for (const inst of result.manifest.instances) {
      const d = outputs.get(inst.file)!;
      if (d.complete) continue;
      const src = sourceOf.get(inst.sopInstanceUID);
      expect(src).toBeDefined();
      if (sources.get(src!)?.complete) unreadable.push(`${inst.file}: ${d.problem}`);
    }
    expect(unreadable).toEqual([]);
    // Most outputs are read whole: the exceptions are the few syntaxes and oddities dcdump itself rejects.
    expect([...outputs.values()].filter((d) => d.complete).length).toBeGreaterThan(160);
  });
});
