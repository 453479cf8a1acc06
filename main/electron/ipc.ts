// The IPC handlers behind window.cleardisc. Electron itself is only a type here: the real ipcMain and the
// app-specific pieces (version, folder picker) are passed in, so tests run this with a fake ipcMain in Node.
import * as path from 'node:path';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { ipcChannel, type ClearDiscApi, type ClearDiscMethod } from '../../shared/api';
import { REASONS } from '../../shared/reasons';
import type { ScanSummary } from '../../shared/scan-types';
import { ClearDiscError } from '../core/errors';
import { scan, summarize } from '../core/scan/scan';

/** What the API needs from its host: the desktop app passes all of it, `cleardisc serve` has no picker. */
export interface ApiDeps {
  /** The app's version (app.getVersion() in Electron). */
  version: () => string;
  /** Shows a native folder picker; null when cancelled. Absent where no picker can be shown (a browser). */
  pickFolder?: () => Promise<string | null>;
  /** Scans a folder; defaults to the core's scan + summarize. */
  scan?: (root: string) => Promise<ScanSummary>;
}

export interface IpcDeps extends ApiDeps {
  /** Shows the native folder picker; null when cancelled. */
  pickFolder: () => Promise<string | null>;
  /** Whether a call comes from our own page; defaults to "the sending frame is a file: page". */
  isTrustedSender?: (event: IpcMainInvokeEvent) => boolean;
}

/** What a rejected call says: one plain sentence, never a path or anything read from a file. */
export const MESSAGES = {
  untrusted: 'This request did not come from the ClearDisc window, so it was refused.',
  badPath: 'Please choose a folder, or type its full location.',
  /** The scanner's "could not be read" is about one file; for the chosen folder itself a person needs more. */
  cannotOpen:
    'ClearDisc could not open that location. Check that the disc is in the drive and the location is typed exactly, then try again.',
  failed: 'Something went wrong inside ClearDisc. Please try again.',
} as const;

export function isFilePage(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const url = event.senderFrame?.url;
  if (!url) return false;
  try {
    return new URL(url).protocol === 'file:';
  } catch {
    return false;
  }
}

async function coreScan(root: string): Promise<ScanSummary> {
  return summarize(await scan(root));
}

/** Turns any failure into an Error whose message is safe to show and to log (no paths, no identity). */
export function plainError(err: unknown): Error {
  if (err instanceof ClearDiscError) return new Error(REASONS[err.code]);
  if (err instanceof Error && (Object.values(MESSAGES) as string[]).includes(err.message)) return err;
  return new Error(MESSAGES.failed);
}

/** One function per ClearDiscApi method, taking untrusted arguments (they arrive over IPC or HTTP). */
export type ApiHandlers = { [M in ClearDiscMethod]: (...args: unknown[]) => ReturnType<ClearDiscApi[M]> };

/**
 * The API itself, shared by the Electron IPC handlers and the `cleardisc serve` HTTP routes: arguments are
 * checked here, and every rejection is an Error whose message is one plain sentence (see plainError).
 * Who may call is the caller's business (isTrustedSender for IPC; token, Host and Origin for HTTP).
 */
export function createApiHandlers(deps: ApiDeps): ApiHandlers {
  const runScan = deps.scan ?? coreScan;
  const pickFolder = deps.pickFolder ?? (async () => null);

  const handlers: ApiHandlers = {
    version: async () => deps.version(),
    pickSource: async () => pickFolder(),
    scan: async (root: unknown) => {
      if (typeof root !== 'string' || root.length === 0 || root.length > 4096 || !path.isAbsolute(root)) {
        throw new Error(MESSAGES.badPath);
      }
      try {
        return await runScan(root);
      } catch (err) {
        // The scanner fails as a whole with "unreadable" only when the folder itself cannot be opened.
        if (err instanceof ClearDiscError && err.code === 'unreadable')
          throw new Error(MESSAGES.cannotOpen, { cause: err });
        throw err;
      }
    },
  };

  const safe = <M extends ClearDiscMethod>(method: M): ApiHandlers[M] =>
    (async (...args: unknown[]) => {
      try {
        return await (handlers[method] as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (err) {
        throw plainError(err);
      }
    }) as ApiHandlers[M];

  return { version: safe('version'), pickSource: safe('pickSource'), scan: safe('scan') };
}

/** Registers one ipcMain.handle per ClearDiscApi method, on the channel ipcChannel(method). */
export function registerHandlers(ipcMain: Pick<IpcMain, 'handle'>, deps: IpcDeps): void {
  const trusted = deps.isTrustedSender ?? isFilePage;
  const handlers = createApiHandlers(deps);

  for (const method of Object.keys(handlers) as ClearDiscMethod[]) {
    ipcMain.handle(ipcChannel(method), async (event, ...args: unknown[]) => {
      if (!trusted(event)) throw new Error(MESSAGES.untrusted);
      return handlers[method](...args);
    });
  }
}
