// The desktop app's entry (package.json "main" → dist/main/electron/main.js). A thin shell: one sandboxed
// window showing renderer/dist, talking to the core only through the handlers in ./ipc.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, safeStorage, session, shell } from 'electron';
import { registerHandlers } from './ipc';
import { safeStorageCredentials } from './credentials';
import { CSP_HEADER } from '../../shared/csp';

const indexHtml = () => path.join(app.getAppPath(), 'renderer', 'dist', 'index.html');

/** Same page (any #fragment), so in-page links work; everything else is another origin or another file. */
function isOwnPage(url: string): boolean {
  try {
    const u = new URL(url);
    u.hash = '';
    return u.href === pathToFileURL(indexHtml()).href;
  } catch {
    return false;
  }
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1040,
    height: 780,
    minWidth: 640,
    minHeight: 480,
    title: 'ClearDisc',
    backgroundColor: '#f7f7f4',
    show: false,
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(indexHtml());
  return win;
}

function lockDown(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP_HEADER] } });
  });

  app.on('web-contents-created', (_event, contents) => {
    const blockForeign = (event: { preventDefault(): void }, url: string) => {
      if (!isOwnPage(url)) event.preventDefault();
    };
    contents.on('will-navigate', blockForeign);
    contents.on('will-redirect', blockForeign);
    contents.on('will-attach-webview', (event) => event.preventDefault());
    // No new windows at all; a plain https link opens in the person's own browser instead.
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.enableSandbox();
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  void app.whenReady().then(() => {
    lockDown();
    registerHandlers(ipcMain, {
      version: () => app.getVersion(),
      // Sign-in details the person asks to keep, encrypted by the operating system (Keychain, DPAPI, libsecret).
      credentials: safeStorageCredentials(safeStorage, path.join(app.getPath('userData'), 'service.json')),
      pickFolder: async () => {
        const parent = BrowserWindow.getFocusedWindow();
        const options: Electron.OpenDialogOptions = {
          title: 'Choose your disc or folder',
          buttonLabel: 'Use this disc or folder',
          properties: ['openDirectory'],
        };
        const r = parent
          ? await dialog.showOpenDialog(parent, options)
          : await dialog.showOpenDialog(options);
        return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0];
      },
    });
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });
}
