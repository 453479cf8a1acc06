// The IPC handlers behind window.cleardisc. Electron itself is only a type here: the real ipcMain and the
// app-specific pieces (version, folder picker) are passed in, so tests run this with a fake ipcMain in Node.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { ipcChannel, type ClearDiscMethod } from '../../shared/api';
import { createApiHandlers, MESSAGES, type ApiDeps } from '../app/handlers';

export interface IpcDeps extends ApiDeps {
  /** Shows the native folder picker; null when cancelled. */
  pickFolder: () => Promise<string | null>;
  /** Whether a call comes from our own page; defaults to "the sending frame is a file: page". */
  isTrustedSender?: (event: IpcMainInvokeEvent) => boolean;
}

export function isFilePage(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const url = event.senderFrame?.url;
  if (!url) return false;
  try {
    return new URL(url).protocol === 'file:';
  } catch {
    return false;
  }
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
