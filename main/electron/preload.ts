// Runs in the sandboxed preload context: it may require only 'electron' (and a few built-ins), never our own
// files, so everything from shared/ is imported as types only and the channel names are spelled out here.
// The IpcChannel type makes tsc reject a name that does not match ipcChannel() in main/electron/ipc.ts.
import { contextBridge, ipcRenderer } from 'electron';
import type { ClearDiscApi, ClearDiscMethod, IpcChannel } from '../../shared/api';

const channel = <M extends ClearDiscMethod>(method: M): IpcChannel<M> => `cleardisc:${method}`;

/**
 * Electron rejects with "Error invoking remote method 'cleardisc:x': Error: <sentence>"; the page shows the
 * handler's sentence as it is (it was written for the person), so the wrapping is taken off.
 */
export function unwrapIpcError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(message.replace(/^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/, ''));
}

const call = <M extends ClearDiscMethod>(method: M, ...args: unknown[]) =>
  ipcRenderer.invoke(channel(method), ...args).catch((err: unknown) => {
    throw unwrapIpcError(err);
  });

// Only these calls cross into the page: never ipcRenderer itself.
const api: ClearDiscApi = {
  version: () => call('version'),
  pickSource: () => call('pickSource'),
  scan: (path) => call('scan', path),
  getService: () => call('getService'),
  setService: (input) => call('setService', input),
  forgetService: () => call('forgetService'),
  startSend: (request) => call('startSend', request),
  confirmSend: () => call('confirmSend'),
  cancelSend: () => call('cancelSend'),
  sendStatus: () => call('sendStatus'),
};

contextBridge.exposeInMainWorld('cleardisc', api);
