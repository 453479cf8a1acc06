/**
 * One measured task, run in its own process so its peak RSS is its own:
 *   tsx bench/task.ts <scan|copy|copy-sync|floor|floor-sync|deid|dcmjs|post|upload> <source> [out]
 * Prints one JSON line: { task, ms, maxRssMB, ... }.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createHash, randomBytes } from 'node:crypto';
import { scan } from '../main/core/scan/scan';
import { makePlan } from '../main/core/deid/plan';
import { deidentify } from '../main/core/deid/run';
import { fileRecordStore } from '../main/core/deid/case-record';
import { runUpload } from '../main/core/jobs/upload';
import * as http from 'node:http';

function files(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else out.push(p);
    }
  };
  visit(dir);
  return out.sort();
}

async function main() {
  const [task, source, out] = process.argv.slice(2);
  const t0 = performance.now();
  const extra: Record<string, unknown> = {};
  if (task === 'scan') {
    const r = await scan(source);
    Object.assign(extra, {
      files: r.files,
      instances: r.instances.length,
      bytesRead: r.bytesRead,
      bytesTotal: r.bytesTotal,
    });
  } else if (task === 'copy') {
    // The floor: a plain streamed copy of the same files, every byte through the process as ours go.
    // (fs.copyFile is not used: it lets the kernel copy without reading, which no de-identifier can.)
    for (const f of files(source)) {
      const dest = path.join(out, path.relative(source, f));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      await pipeline(fs.createReadStream(f, { highWaterMark: 1 << 20 }), fs.createWriteStream(dest));
    }
  } else if (task === 'copy-sync') {
    // The same copy, each file synced to disk as ClearDisc does before declaring its output complete.
    for (const f of files(source)) {
      const dest = path.join(out, path.relative(source, f));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      await pipeline(fs.createReadStream(f, { highWaterMark: 1 << 20 }), fs.createWriteStream(dest));
      const fh = await fs.promises.open(dest, 'r+');
      await fh.sync();
      await fh.close();
    }
  } else if (task === 'floor' || task === 'floor-sync') {
    // The least any de-identifier that hashes and checks its output must do, with none of the DICOM work:
    // read each file whole, SHA-256 it, write it, read its first 64 KB back. Synchronous calls and one
    // reused buffer, the fastest way Node does this; 'floor-sync' also syncs each file before closing it.
    const back = Buffer.allocUnsafe(64 * 1024);
    let buf = Buffer.allocUnsafe(1 << 20);
    for (const f of files(source)) {
      const dest = path.join(out, path.relative(source, f));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      const fd = fs.openSync(f, 'r');
      const size = fs.fstatSync(fd).size;
      if (size > buf.length) buf = Buffer.allocUnsafe(size);
      const bytes = buf.subarray(0, fs.readSync(fd, buf, 0, size, 0));
      fs.closeSync(fd);
      createHash('sha256').update(bytes).digest();
      const w = fs.openSync(dest, 'w');
      fs.writeSync(w, bytes);
      if (task === 'floor-sync') fs.fsyncSync(w);
      fs.closeSync(w);
      const r = fs.openSync(dest, 'r');
      fs.readSync(r, back, 0, back.length, 0);
      fs.closeSync(r);
    }
  } else if (task === 'post') {
    // The floor for uploads: every file of the job in one streamed multipart POST, nothing else.
    const manifest = JSON.parse(fs.readFileSync(path.join(source, 'manifest.json'), 'utf8'));
    const parts: string[] = manifest.instances.map((i: { file: string }) => path.join(source, i.file));
    const boundary = 'bench' + randomBytes(8).toString('hex');
    const head = (n: number) =>
      Buffer.from(`${n ? '\r\n' : ''}--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const length = parts.reduce((n, f, i) => n + head(i).length + fs.statSync(f).size, tail.length);
    const url = new URL(`${out.replace(/\/$/, '')}/studies`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(url, {
        method: 'POST',
        headers: {
          'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
          'Content-Length': length,
          Accept: 'application/dicom+json',
          Authorization:
            'Basic ' +
            Buffer.from(`${process.env.CLEARDISC_USER}:${process.env.CLEARDISC_PASSWORD}`).toString('base64'),
        },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      (async () => {
        for (let i = 0; i < parts.length; i++) {
          if (!req.write(head(i))) await new Promise((r) => req.once('drain', r));
          for await (const chunk of fs.createReadStream(parts[i], { highWaterMark: 1 << 20 })) {
            if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
          }
        }
        req.end(tail);
      })().catch(reject);
    });
    Object.assign(extra, { status });
  } else if (task === 'upload') {
    const r = await runUpload({
      jobDir: source,
      serviceUrl: out,
      auth: { kind: 'basic', user: process.env.CLEARDISC_USER!, password: process.env.CLEARDISC_PASSWORD! },
      env: process.env,
      records: fileRecordStore(path.join(source, '..', 'records')),
    });
    Object.assign(extra, { stored: r.stored, complete: r.complete });
  } else if (task === 'deid') {
    const plan = makePlan(await scan(source));
    const r = await deidentify(plan, {
      out,
      caseCode: 'BENCH-1',
      records: fileRecordStore(path.join(out, '..', 'records')),
      random: (n) => randomBytes(n),
      now: () => new Date(),
    });
    Object.assign(extra, { written: r.summary.written, quarantined: r.summary.quarantined.length });
  } else if (task === 'dcmjs') {
    // What JavaScript de-identifiers built on dcmjs do: whole file in memory, naturalize the data set to
    // edit it by keyword, denaturalize, write back (no edits are made here, so this is its floor).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const dcmjs = require('dcmjs');
    const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
    for (const f of files(source)) {
      const buf = fs.readFileSync(f);
      const dict = DicomMessage.readFile(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const natural = DicomMetaDictionary.naturalizeDataset(dict.dict);
      dict.dict = DicomMetaDictionary.denaturalizeDataset(natural);
      const dest = path.join(out, path.relative(source, f));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, Buffer.from(dict.write()));
    }
  } else {
    throw new Error(`unknown task ${task}`);
  }
  const ms = performance.now() - t0;
  process.stdout.write(
    JSON.stringify({
      task,
      ms: Math.round(ms),
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      ...extra,
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
