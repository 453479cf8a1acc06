import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Manifest } from '../../../shared/deid-types';
import { damagedFiles } from '../../../main/core/jobs/job-folder';

describe('damagedFiles: a prepared job is checked against its manifest before it is resumed', () => {
  let job: string;
  let manifest: Manifest;
  const files = [
    'study-01/series-001/00001.dcm',
    'study-01/series-001/00002.dcm',
    'study-01/series-001/00003.dcm',
  ];

  beforeEach(() => {
    job = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-job-'));
    const instances = files.map((file, i) => {
      const bytes = Buffer.alloc(3000 + i, i + 1);
      fs.mkdirSync(path.dirname(path.join(job, file)), { recursive: true });
      fs.writeFileSync(path.join(job, file), bytes);
      return { file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    });
    manifest = { instances } as unknown as Manifest;
  });
  afterEach(() => fs.rmSync(job, { recursive: true, force: true }));

  it('finds nothing in an intact job', async () => {
    expect(await damagedFiles(job, manifest)).toEqual([]);
  });

  it('names each file that is missing, has another size, or other bytes of the same size', async () => {
    fs.rmSync(path.join(job, files[0]));
    fs.appendFileSync(path.join(job, files[1]), 'x');
    const f = path.join(job, files[2]);
    const b = fs.readFileSync(f);
    b[1234] ^= 0xff;
    fs.writeFileSync(f, b);
    expect(await damagedFiles(job, manifest)).toEqual(files);
  });

  it('never reads outside the job folder, whatever the manifest says', async () => {
    const outside = path.join(path.dirname(job), `outside-${path.basename(job)}.dcm`);
    fs.copyFileSync(path.join(job, files[0]), outside);
    try {
      const m = {
        instances: [{ ...manifest.instances[0], file: `../${path.basename(outside)}` }],
      } as Manifest;
      expect(await damagedFiles(job, m)).toEqual([`../${path.basename(outside)}`]);
    } finally {
      fs.rmSync(outside);
    }
  });
});
