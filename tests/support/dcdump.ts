// Wraps dicom3tools' dcdump: a parser written by other people in another language, so a check built on it
// does not share ClearDisc's (or dicom-parser's) blind spots.
import { execFile } from 'node:child_process';

export const DCDUMP_BIN = '/usr/bin/dcdump';

export interface DumpedElement {
  /** "gggg,eeee" in lower case. */
  tag: string;
  vr: string;
  /** Nesting depth: 0 for the top level, 1 inside an item of a top-level sequence, … */
  depth: number;
  /** Tags of the sequences it is nested in, outermost first. */
  within: string[];
  /** The value as dcdump prints it: string values raw (bytes as latin1), binary values decoded to bytes. */
  value: string;
}

export interface Dump {
  elements: DumpedElement[];
  /** dcdump read the whole file without complaint. */
  complete: boolean;
  problem?: string;
}

const LINE =
  /^((?:\s*>\s*)*)\(0x([0-9a-f]{4}),0x([0-9a-f]{4})\).*?VR=<([A-Z?]{2})>\s+VL=<0x[0-9a-f]+>\s*(.*)$/;

/** "[0x41,0x42]" (bytes of OB/UN values) → "AB"; other bracketed values (numbers) are kept as printed. */
function decodeValue(raw: string): string {
  const text = /^<([\s\S]*)> ?$/.exec(raw);
  if (text) return text[1];
  const bytes = /^\[((?:0x[0-9a-f]{2},?)+)\]/.exec(raw);
  if (bytes) return Buffer.from(bytes[1].split(',').map((b) => parseInt(b, 16))).toString('latin1');
  return raw;
}

export function parseDcdump(text: string): DumpedElement[] {
  const out: DumpedElement[] = [];
  let last: { el: DumpedElement; raw: string } | undefined;
  const open: string[] = []; // the sequence last seen at each depth
  const finish = () => {
    if (last) last.el.value = decodeValue(last.raw);
  };
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) {
      // A text value with line breaks continues on the next lines; item markers ("----:") do not.
      if (last && !/^\s*-+:?\s*$/.test(line) && last.raw.startsWith('<') && !/> ?$/.test(last.raw))
        last.raw += '\n' + line;
      continue;
    }
    finish();
    const depth = (m[1].match(/>/g) ?? []).length;
    const tag = `${m[2]},${m[3]}`;
    const el = { tag, vr: m[4], depth, within: open.slice(0, depth), value: '' };
    open[depth] = tag;
    open.length = depth + 1;
    out.push(el);
    last = { el, raw: m[5] };
  }
  finish();
  return out;
}

export function dcdump(file: string): Promise<Dump> {
  return new Promise((resolve, reject) => {
    execFile(
      DCDUMP_BIN,
      [file],
      // latin1: values are printed as their raw bytes, in whatever character set the file uses.
      { encoding: 'latin1', maxBuffer: 256 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: unknown; signal?: string | null }) | null;
        if (e?.code === 'ENOENT')
          return reject(new Error(`${DCDUMP_BIN} not found; run scripts/provision-system.sh`));
        // dcdump prints the dump on stderr, its complaints ("Error - …") among the elements.
        const text = `${stdout}\n${stderr}`;
        const problem = e
          ? e.signal
            ? `dcdump crashed with ${e.signal}`
            : (text.match(/^Error - .*$/gm)?.pop() ?? `dcdump exited with ${String(e.code)}`)
          : undefined;
        // It aborts on some valid but unusual files (e.g. HTJ2K, which it does not know): what it printed
        // up to there still counts, and the caller decides what an incomplete dump means.
        resolve({ elements: parseDcdump(text), complete: !e, problem });
      },
    );
  });
}
