import * as fsp from 'node:fs/promises';
import { clearDiscHome } from '../home';
import { writeFileAtomic } from '../atomic-write';
import * as path from 'node:path';

/**
 * The sender's private record of one case: what links the de-identified copies back to the person.
 * It never leaves this computer; keeping the secret and date offset makes re-runs byte-identical.
 */
export interface CaseRecord {
  caseCode: string;
  /** Hex HMAC key for UID mapping. */
  secret: string;
  dateOffsetDays: number;
  createdAt: string;
  patients: Array<{ patientName: string; patientId: string; birthDate: string }>;
  /** Original UID → new UID. */
  uidMap: Record<string, string>;
  /** Identity collected from the source: what the second lock searches for, again before upload. */
  identity?: { names: string[]; ids: string[]; dates: string[]; texts: string[]; uids: string[] };
}

export type RandomBytes = (n: number) => Uint8Array;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A case code people can read aloud: no I, L, O or U. */
export function randomCaseCode(random: RandomBytes): string {
  const b = random(8);
  const chars = [...b].map((x) => CROCKFORD[x & 31]).join('');
  return `CD-${chars.slice(0, 4)}-${chars.slice(4, 8)}`;
}

/** Case codes end up in Patient Name/ID (LO/PN: 64 chars) and folder names: keep them plain. */
export function isValidCaseCode(code: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(code);
}

export function newCaseRecord(caseCode: string, random: RandomBytes, now: () => Date): CaseRecord {
  const r = random(4);
  // One to ten years back: far enough that no real date survives, intervals intact.
  const offset = -(366 + (((r[0] << 8) | r[1]) % 3287));
  return {
    caseCode,
    secret: Buffer.from(random(32)).toString('hex'),
    dateOffsetDays: offset,
    createdAt: now().toISOString(),
    patients: [],
    uidMap: {},
  };
}

export interface RecordStore {
  load(caseCode: string): Promise<CaseRecord | undefined>;
  save(rec: CaseRecord): Promise<void>;
  /** Folder holding the case's record and its CSV exports. */
  folder(caseCode: string): string;
}

export function defaultRecordDir(env: Record<string, string | undefined> = process.env): string {
  return path.join(clearDiscHome(env), 'cases');
}

export function fileRecordStore(baseDir: string): RecordStore {
  const folder = (c: string) => path.join(baseDir, c);
  return {
    folder,
    async load(caseCode) {
      try {
        return JSON.parse(
          await fsp.readFile(path.join(folder(caseCode), 'record.json'), 'utf8'),
        ) as CaseRecord;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async save(rec) {
      const dir = folder(rec.caseCode);
      await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(path.join(dir, 'record.json'), JSON.stringify(rec, null, 2), { mode: 0o600 });
      await exportMappings(rec, dir);
    },
  };
}

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** `uid_mapping.csv` and `patid_mapping.csv` (header `id_old,id_new`), as other de-id tools export them. */
export async function exportMappings(rec: CaseRecord, dir: string): Promise<void> {
  const uids = [
    'id_old,id_new',
    // Sorted: the map fills in whatever order instances finished, the export is the same every time.
    ...Object.entries(rec.uidMap)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([a, b]) => `${csvCell(a)},${csvCell(b)}`),
  ];
  const ids = [
    'id_old,id_new',
    ...[...new Set(rec.patients.map((p) => p.patientId))].map(
      (id) => `${csvCell(id)},${csvCell(rec.caseCode)}`,
    ),
  ];
  await fsp.writeFile(path.join(dir, 'uid_mapping.csv'), uids.join('\n') + '\n', { mode: 0o600 });
  await fsp.writeFile(path.join(dir, 'patid_mapping.csv'), ids.join('\n') + '\n', { mode: 0o600 });
}
