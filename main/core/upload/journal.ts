// The upload journal: `upload-journal.ndjson` in the job folder, append-only, one JSON object per line,
// fsynced after each batch's lines. A crash can leave a torn last line; reading skips it, and the next writer
// starts on a fresh line. Per instance: pending (no line) → sending → stored | failed.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { isReasonCode, type ReasonCode } from '../../../shared/reasons';
import { nodeUploadFs, type AppendHandle, type UploadFs } from './types';

export const JOURNAL_FILE = 'upload-journal.ndjson';

export type JournalState = 'sending' | 'stored' | 'failed';

export interface JournalEntry {
  /** ISO time the line was written. */
  t: string;
  /** SOP Instance UID. */
  sop: string;
  state: JournalState;
  reason?: ReasonCode;
  attempt?: number;
  /** For engineers (HTTP status, server failure code); never patient identity. */
  detail?: string;
  /** The server's Retrieve URL for a stored instance. */
  url?: string;
  /** Server warning reasons for a stored instance. */
  warnings?: number[];
  /** Which service stored it (serviceKey of its URL); absent in journals written before it was recorded. */
  svc?: string;
}

/** A short, stable key of a service URL: the journal tells services apart without holding their addresses. */
export function serviceKey(serviceUrl: string): string {
  return createHash('sha256').update(serviceUrl.replace(/\/+$/, '')).digest('hex').slice(0, 16);
}

export interface InstanceJournalState {
  state: JournalState;
  reason?: ReasonCode;
  detail?: string;
  url?: string;
  warnings?: number[];
  attempt?: number;
  svc?: string;
  t: string;
}

export interface ParsedJournal {
  entries: JournalEntry[];
  /** Lines that could not be read (a torn last line after a crash, normally). */
  skipped: number;
  /** The file did not end with a newline: the last write was cut short. */
  torn: boolean;
}

function isEntry(x: unknown): x is JournalEntry {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return (
    typeof e.sop === 'string' &&
    typeof e.t === 'string' &&
    (e.state === 'sending' || e.state === 'stored' || e.state === 'failed') &&
    (e.reason === undefined || (typeof e.reason === 'string' && isReasonCode(e.reason)))
  );
}

export function parseJournal(text: string): ParsedJournal {
  const entries: JournalEntry[] = [];
  let skipped = 0;
  const lines = text.split('\n');
  const torn = text.length > 0 && !text.endsWith('\n');
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (isEntry(v)) entries.push(v);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { entries, skipped, torn };
}

/**
 * The latest state of each instance: the last line wins (a 'stored' instance the server later turned out not
 * to hold is journaled 'failed' by the confirmation step, so the next run sends it again).
 */
export function replayJournal(entries: readonly JournalEntry[]): Map<string, InstanceJournalState> {
  const out = new Map<string, InstanceJournalState>();
  for (const e of entries) {
    out.set(e.sop, {
      state: e.state,
      reason: e.reason,
      detail: e.detail,
      url: e.url,
      warnings: e.warnings,
      attempt: e.attempt,
      svc: e.svc,
      t: e.t,
    });
  }
  return out;
}

export async function readJournal(jobDir: string, fs: UploadFs = nodeUploadFs): Promise<ParsedJournal> {
  try {
    return parseJournal((await fs.readFile(path.join(jobDir, JOURNAL_FILE))).toString('utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], skipped: 0, torn: false };
    throw err;
  }
}

/** The open journal of one upload run; the file descriptor stays open until close(). */
export class Journal {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly fh: AppendHandle,
    private readonly now: () => Date,
  ) {}

  /** Opens (creating) the journal; if the previous run tore its last line, starts a new line first. */
  static async open(jobDir: string, opts: { fs?: UploadFs; now?: () => Date } = {}): Promise<Journal> {
    const fs = opts.fs ?? nodeUploadFs;
    const file = path.join(jobDir, JOURNAL_FILE);
    let needsNewline = false;
    try {
      const text = (await fs.readFile(file)).toString('utf8');
      needsNewline = text.length > 0 && !text.endsWith('\n');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const fh = await fs.openAppend(file);
    const j = new Journal(fh, opts.now ?? (() => new Date()));
    if (needsNewline) {
      await fh.write('\n');
      await fh.sync();
    }
    return j;
  }

  /** Appends lines and fsyncs them, as one write; calls are serialised so lines never interleave. */
  append(entries: ReadonlyArray<Omit<JournalEntry, 't'> & { t?: string }>): Promise<void> {
    if (entries.length === 0) return this.chain;
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    const t = this.now().toISOString();
    const text = entries.map((e) => JSON.stringify({ t: e.t ?? t, ...stripUndefined(e) }) + '\n').join('');
    const next = this.chain.then(async () => {
      await this.fh.write(text);
      await this.fh.sync();
    });
    // A failed write rejects this call, but does not poison later ones.
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.fh.close();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o))
    if (v !== undefined && k !== 't') (out as Record<string, unknown>)[k] = v;
  return out;
}
