// The IPC handlers behind window.cleardisc. Electron itself is only a type here: the real ipcMain and the
// app-specific pieces (version, folder picker) are passed in, so tests run this with a fake ipcMain in Node.
import * as path from 'node:path';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { ipcChannel, type ClearDiscApi, type ClearDiscMethod } from '../../shared/api';
import { REASONS } from '../../shared/reasons';
import type { ScanSummary } from '../../shared/scan-types';
import { ClearDiscError } from '../core/errors';
import { scan, summarize } from '../core/scan/scan';

export interface IpcDeps {
  /** The app's version (app.getVersion() in Electron). */
  version: () => string;
  /** Shows the native folder picker; null when cancelled. */
  pickFolder: () => Promise<string | null>;
  /** Scans a folder; defaults to the core's scan + summarize. */
  scan?: (root: string) => Promise<ScanSummary>;
  /** Whether a call comes from our own page; defaults to "the sending frame is a file: page". */
  isTrustedSender?: (event: IpcMainInvokeEvent) => boolean;
}

/** What a rejected call says: one plain sentence, never a path or anything read from a file. */
export const MESSAGES = {
  untrusted: 'This request did not come from the ClearDisc window, so it was refused.',
  badPath: 'Please choose a folder, or type its full location.',
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
function plainError(err: unknown): Error {
  if (err instanceof ClearDiscError) return new Error(REASONS[err.code]);
  if (err instanceof Error && (Object.values(MESSAGES) as string[]).includes(err.message)) return err;
  return new Error(MESSAGES.failed);
}

type Handlers = { [M in ClearDiscMethod]: (...args: unknown[]) => ReturnType<ClearDiscApi[M]> };

/** Registers one ipcMain.handle per ClearDiscApi method, on the channel ipcChannel(method). */
export function registerHandlers(ipcMain: Pick<IpcMain, 'handle'>, deps: IpcDeps): void {
  const runScan = deps.scan ?? coreScan;
  const trusted = deps.isTrustedSender ?? isFilePage;

  const handlers: Handlers = {
    version: async () => deps.version(),
    pickSource: async () => deps.pickFolder(),
    scan: async (root: unknown) => {
      if (typeof root !== 'string' || root.length === 0 || root.length > 4096 || !path.isAbsolute(root)) {
        throw new Error(MESSAGES.badPath);
      }
      return runScan(root);
    },
  };

  for (const method of Object.keys(handlers) as ClearDiscMethod[]) {
    ipcMain.handle(ipcChannel(method), async (event, ...args: unknown[]) => {
      if (!trusted(event)) throw new Error(MESSAGES.untrusted);
      try {
        return await handlers[method](...args);
      } catch (err) {
        throw plainError(err);
      }
    });
  }
}
