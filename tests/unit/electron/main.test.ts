// The desktop app's entry (main/electron/main.ts) with a stand-in for the electron module (the binary is not
// available here): it opens one locked-down window, registers the API on ipcMain, and keeps remembered
// sign-in details in the user-data folder encrypted by safeStorage, never in the clear.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ServiceState } from '../../../shared/send-types';
import { fakeSafeStorage } from '../../support/fake-safe-storage';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

function fakeElectron(userData: string) {
  const handlers = new Map<string, Handler>();
  const windows: Array<{ options: { webPreferences: Record<string, unknown> } }> = [];
  const electron = {
    app: {
      requestSingleInstanceLock: () => true,
      enableSandbox: jest.fn(),
      on: jest.fn(),
      quit: jest.fn(),
      whenReady: () => Promise.resolve(),
      getVersion: () => '3.2.1',
      getAppPath: () => '/opt/cleardisc',
      getPath: (name: string) => {
        if (name !== 'userData') throw new Error(`unexpected path ${name}`);
        return userData;
      },
    },
    BrowserWindow: class {
      static getAllWindows = () => windows;
      static getFocusedWindow = () => null;
      constructor(readonly options: { webPreferences: Record<string, unknown> }) {
        windows.push(this);
      }
      once() {}
      loadFile() {
        return Promise.resolve();
      }
    },
    dialog: { showOpenDialog: jest.fn() },
    ipcMain: { handle: (channel: string, h: Handler) => handlers.set(channel, h) },
    safeStorage: fakeSafeStorage(),
    session: {
      defaultSession: {
        setPermissionRequestHandler: jest.fn(),
        setPermissionCheckHandler: jest.fn(),
        webRequest: { onHeadersReceived: jest.fn() },
      },
    },
    shell: { openExternal: jest.fn() },
  };
  const invoke = (channel: string, ...args: unknown[]) => {
    const h = handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h({ senderFrame: { url: 'file:///opt/cleardisc/renderer/dist/index.html' } }, ...args);
  };
  return { electron, handlers, windows, invoke };
}

describe('the desktop app’s main process', () => {
  let userData: string;
  beforeEach(() => (userData = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-main-'))));
  afterEach(() => {
    jest.dontMock('electron');
    fs.rmSync(userData, { recursive: true, force: true });
  });

  async function startApp() {
    const fake = fakeElectron(userData);
    jest.doMock('electron', () => fake.electron);
    await jest.isolateModulesAsync(async () => {
      await import('../../../main/electron/main');
    });
    // whenReady().then(...) runs on the next turn.
    await new Promise((r) => setImmediate(r));
    return fake;
  }

  it('opens one sandboxed window and answers every API call over IPC', async () => {
    const { handlers, windows, invoke } = await startApp();
    expect(windows).toHaveLength(1);
    expect(windows[0].options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect([...handlers.keys()]).toContain('cleardisc:setService');
    await expect(invoke('cleardisc:version')).resolves.toBe('3.2.1');
  });

  it('keeps remembered sign-in details encrypted in the user-data folder, and finds them on the next start', async () => {
    const first = await startApp();
    const state = (await first.invoke('cleardisc:setService', {
      serviceUrl: 'https://review.example/dicom-web',
      signIn: 'password',
      user: 'clinic-user',
      password: 'S3cret-pass',
      remember: true,
    })) as ServiceState;
    expect(state).toMatchObject({ service: { remembered: true }, canRemember: true });
    const file = path.join(userData, 'service.json');
    const onDisk = fs.readFileSync(file, 'utf8');
    expect(onDisk).not.toContain('S3cret-pass');
    expect(onDisk).not.toContain('clinic-user');

    const second = await startApp();
    await expect(second.invoke('cleardisc:getService')).resolves.toEqual({
      service: {
        serviceUrl: 'https://review.example/dicom-web',
        signIn: 'password',
        user: 'clinic-user',
        remembered: true,
      },
      canRemember: true,
    });
  });
});
