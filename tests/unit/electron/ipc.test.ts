// The Electron shell's IPC handlers, run in plain Node: a fake ipcMain stands in for Electron's, and
// electron is imported as types only (the binary is not needed, and may not even be installed).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { ipcChannel, type ClearDiscApi } from '../../../shared/api';
import { REASONS } from '../../../shared/reasons';
import { MESSAGES } from '../../../main/app/handlers';
import { registerHandlers, type IpcDeps } from '../../../main/electron/ipc';
import { buildInstance, testUid, writeFile, type InstanceSpec } from '../../fixtures/build-dicom';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

/** Records ipcMain.handle registrations and calls them the way Electron's invoke would. */
class FakeIpcMain implements Pick<IpcMain, 'handle'> {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    return this.invokeFrom('file:///app/renderer/dist/index.html', channel, ...args);
  }
  async invokeFrom(url: string | null, channel: string, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    const event = { senderFrame: url === null ? null : { url } } as unknown as IpcMainInvokeEvent;
    return h(event, ...args);
  }
}

const deps = (over: Partial<IpcDeps> = {}): IpcDeps => ({
  version: () => '9.8.7',
  pickFolder: async () => null,
  ...over,
});

describe('registerHandlers', () => {
  let tmp: string;
  let disc: string;
  const image = (n: number, extra: Partial<InstanceSpec> = {}): InstanceSpec => ({
    sopInstanceUID: testUid(5, 1, n),
    studyInstanceUID: testUid(5),
    seriesInstanceUID: testUid(5, 1),
    instanceNumber: n,
    patientName: 'Ipc^Patient',
    patientId: 'PID-IPC',
    studyDate: '20240315',
    studyDescription: 'CT HEAD',
    modality: 'CT',
    ...extra,
  });

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-ipc-'));
    disc = path.join(tmp, 'disc');
    for (const n of [1, 2, 3]) writeFile(disc, `IMAGES/IM${n}`, buildInstance(image(n)));
    writeFile(disc, 'README.TXT', 'Insert the disc and run viewer.exe');
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('registers exactly one handler per ClearDiscApi method', () => {
    const ipc = new FakeIpcMain();
    registerHandlers(ipc, deps());
    const methods: (keyof ClearDiscApi)[] = [
      'version',
      'pickSource',
      'scan',
      'getService',
      'setService',
      'forgetService',
      'startSend',
      'confirmSend',
      'cancelSend',
      'sendStatus',
    ];
    expect([...ipc.handlers.keys()].sort()).toEqual(methods.map((m) => ipcChannel(m)).sort());
  });

  it('answers version and pickSource from the injected app pieces', async () => {
    let picked: string | null = '/media/cdrom';
    const ipc = new FakeIpcMain();
    registerHandlers(ipc, deps({ pickFolder: async () => picked }));
    await expect(ipc.invoke('cleardisc:version')).resolves.toBe('9.8.7');
    await expect(ipc.invoke('cleardisc:pickSource')).resolves.toBe('/media/cdrom');
    picked = null; // cancelled
    await expect(ipc.invoke('cleardisc:pickSource')).resolves.toBeNull();
  });

  it('scans a real folder with the core and returns the summary', async () => {
    const ipc = new FakeIpcMain();
    registerHandlers(ipc, deps());
    const s = (await ipc.invoke('cleardisc:scan', disc)) as Awaited<ReturnType<ClearDiscApi['scan']>>;
    expect(s.root).toBe(disc);
    expect(s.instances).toBe(3);
    expect(s.patients).toEqual([{ patientName: 'Ipc^Patient', patientId: 'PID-IPC', birthDate: '19600101' }]);
    expect(s.studies).toHaveLength(1);
    expect(s.studies[0]).toMatchObject({
      studyDate: '20240315',
      studyDescription: 'CT HEAD',
      modalities: ['CT'],
      instances: 3,
    });
    expect(s.skipped).toEqual([{ path: 'README.TXT', reason: 'not-dicom' }]);
    // What crosses IPC must survive Electron's structured clone.
    expect(structuredClone(s)).toEqual(s);
  });

  it('refuses a path that is not an absolute string, without touching the scanner', async () => {
    const ipc = new FakeIpcMain();
    const scan = jest.fn();
    registerHandlers(ipc, deps({ scan }));
    for (const bad of [undefined, 42, '', 'relative/disc', { path: disc }, 'x'.repeat(5000)]) {
      await expect(ipc.invoke('cleardisc:scan', bad)).rejects.toThrow(MESSAGES.badPath);
    }
    expect(scan).not.toHaveBeenCalled();
  });

  it('turns core failures into one plain sentence with no path in it', async () => {
    const ipc = new FakeIpcMain();
    registerHandlers(ipc, deps());
    const missing = path.join(tmp, 'Jane Doe scans');
    const err = (await ipc.invoke('cleardisc:scan', missing).catch((e: Error) => e)) as Error;
    // About the chosen folder, not "this file could not be read" (the scanner's sentence for one file).
    expect(err.message).toBe(MESSAGES.cannotOpen);
    expect(err.message).not.toBe(REASONS.unreadable);
    expect(err.message).not.toContain('Jane');

    const ipc2 = new FakeIpcMain();
    registerHandlers(ipc2, deps({ scan: async () => Promise.reject(new Error(`EACCES: ${missing}`)) }));
    await expect(ipc2.invoke('cleardisc:scan', disc)).rejects.toThrow(new Error(MESSAGES.failed));
  });

  it('refuses calls that do not come from the app page', async () => {
    const ipc = new FakeIpcMain();
    const scan = jest.fn();
    registerHandlers(ipc, deps({ scan }));
    for (const url of ['https://example.org/', 'http://127.0.0.1:5173/', 'not a url', null]) {
      await expect(ipc.invokeFrom(url, 'cleardisc:scan', disc)).rejects.toThrow(MESSAGES.untrusted);
      await expect(ipc.invokeFrom(url, 'cleardisc:version')).rejects.toThrow(MESSAGES.untrusted);
    }
    expect(scan).not.toHaveBeenCalled();
  });

  it('is what the preload exposes: window.cleardisc calls reach these handlers', async () => {
    const ipc = new FakeIpcMain();
    registerHandlers(ipc, deps({ pickFolder: async () => disc }));
    const exposed: Record<string, unknown> = {};
    // A stand-in for the electron module, so the real one (which needs the binary) is never loaded.
    jest.doMock('electron', () => ({
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: { invoke: (channel: string, ...args: unknown[]) => ipc.invoke(channel, ...args) },
    }));
    await jest.isolateModulesAsync(async () => {
      await import('../../../main/electron/preload');
    });
    jest.dontMock('electron');

    expect(Object.keys(exposed)).toEqual(['cleardisc']);
    const api = exposed.cleardisc as ClearDiscApi;
    expect(Object.keys(api).sort()).toEqual([...ipc.handlers.keys()].map((c) => c.slice(10)).sort());
    await expect(api.version()).resolves.toBe('9.8.7');
    const picked = await api.pickSource();
    expect(picked).toBe(disc);
    await expect(api.scan(picked!)).resolves.toMatchObject({ instances: 3 });
    await expect(
      api.setService({
        serviceUrl: 'https://review.example/dicom-web/',
        signIn: 'password',
        user: 'clinic',
        password: 'S3cret-pass',
        remember: false,
      }),
    ).resolves.toEqual({
      service: {
        serviceUrl: 'https://review.example/dicom-web',
        signIn: 'password',
        user: 'clinic',
        remembered: false,
      },
      canRemember: false,
    });
    await expect(api.sendStatus()).resolves.toBeNull();
  });

  it('the preload passes the handler’s sentence to the page without Electron’s wrapping', async () => {
    const exposed: Record<string, ClearDiscApi> = {};
    jest.doMock('electron', () => ({
      contextBridge: { exposeInMainWorld: (key: string, value: ClearDiscApi) => (exposed[key] = value) },
      ipcRenderer: {
        // What Electron's ipcRenderer.invoke rejects with when the main-process handler throws.
        invoke: async (channel: string) => {
          throw new Error(`Error invoking remote method '${channel}': Error: ${MESSAGES.badPath}`);
        },
      },
    }));
    await jest.isolateModulesAsync(async () => {
      await import('../../../main/electron/preload');
    });
    jest.dontMock('electron');
    await expect(exposed.cleardisc.scan('x')).rejects.toThrow(new Error(MESSAGES.badPath));
  });
});
