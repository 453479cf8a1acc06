import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildInstance, testUid, writeFile } from '../../fixtures/build-dicom';
import { cliEnv, runCli } from '../../support/cli';
import { startOrthanc, type OrthancServer } from '../../support/orthanc';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dicomParser = require('dicom-parser');

describe('cleardisc watch: a drop folder for clinic staff', () => {
  let orthanc: OrthancServer;
  let tmp: string;
  let drop: string;
  let env: Record<string, string>;

  const exportFolder = (name: string, study: number, n: number, patientName = 'Watcher^Wendy') => {
    for (let i = 1; i <= n; i++) {
      writeFile(
        drop,
        `${name}/${study}-IMG${i}`,
        buildInstance({
          sopInstanceUID: testUid(study, 1, i),
          studyInstanceUID: testUid(study),
          seriesInstanceUID: testUid(study, 1),
          instanceNumber: i,
          patientName,
          patientId: patientName.toUpperCase().replace(/\W/g, ''),
        }),
      );
    }
  };

  beforeAll(async () => {
    orthanc = await startOrthanc();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-watch-'));
    drop = path.join(tmp, 'drop');
    fs.mkdirSync(drop);
    env = cliEnv(orthanc, tmp);
  });
  afterAll(async () => {
    await orthanc?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const watchOnce = () =>
    runCli(
      [
        'watch',
        drop,
        '--to',
        orthanc.dicomWebUrl,
        '--case-from-folder-name',
        '--stable-seconds',
        '0.3',
        '--poll-seconds',
        '0.1',
        '--once',
      ],
      env,
    );

  it('sends each export once it is stable, and remembers what was sent across restarts', async () => {
    exportFolder('CASE-A', 91, 3);
    const first = await watchOnce();
    expect(first.code).toBe(0);
    expect(first.out).toBe('sent case CASE-A\n');
    expect(await orthanc.instanceCount()).toBe(3);

    // A folder named after the patient is not a valid case code: it gets a random one.
    exportFolder('Watcher Wendy 2024', 92, 2);
    const second = await watchOnce();
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/^sent case CD-[0-9A-Z]{4}-[0-9A-Z]{4}\n$/); // CASE-A is not sent again
    expect(second.out + second.err).not.toContain('Wendy');
    expect(await orthanc.instanceCount()).toBe(5);

    // The remembered state names no folder.
    const stateDir = path.join(tmp, 'home', 'watch');
    const state = fs
      .readdirSync(stateDir)
      .map((f) => fs.readFileSync(path.join(stateDir, f), 'utf8'))
      .join('');
    expect(state).not.toContain('Wendy');
    expect(Object.values(JSON.parse(state).folders).map((f) => (f as { done: boolean }).done)).toEqual([
      true,
      true,
    ]);
  });

  it('an export holding scans of two people is sent as two cases, never one', async () => {
    exportFolder('CASE-B', 93, 2, 'Watcher^Wendy');
    exportFolder('CASE-B', 94, 1, 'Other^Oscar');
    const before = new Set((await orthanc.listInstances()).map((i) => i.id));
    const run = await watchOnce();
    expect(run.code).toBe(0);
    expect(run.out).toBe('sent case CASE-B\n');
    expect(run.err).toContain('scans of 2 people: each is sent as a case of its own (CASE-B-1, CASE-B-2)');
    expect(run.err).not.toMatch(/Wendy|Oscar|WATCHER|OTHER/);
    // Each person's images arrive under their own pseudonym, with the studies they belong to.
    const added = (await orthanc.listInstances()).filter((i) => !before.has(i.id));
    const ids: string[] = [];
    for (const i of added) {
      const ds = dicomParser.parseDicom(new Uint8Array(await orthanc.instanceFile(i.id)));
      ids.push(`${ds.string('x00100020')} ${ds.string('x00100010')}`);
    }
    expect(ids.sort()).toEqual(['CASE-B-1 CASE-B-1', 'CASE-B-1 CASE-B-1', 'CASE-B-2 CASE-B-2']);
    expect(new Set(added.map((i) => i.studyInstanceUID)).size).toBe(2);
  });
});
