/**
 * One measured task, run in its own process so its peak RSS is its own:
 *   tsx bench/task.ts <scan|copy|deid|dcmjs> <source> [out]
 * Prints one JSON line: { task, ms, maxRssMB, ... }.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { scan } from '../main/core/scan/scan';
import { makePlan } from '../main/core/deid/plan';
import { deidentify } from '../main/core/deid/run';
import { fileRecordStore } from '../main/core/deid/case-record';

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
    Object.assign(extra, { files: r.files, instances: r.instances.length, bytesRead: r.bytesRead, bytesTotal: r.bytesTotal });
  } else if (task === 'copy') {
    // The floor: a plain streamed copy of the same files, every byte through the process as ours go.
    // (fs.copyFile is not used: it lets the kernel copy without reading, which no de-identifier can.)
    for (const f of files(source)) {
      const dest = path.join(out, path.relative(source, f));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      await pipeline(fs.createReadStream(f, { highWaterMark: 1 << 20 }), fs.createWriteStream(dest));
    }
  } else if (task === 'deid') {    const plan = makePlan(await scan(source));
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
    JSON.stringify({ task, ms: Math.round(ms), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), ...extra }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
