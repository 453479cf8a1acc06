// The receipt of a real upload (Orthanc): both files exist, say what was sent and acknowledged, and carry no
// patient identity from the source files and no source paths.
import * as fs from 'node:fs';
import { REASONS } from '../../../shared/reasons';
import type { Receipt } from '../../../main/core/upload/receipt';
import { startOrthanc, type OrthancServer } from '../../support/orthanc';
import { run, testClient } from './helpers';
import { CT_SMALL, MR_SMALL, generated, rm, writeJob } from './job-fixture';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs');

function identityOf(file: string): string[] {
  const buf = fs.readFileSync(file);
  const dict = dcmjs.data.DicomMessage.readFile(
    buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
    {
      untilTag: '7FE00010',
    },
  );
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
  const name = typeof ds.PatientName === 'string' ? ds.PatientName : (ds.PatientName?.[0]?.Alphabetic ?? '');
  return [name, ...String(name).split(/[\^ ]/), ds.PatientID, ds.PatientBirthDate, ds.AccessionNumber]
    .filter((x): x is string => typeof x === 'string' && x.trim().length >= 3)
    .map((x) => x.trim());
}

let server: OrthancServer;
beforeAll(async () => {
  server = await startOrthanc();
});
afterAll(async () => {
  await server?.stop();
});

it('receipt.json and receipt.html: complete, escaped, and without any patient identity or source path', async () => {
  const j = writeJob(
    [
      { data: fs.readFileSync(CT_SMALL) },
      { data: fs.readFileSync(MR_SMALL) },
      {
        data: generated(40, 1, 1, 8, {
          patientName: 'Doe^Jane',
          patientId: 'PID0001',
          birthDate: '19600101',
          accessionNumber: 'ACC98765',
          studyDescription: '<script>alert(1)</script> & "CT"',
        }),
      },
    ],
    {
      caseCode: 'CD-7K3M-Q9XA',
      excluded: [
        { path: 'DOE_JANE/DICOMDIR', reason: 'extra-dicomdir' },
        { path: 'Jane Doe 1960/viewer.exe', reason: 'not-dicom' },
      ],
      quarantined: [{ path: 'DOE_JANE/CT/IM0002', reason: 'burned-in-risk' }],
    },
  );
  try {
    const out = await run(j, testClient(server, server.dicomWebUrl));
    expect(out.complete).toBe(true);
    const jsonText = fs.readFileSync(out.receipt!.json, 'utf8');
    const html = fs.readFileSync(out.receipt!.html, 'utf8');
    const receipt = JSON.parse(jsonText) as Receipt;

    expect(receipt).toMatchObject({
      format: 'cleardisc-receipt',
      caseCode: 'CD-7K3M-Q9XA',
      service: server.dicomWebUrl,
      totals: { studies: 3, instances: 3, excluded: 2, quarantined: 1 },
    });
    expect(receipt.instances.map((i) => i.sha256)).toEqual(j.manifest.instances.map((i) => i.sha256));
    for (const i of receipt.instances) {
      expect(i.acknowledgement.retrieveUrl).toContain(`/instances/${i.sopInstanceUID}`);
      expect(html).toContain(i.sha256);
      expect(html).toContain(i.sopInstanceUID);
    }
    expect(receipt.excluded).toEqual([
      { n: 1, reason: 'extra-dicomdir', explanation: REASONS['extra-dicomdir'] },
      { n: 2, reason: 'not-dicom', explanation: REASONS['not-dicom'] },
    ]);
    expect(receipt.quarantined).toEqual([
      { n: 1, reason: 'burned-in-risk', explanation: REASONS['burned-in-risk'] },
    ]);
    expect(receipt.options.find((o) => o.option === 'cleanDescriptors')).toMatchObject({ on: true });
    expect(receipt.methods[0]).toEqual({
      code: '113100',
      meaning: 'Basic Application Confidentiality Profile',
    });
    for (const sentence of [REASONS['extra-dicomdir'], REASONS['not-dicom']])
      expect(html).toContain(sentence.replace(/'/g, '&#39;'));
    expect(html).toContain('CD-7K3M-Q9XA');

    // Escaped, self-contained HTML (no script, no external resource).
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;CT&quot;');
    expect(html).not.toMatch(/<script|src=|href=|@import|url\(/i);

    // No patient identity from any source file, no source path, no credentials.
    const forbidden = [
      ...identityOf(CT_SMALL),
      ...identityOf(MR_SMALL),
      'Doe',
      'Jane',
      'PID0001',
      '19600101',
      'ACC98765',
      'DOE_JANE',
      'DOE_JANE/DICOMDIR',
      'viewer.exe',
      'IM0002',
      server.password,
      server.authHeader.split(' ')[1],
    ];
    expect(forbidden).toEqual(expect.arrayContaining(['CompressedSamples^CT1']));
    for (const text of [jsonText, html]) {
      for (const f of forbidden)
        expect([f, text.toLowerCase().includes(f.toLowerCase())]).toEqual([f, false]);
    }
    expect(fs.readdirSync(j.dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  } finally {
    rm(j.dir);
  }
});
