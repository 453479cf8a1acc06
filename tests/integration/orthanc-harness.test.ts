// Proves the test harness itself: a real Orthanc + DICOMweb plugin accepts STOW-RS, stores bytes
// unchanged, enforces Basic auth and never outlives its test process; and the dciodvfy parser works.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dciodvfy, newErrors, parseDciodvfyOutput } from '../support/dciodvfy';
import { httpRequest, startOrthanc, type HttpResult, type OrthancServer } from '../support/orthanc';

const TEST_FILES = '/work/shared/testdata/pydicom/src/pydicom/data/test_files';
const CT = path.join(TEST_FILES, 'CT_small.dcm');
const MR = path.join(TEST_FILES, 'MR_small.dcm');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// DICOM JSON attribute tags used in STOW-RS responses (PS3.18 Table 10.5.3-1).
const REFERENCED_SOP_SEQ = '00081199';
const FAILED_SOP_SEQ = '00081198';
const REFERENCED_SOP_INSTANCE_UID = '00081155';
const FAILURE_REASON = '00081197';

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

function stow(
  server: OrthancServer,
  files: Buffer[],
  urlPath = '/studies',
  auth = true,
): Promise<HttpResult> {
  const boundary = `cleardisc-${Date.now().toString(16)}`;
  const body = Buffer.concat([
    ...files.flatMap((f) => [
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
      f,
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  const headers: Record<string, string> = {
    'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
    Accept: 'application/dicom+json',
  };
  if (auth) headers.Authorization = server.authHeader;
  return httpRequest(server.dicomWebUrl + urlPath, { method: 'POST', headers, body });
}

const items = (json: DicomJson, tag: string) => (json[tag]?.Value ?? []) as DicomJson[];
const referencedUids = (json: DicomJson) =>
  items(json, REFERENCED_SOP_SEQ).map((i) => i[REFERENCED_SOP_INSTANCE_UID]?.Value?.[0]);

describe('Orthanc test harness', () => {
  let server: OrthancServer;
  const ct = readFileSync(CT);

  beforeAll(async () => {
    server = await startOrthanc({ user: 'reviewer', password: 's3cret' });
  });
  afterAll(async () => {
    await server?.stop();
    expect(existsSync(server.storageDir)).toBe(false);
  });

  it('accepts STOW-RS and stores the exact bytes sent', async () => {
    expect(server.dicomWebUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dicom-web$/);
    const res = await stow(server, [ct]);
    expect(res.status).toBe(200);
    const json = JSON.parse(res.body.toString()) as DicomJson;
    expect(referencedUids(json)).toEqual(['1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322']);
    expect(items(json, FAILED_SOP_SEQ)).toEqual([]); // Orthanc sends {"vr":"SQ"} with no Value

    const [inst] = await server.listInstances();
    expect(inst.sopInstanceUID).toBe('1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322');
    const qido = await httpRequest(`${server.dicomWebUrl}/studies/${inst.studyInstanceUID}/instances`, {
      headers: { Authorization: server.authHeader, Accept: 'application/dicom+json' },
    });
    expect(qido.status).toBe(200);
    expect(JSON.parse(qido.body.toString())).toHaveLength(1);

    expect(sha256(await server.instanceFile(inst.id))).toBe(sha256(ct));
    expect(await server.instanceCount()).toBe(1);
  });

  it('answers a re-sent SOP Instance UID with 200 and keeps the first copy (no 409)', async () => {
    const altered = Buffer.from(ct);
    altered[altered.length - 1] ^= 0xff; // same SOP Instance UID, different pixel byte
    const res = await stow(server, [altered]);
    expect(res.status).toBe(200);
    expect(referencedUids(JSON.parse(res.body.toString()))).toHaveLength(1);
    const [inst] = await server.listInstances();
    expect(sha256(await server.instanceFile(inst.id))).toBe(sha256(ct));
    expect(await server.instanceCount()).toBe(1);
  });

  it('rejects a study-UID mismatch with 409 and a Failed SOP Sequence', async () => {
    const res = await stow(server, [readFileSync(MR)], '/studies/1.2.3.4');
    expect(res.status).toBe(409);
    const failed = items(JSON.parse(res.body.toString()), FAILED_SOP_SEQ);
    expect(failed).toHaveLength(1);
    expect(failed[0][FAILURE_REASON]?.Value).toEqual([0x0110]); // 272: processing failure
    expect(await server.instanceCount()).toBe(1);
  });

  it('requires Basic auth', async () => {
    expect((await stow(server, [ct], '/studies', false)).status).toBe(401);
    const wrong = 'Basic ' + Buffer.from('reviewer:wrong').toString('base64');
    expect(
      (await httpRequest(`${server.restUrl}/system`, { headers: { Authorization: wrong } })).status,
    ).toBe(401);
    expect((await httpRequest(`${server.dicomWebUrl}/studies`)).status).toBe(401);
  });

  it('reset() deletes everything', async () => {
    await server.reset();
    expect(await server.instanceCount()).toBe(0);
    expect(await server.listInstances()).toEqual([]);
  });
});

describe('Orthanc process hygiene', () => {
  it('kills Orthanc and removes its temp dir when the owning process is SIGKILLed', async () => {
    const script = `require(${JSON.stringify(path.resolve(__dirname, '../support/orthanc.ts'))})
      .startOrthanc().then((s) => { console.log(JSON.stringify(s)); setInterval(() => {}, 1000); });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const info = await new Promise<{ restUrl: string; storageDir: string }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    expect((await httpRequest(`${info.restUrl}/system`)).status).toBe(401); // it is up
    child.kill('SIGKILL');

    // The watchdog kills Orthanc, then removes the dir: poll until both are observed.
    const isDown = () =>
      httpRequest(`${info.restUrl}/system`).then(
        () => false,
        () => true,
      );
    const deadline = Date.now() + 5000;
    let down = false;
    let dirGone = false;
    while (!(down && dirGone) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      down = await isDown();
      dirGone = !existsSync(path.dirname(info.storageDir));
    }
    expect({ down, dirGone }).toEqual({ down: true, dirGone: true });
  });
});

describe('dciodvfy wrapper', () => {
  it('parses errors and warnings from real files', async () => {
    const ctResult = await dciodvfy(CT);
    expect(ctResult).toEqual({ errors: expect.any(Array), warnings: expect.any(Array) });
    expect(ctResult.errors).toEqual([]);
    expect(ctResult.warnings).toContain("Value is zero for value 1 of attribute <Patient's Weight>");

    const mr = await dciodvfy(MR);
    // The value "<----> " is stripped so the warning survives renaming the operator.
    expect(mr.warnings).toContain(
      "Value dubious for this VR - (0x0008,0x1070) PN Operators' Name PN [1] = <> - Retired Person Name form",
    );

    const plan = await dciodvfy(path.join(TEST_FILES, 'rtplan.dcm'));
    expect(plan.errors).toContain('MediaStorageSOPInstanceUID different from SOPInstanceUID');
  });

  it('normalises values so the same problem compares equal, and newErrors finds only new ones', () => {
    const before = parseDciodvfyOutput(
      [
        'CTImage',
        "Error - Value invalid for this VR - (0x0020,0x000d) UI Study Instance UID  UI [1] = <1.2.3f> - Character invalid for this VR = 'f' (0x66)",
        "Warning - Value dubious for this VR - (0x0010,0x0010) PN Patient's Name  PN [1] = <DOE JOHN> - Retired Person Name form",
        "(0x0009,0x1040) PN Patient Object Name  - Warning - Explicit value representation doesn't match data dictionary; Explicit <LO> Dictionary <PN>",
      ].join('\n'),
    );
    const after = parseDciodvfyOutput(
      [
        "Error - Value invalid for this VR - (0x0020,0x000d) UI Study Instance UID  UI [1] = <2.25.1a> - Character invalid for this VR = 'a' (0x61)",
        'Error - Missing attribute Type 2 Required Element=<PatientID> Module=<Patient>',
        "Warning - Value dubious for this VR - (0x0010,0x0010) PN Patient's Name  PN [1] = <ANON> - Retired Person Name form",
      ].join('\n'),
    );
    expect(before.warnings).toEqual([
      "Value dubious for this VR - (0x0010,0x0010) PN Patient's Name PN [1] = <> - Retired Person Name form",
      "Explicit value representation doesn't match data dictionary; Explicit <LO> Dictionary <PN> - (0x0009,0x1040) PN Patient Object Name",
    ]);
    expect(after.warnings[0]).toBe(before.warnings[0]);
    expect(newErrors(before, after)).toEqual([
      'Missing attribute Type 2 Required Element=<PatientID> Module=<Patient>',
    ]);
  });
});
