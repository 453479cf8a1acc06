import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../main/cli/main';

export const REPO = path.resolve(__dirname, '..', '..');
export const BIN = path.join(REPO, 'bin', 'cleardisc.js');

/** The environment of a CLI run against a test Orthanc: its credentials, and a private home under `tmp`. */
export function cliEnv(server: { user: string; password: string }, tmp: string): Record<string, string> {
  return {
    CLEARDISC_HOME: path.join(tmp, 'home'),
    CLEARDISC_USER: server.user,
    CLEARDISC_PASSWORD: server.password,
  };
}

/** Runs a CLI command in-process with captured output. */
export async function runCli(argv: string[], env: Record<string, string | undefined> = {}) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: { ...process.env, ...env },
    isTTY: false,
  });
  return { code, out, err };
}

/** Runs the built `cleardisc` binary as a child process (needs `npm run build`). */
export function runBin(
  argv: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; out: string; err: string; signal: NodeJS.Signals | null }> {
  if (!fs.existsSync(path.join(REPO, 'dist', 'main', 'cli', 'main.js'))) {
    throw new Error('The CLI is not built: run `npm run build` first (npm test does this).');
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => resolve({ code, out, err, signal }));
  });
}
