/**
 * `npm run bench`: speed and memory figures on generated discs (not part of `npm test`).
 * Each task runs in its own process so peak memory is measured per task.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateCtSeries, generateMultiFrame } from './generate';

const TSX = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');

interface Measured {
  task: string;
  ms: number;
  maxRssMB: number;
  [k: string]: unknown;
}

function run(task: string, ...args: string[]): Measured {
  const out = execFileSync(TSX, [path.join(__dirname, 'task.ts'), task, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Measured;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += fs.statSync(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).size;
  }
  return n;
}

const mbps = (bytes: number, ms: number) => (bytes / 1024 / 1024 / (ms / 1000)).toFixed(1);
const line = (label: string, value: string, target?: string, pass?: boolean) =>
  console.log(`${label.padEnd(46)} ${value.padEnd(28)} ${target ? `${target} ${pass ? 'PASS' : 'FAIL'}` : ''}`);

async function main() {
  const only = process.argv[2];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-bench-'));
  try {
    if (!only || only === 'scan') {
      console.log('\n== Scan: 2,000 CT slices (512×512×16) ==');
      const disc = path.join(tmp, 'disc2000');
      generateCtSeries(disc, 2000);
      run('scan', disc); // warm the page cache so the figure is the parser's, not the disk's
      const s = run('scan', disc);
      const frac = (s.bytesRead as number) / (s.bytesTotal as number);
      line('scan rate', `${Math.round((s.files as number) / (s.ms / 1000))} files/s (${s.ms} ms)`);
      line('fraction of bytes read', `${(frac * 100).toFixed(2)} %`, '< 2 %', frac < 0.02);
      fs.rmSync(disc, { recursive: true, force: true });
    }
    if (!only || only === 'deid') {
      console.log('\n== De-identify: 400 CT slices ==');
      const ct = path.join(tmp, 'ct400');
      generateCtSeries(ct, 400);
      const bytes = dirBytes(ct);
      run('copy', ct, path.join(tmp, 'warm'));
      const copy = run('copy', ct, path.join(tmp, 'copy400'));
      const deid = run('deid', ct, path.join(tmp, 'deid400', 'out'));
      const dcm = run('dcmjs', ct, path.join(tmp, 'dcmjs400'));
      line('plain copy', `${copy.ms} ms (${mbps(bytes, copy.ms)} MB/s)`);
      line('ClearDisc de-identify', `${deid.ms} ms (${mbps(bytes, deid.ms)} MB/s)`, '≤ 2× copy', deid.ms <= 2 * copy.ms);
      line('dcmjs readFile→write', `${dcm.ms} ms (${mbps(bytes, dcm.ms)} MB/s)`, '≥ 5× slower than ours', dcm.ms >= 5 * deid.ms);
      for (const d of ['ct400', 'warm', 'copy400', 'deid400', 'dcmjs400']) fs.rmSync(path.join(tmp, d), { recursive: true, force: true });

      console.log('\n== De-identify: one 400 MB multi-frame file ==');
      const mf = path.join(tmp, 'mf', 'enhanced.dcm');
      generateMultiFrame(mf, 400);
      const mfBytes = fs.statSync(mf).size;
      run('copy', path.dirname(mf), path.join(tmp, 'mfwarm'));
      const mcopy = run('copy', path.dirname(mf), path.join(tmp, 'mfcopy'));
      const mdeid = run('deid', path.dirname(mf), path.join(tmp, 'mfdeid', 'out'));
      let mdcm: Measured | undefined;
      try {
        mdcm = run('dcmjs', path.dirname(mf), path.join(tmp, 'mfdcmjs'));
      } catch {
        mdcm = undefined;
      }
      line('plain copy', `${mcopy.ms} ms (${mbps(mfBytes, mcopy.ms)} MB/s)`);
      line('ClearDisc de-identify', `${mdeid.ms} ms (${mbps(mfBytes, mdeid.ms)} MB/s)`, '≤ 2× copy', mdeid.ms <= 2 * mcopy.ms);
      line('ClearDisc peak RSS', `${mdeid.maxRssMB} MB`, '< 200 MB', mdeid.maxRssMB < 200);
      line(
        'dcmjs readFile→write',
        mdcm ? `${mdcm.ms} ms, peak RSS ${mdcm.maxRssMB} MB` : 'failed (out of memory or error)',
        '≥ 5× slower than ours',
        !mdcm || mdcm.ms >= 5 * mdeid.ms,
      );
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
