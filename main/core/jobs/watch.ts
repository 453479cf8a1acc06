import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomic-write';

/**
 * Watches a drop folder for clinic staff: every export folder (or mounted disc) that appears under it
 * is sent once it has stopped changing. What was sent is remembered across restarts; the state file
 * holds hashes of folder names, never the names (they often are patients' names).
 */
export interface WatchState {
  folders: Record<
    string,
    {
      caseCode: string;
      done: boolean;
      attempts: number;
      lastAttempt?: number;
      /**
       * Who is sending it, while a send runs. Still set when that process is gone means the attempt was cut
       * short (crash, kill); set by a live process means another watcher is on it.
       */
      sending?: WatchOwner | boolean;
    }
  >;
}

/**
 * A watcher process: its pid, its computer, and when that computer started (ms since 1970), because after a
 * restart (the power cut it must survive) the same pid can belong to an unrelated program.
 */
export interface WatchOwner {
  pid: number;
  host: string;
  bootedAt?: number;
}

export interface WatchStore {
  load(): Promise<WatchState>;
  save(s: WatchState): Promise<void>;
}

export type WatchEvent =
  | { kind: 'waiting'; folder: string }
  | { kind: 'sending'; folder: string; caseCode: string }
  | { kind: 'sent'; folder: string; caseCode: string }
  | { kind: 'failed'; folder: string; caseCode: string; message: string };

export interface WatchDeps {
  store: WatchStore;
  /** Sends one folder as one case; resolves true when every image is confirmed by the service. */
  send(folder: string, caseCode: string): Promise<boolean>;
  caseCodeFor(folderName: string): string;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A folder must keep the same contents this long before it is sent. */
  stableMs: number;
  pollMs: number;
  /** Wait this long before trying a failed folder again. */
  retryMs: number;
  onEvent?(e: WatchEvent): void;
  signal?: AbortSignal;
  /** This process, as recorded while it sends a folder. */
  self: WatchOwner;
  /** Whether a process of this host is still running. */
  isAlive(pid: number): boolean;
}

/** A cut-short attempt is resumed at once, but not forever: a folder whose send keeps killing the process waits. */
const MAX_IMMEDIATE_RESUMES = 3;

export const keyOf = (name: string) => createHash('sha256').update(name).digest('hex').slice(0, 32);

/** Count, total size and newest modification time of everything under `dir`: changes while copying. */
export async function fingerprint(dir: string): Promise<string> {
  let files = 0;
  let bytes = 0;
  let newest = 0;
  const visit = async (d: string) => {
    for (const e of await fsp.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else if (e.isFile()) {
        const st = await fsp.stat(p);
        files++;
        bytes += st.size;
        newest = Math.max(newest, st.mtimeMs);
      }
    }
  };
  await visit(dir);
  return `${files}:${bytes}:${newest}`;
}

export function fileWatchStore(file: string): WatchStore {
  return {
    async load() {
      try {
        return JSON.parse(await fsp.readFile(file, 'utf8')) as WatchState;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { folders: {} };
        throw err;
      }
    },
    async save(s) {
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, JSON.stringify(s, null, 2), { mode: 0o600 });
    },
  };
}

/** Watches until the signal aborts (or, with `once`, until nothing more is waiting to become stable). */
export async function watchFolder(
  root: string,
  deps: WatchDeps,
  opts: { once?: boolean } = {},
): Promise<void> {
  const state = await deps.store.load();
  const seen = new Map<string, { print: string; since: number }>();
  for (;;) {
    if (deps.signal?.aborted) return;
    let pending = 0;
    const entries = (await fsp.readdir(root, { withFileTypes: true })).filter(
      (e) => e.isDirectory() && !e.name.startsWith('.'),
    );
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const key = keyOf(e.name);
      const rec = state.folders[key];
      if (rec?.done) continue;
      const folder = path.join(root, e.name);
      const print = await fingerprint(folder).catch(() => '');
      if (print.startsWith('0:')) {
        // No file yet (the copy program is still reading the disc, or made the folders first): nothing to send,
        // and a send now would prepare an empty case that later runs would resume instead of the real export.
        seen.delete(key);
        continue;
      }
      const prev = seen.get(key);
      const now = deps.now();
      if (!prev || prev.print !== print || !print) {
        seen.set(key, { print, since: now });
        pending++;
        deps.onEvent?.({ kind: 'waiting', folder: e.name });
        continue;
      }
      if (now - prev.since < deps.stableMs) {
        pending++;
        continue;
      }
      const owner = rec?.sending;
      const sameBoot =
        typeof owner === 'object' &&
        (owner.bootedAt === undefined ||
          deps.self.bootedAt === undefined ||
          Math.abs(owner.bootedAt - deps.self.bootedAt) < 60_000);
      const ownerAlive =
        typeof owner === 'object' && (owner.host !== deps.self.host || (sameBoot && deps.isAlive(owner.pid)));
      // Another watcher (this computer or another, on a shared drop folder) is sending it right now.
      if (ownerAlive) continue;
      // A failed folder is tried again later; it does not hold a one-shot run open. One whose last attempt
      // was cut short never failed: it carries on at once (the job resumes where it stopped).
      const cutShort = Boolean(owner) && (rec?.attempts ?? 0) <= MAX_IMMEDIATE_RESUMES;
      if (rec && !cutShort && rec.lastAttempt !== undefined && now - rec.lastAttempt < deps.retryMs) continue;
      // The case code is fixed before the first attempt, so a restart resumes the same case.
      const entry = rec ?? { caseCode: deps.caseCodeFor(e.name), done: false, attempts: 0 };
      entry.attempts++;
      entry.lastAttempt = now;
      entry.sending = { ...deps.self };
      state.folders[key] = entry;
      await deps.store.save(state);
      deps.onEvent?.({ kind: 'sending', folder: e.name, caseCode: entry.caseCode });
      try {
        entry.done = await deps.send(folder, entry.caseCode);
        deps.onEvent?.(
          entry.done
            ? { kind: 'sent', folder: e.name, caseCode: entry.caseCode }
            : {
                kind: 'failed',
                folder: e.name,
                caseCode: entry.caseCode,
                message: 'not every image was confirmed',
              },
        );
      } catch (err) {
        deps.onEvent?.({
          kind: 'failed',
          folder: e.name,
          caseCode: entry.caseCode,
          message: (err as Error).message,
        });
      }
      delete entry.sending;
      await deps.store.save(state);
    }
    if (opts.once && pending === 0) return;
    await deps.sleep(deps.pollMs, deps.signal).catch(() => undefined);
  }
}
