// `cleardisc serve`: the app in the person's own browser, for computers where the desktop window cannot run.
// Prints one line (the address, with this session's token) on stdout and runs until Ctrl+C or SIGTERM.
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { startServer, type RunningServer } from '../serve/server';
import { UsageError, type CliIO } from './io';

export const SERVE_USAGE = 'cleardisc serve [--port N] [--no-open]';

export const NOT_BUILT =
  'cleardisc serve: the page is not built yet. Run `npm run build` in the project folder first.';

export interface ServeOptions {
  /** Stops the server when aborted (tests); otherwise SIGINT / SIGTERM do. */
  signal?: AbortSignal;
  /** The built page; defaults to renderer/dist in this package. */
  staticDir?: string;
  /** Opens the address in the default browser; defaults to the platform's opener. */
  openBrowser?: (pageUrl: string) => void;
}

/**
 * The package's folder: the nearest parent of this file holding our package.json. Works from main/cli (tsx)
 * and from dist/main/cli (after `npm run build`).
 */
export function packageRoot(from = __dirname): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'cleardisc') return dir;
    } catch {
      // No package.json here (or not ours): keep climbing.
    }
    if (path.dirname(dir) === dir) return null;
  }
}

function packageVersion(root: string | null): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root ?? '', 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(
      `--port must be a number from 0 to 65535 (0 picks a free one)\nusage: ${SERVE_USAGE}`,
    );
  }
  return Number(value);
}

/**
 * Opens the page in the default browser without putting the token on a command line (where other users of
 * the computer could read it in the process list): a private file redirects to the address, as Jupyter does.
 * Returns a clean-up for that file. Failing to open is fine: the address is printed.
 */
function defaultOpenBrowser(pageUrl: string): () => void {
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-open-'));
  } catch {
    return () => undefined;
  }
  const file = path.join(dir, 'open-cleardisc.html');
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const href = pageUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    fs.writeFileSync(
      file,
      `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}">` +
        `<title>ClearDisc</title><p><a href="${href}">Open ClearDisc</a></p>\n`,
      { mode: 0o600 },
    );
    const [cmd, args] =
      process.platform === 'darwin'
        ? ['open', [file]]
        : process.platform === 'win32'
          ? ['explorer.exe', [file]]
          : ['xdg-open', [file]];
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true, windowsHide: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser to open: the printed address is enough.
  }
  return cleanup;
}

export async function serveCommand(argv: string[], io: CliIO, opts: ServeOptions = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, 'no-open': { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length) throw new UsageError(`usage: ${SERVE_USAGE}`);
  const port = parsePort(values.port);

  const root = packageRoot();
  const staticDir = opts.staticDir ?? (root ? path.join(root, 'renderer', 'dist') : '');
  if (!staticDir || !fs.existsSync(path.join(staticDir, 'index.html'))) {
    io.err(`${NOT_BUILT}\n`);
    return 2;
  }

  const token = crypto.randomBytes(32).toString('hex');
  let server: RunningServer;
  try {
    server = await startServer({ port, staticDir, token, deps: { version: () => packageVersion(root) } });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UsageError(`port ${port} is already in use; choose another with --port, or leave --port out`);
    if (code === 'EACCES')
      throw new UsageError(`port ${port} cannot be used by this account; choose a number above 1023`);
    throw err;
  }

  io.out(`${server.pageUrl}\n`);
  io.err(
    'ClearDisc is ready in your web browser. Keep this window open while you use it; press Ctrl+C to stop.\n',
  );
  let cleanupOpen: () => void = () => undefined;
  if (!values['no-open']) {
    if (opts.openBrowser) opts.openBrowser(server.pageUrl);
    else cleanupOpen = defaultOpenBrowser(server.pageUrl);
  }

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      opts.signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (opts.signal?.aborted) return stop();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    opts.signal?.addEventListener('abort', stop);
  });

  await server.close();
  try {
    cleanupOpen();
  } catch {
    // A leftover redirect file in the temp folder is harmless.
  }
  return 0;
}
