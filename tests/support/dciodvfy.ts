// Wraps dicom3tools' dciodvfy so tests can assert "de-identification introduced no new IOD errors".
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';

export const DCIODVFY_BIN = '/usr/bin/dciodvfy';

export interface DciodvfyResult {
  errors: string[];
  warnings: string[];
}

/**
 * Reduce one message to "attribute + problem" so the same defect reads identically before and after
 * de-identification, which rewrites values (names, UIDs, dates) and therefore lengths and group lengths.
 */
export function normalizeMessage(msg: string): string {
  return (
    msg
      // "PN [1] = <Doe^John> - Retired ..." / "attribute <X> = <value>"; an unterminated value (multi-line UT) is cut.
      .replace(/ = <.*?>(?= - |\s*$)/g, ' = <>')
      .replace(/ = <[^>]*$/, ' = <>')
      // Value-derived terms: "Unrecognized defined term <WHOLE BODY>", "enumerated value <X>".
      .replace(/(defined term|enumerated value) <[^>]*>/g, '$1 <>')
      // UIDs in angle brackets or quotes, and bare trailing UIDs ("ReferencedSOPInstanceUID 1.2.3").
      .replace(/<[0-9.]+>/g, '<>')
      .replace(/"[^"]*"/g, '""')
      .replace(/(ReferencedSOPInstanceUID) \S+/g, '$1')
      // "Character invalid for this VR = 'f' (0x66)", "Length invalid ... = 66, expected <= 64".
      .replace(/ = '[^']*' \(0x[0-9a-f]+\)/gi, '')
      .replace(/(Length invalid for this VR) = \d+,/g, '$1,')
      // "Bad group length - Group 0x0008 specified as 0x1a2 actually 0x1b0".
      .replace(/specified as \S+ actually \S+/g, 'specified as ? actually ?')
      .replace(/values are \S+/g, 'values are ?')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/**
 * dciodvfy reports on stderr, one problem per line, either "Error - msg" / "Warning - msg" or, for
 * parse-level problems, "(gggg,eeee) VR Name - Warning - msg" (the tag context is kept as a prefix).
 * "Abort - ..." (unreadable file) and a crash (it asserts on some malformed pixel data) count as errors.
 */
export function parseDciodvfyOutput(text: string): DciodvfyResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^(.*?)\b(Error|Warning|Abort) - (.*)$/.exec(line);
    if (!m) continue; // IOD name ("CTImage"), or continuation lines of a multi-line value
    const prefix = m[1].replace(/\s*-\s*$/, '').trim();
    const msg = normalizeMessage(prefix ? `${m[3]} - ${prefix}` : m[3]);
    (m[2] === 'Warning' ? warnings : errors).push(msg);
  }
  return { errors, warnings };
}

export async function dciodvfy(file: string): Promise<DciodvfyResult> {
  await access(file); // a missing file is a test bug, not a validation finding
  const { text, crash } = await new Promise<{ text: string; crash?: string }>((resolve, reject) => {
    execFile(
      DCIODVFY_BIN,
      [file],
      // latin1: messages may quote raw non-UTF-8 value bytes; never let decoding fail or merge lines.
      { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        const text = `${stdout}\n${stderr}`;
        if (!err) return resolve({ text });
        const e = err as Error & { code?: unknown; signal?: string | null; killed?: boolean };
        if (e.code === 'ENOENT')
          return reject(new Error(`${DCIODVFY_BIN} not found; run scripts/provision-system.sh`));
        if (e.killed) return reject(new Error(`dciodvfy timed out on ${file}`));
        // dciodvfy exits 1 after an Abort; a signal means it crashed (e.g. an internal assertion).
        resolve({ text, crash: e.signal ? `dciodvfy crashed with ${e.signal}` : undefined });
      },
    );
  });
  const result = parseDciodvfyOutput(text);
  if (crash) result.errors.push(crash);
  return result;
}

/** Errors present after de-identification that were not already present before it. */
export function newErrors(before: DciodvfyResult, after: DciodvfyResult): string[] {
  const seen = new Set(before.errors);
  return after.errors.filter((e) => !seen.has(e));
}
