// Runs in the sandboxed preload context: it may require only 'electron' (and a few built-ins), never our own
// files, so everything from shared/ is imported as types only and the channel names are spelled out here.
// The IpcChannel type makes tsc reject a name that does not match ipcChannel() in main/electron/ipc.ts.
import { contextBridge, ipcRenderer } from 'electron';
import type { ClearDiscApi, ClearDiscMethod, IpcChannel } from '../../shared/api';

const channel = <M extends ClearDiscMethod>(method: M): IpcChannel<M> => `cleardisc:${method}`;

// Only these three calls cross into the page: never ipcRenderer itself.
const api: ClearDiscApi = {
  version: () => ipcRenderer.invoke(channel('version')),
  pickSource: () => ipcRenderer.invoke(channel('pickSource')),
  scan: (path: string) => ipcRenderer.invoke(channel('scan'), path),
};

contextBridge.exposeInMainWorld('cleardisc', api);
