// One case, two discs: the private case record keeps the identity of both, so the check run again right
// before sending finds the first disc's patient in the first disc's output.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildInstance, testUid, writeFile } from '../../fixtures/build-dicom';
import { fileRecordStore } from '../../../main/core/deid/case-record';
import { makePlan } from '../../../main/core/deid/plan';
import { deidentify } from '../../../main/core/deid/run';
import { scan } from '../../../main/core/scan/scan';
import { loadCaseTokens } from '../../../main/core/jobs/upload';
import { verifyBuffer } from '../../../main/core/verify/second-lock';

describe('case record across discs', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-case-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('keeps the identity of every disc of the case, not only the last one', async () => {
    const records = fileRecordStore(path.join(tmp, 'cases'));
    const disc = (name: string, n: number, patientName: string, patientId: string) => {
      const dir = path.join(tmp, name);
      writeFile(
        dir,
        'IMG1',
        buildInstance({
          sopInstanceUID: testUid(n, 1, 1),
          studyInstanceUID: testUid(n),
          seriesInstanceUID: testUid(n, 1),
          patientName,
          patientId,
        }),
      );
      return dir;
    };
    const run = async (dir: string) =>
      deidentify(makePlan(await scan(dir)), {
        out: path.join(tmp, `${path.basename(dir)}-out`),
        caseCode: 'SAME-1',
        records,
        random: (k) => randomBytes(k),
        now: () => new Date(),
      });
    await run(disc('a', 31, 'Quixote^Donald', 'PIDA31337'));
    await run(disc('b', 32, 'Panza^Sancho', 'PIDB42424'));

    const rec = await records.load('SAME-1');
    expect(rec?.identity?.names).toEqual(expect.arrayContaining(['Quixote^Donald', 'Panza^Sancho']));
    expect(rec?.identity?.ids).toEqual(expect.arrayContaining(['PIDA31337', 'PIDB42424']));

    // Disc A's output, later damaged with its patient's name and ID, is caught by the pre-send check.
    const tokens = await loadCaseTokens('SAME-1', records);
    const leaky = buildInstance({
      sopInstanceUID: testUid(33, 1, 1),
      studyInstanceUID: testUid(33),
      seriesInstanceUID: testUid(33, 1),
      patientName: 'SAME-1',
      patientId: 'SAME-1',
      studyDescription: 'QUIXOTE knee',
    });
    const r = verifyBuffer(leaky, tokens);
    expect(r.ok).toBe(false);
    expect(r.hits.map((h) => h.token)).toContain('name');
  });

  it('prepared again with other options, the images get UIDs of their own; with the same options, the same bytes', async () => {
    const records = fileRecordStore(path.join(tmp, 'cases'));
    const dir = path.join(tmp, 'disc');
    writeFile(
      dir,
      'IMG1',
      buildInstance({
        sopInstanceUID: testUid(34, 1, 1),
        studyInstanceUID: testUid(34),
        seriesInstanceUID: testUid(34, 1),
        extra: { PatientSex: 'F' },
      }),
    );
    const run = async (name: string, options = {}) => {
      const r = await deidentify(makePlan(await scan(dir)), {
        out: path.join(tmp, name),
        caseCode: 'SAME-2',
        options,
        records,
        random: (k) => randomBytes(k),
        now: () => new Date('2026-01-01T00:00:00Z'),
      });
      const [i] = r.manifest.instances;
      return {
        uids: [i.sopInstanceUID, i.studyInstanceUID],
        bytes: fs.readFileSync(path.join(tmp, name, i.file)),
      };
    };
    const first = await run('first');
    const again = await run('again');
    // A service that holds the first version would keep it and answer the second as stored: never the same UIDs.
    const other = await run('other', { retainPatientCharacteristics: false });
    expect(again.bytes.equals(first.bytes)).toBe(true);
    expect(other.bytes.equals(first.bytes)).toBe(false);
    expect(other.uids[0]).not.toBe(first.uids[0]);
    expect(other.uids[1]).not.toBe(first.uids[1]);
    // The defaults given explicitly are the defaults.
    expect((await run('explicit', { retainPatientCharacteristics: true })).uids).toEqual(first.uids);
  });
});
