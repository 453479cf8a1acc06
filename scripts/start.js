#!/usr/bin/env node
// `npm start`: opens the desktop app. Builds first when dist/ is missing or older than the sources.
// npm never runs electron's own install script here (package.json allowScripts), so on the first start we
// fetch the Electron runtime ourselves, once; without it we say so in one sentence and exit 1.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const FETCH_TIMEOUT_MS = Number(process.env.CLEARDISC_ELECTRON_FETCH_TIMEOUT_MS) || 120_000;
const NO_RUNTIME =
  "ClearDisc's desktop window needs the Electron runtime, which could not be downloaded on this machine; " +
  'use the command line instead: npx cleardisc scan <folder> (run `npm run build` first), ' +
  'or `npx cleardisc serve` to use the app in a browser.';

/** The Electron executable, or null when the package or its downloaded binary is missing. */
function electronBinary() {
  try {
    const id = require.resolve('electron', { paths: [root] });
    delete require.cache[id];
    const p = require(id); // throws when the binary was never downloaded
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

/** Runs electron's install.js once, output discarded. Offline it fails within a second. */
function fetchElectron() {
  let installer;
  try {
    installer = require.resolve('electron/install.js', { paths: [root] });
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [installer], { cwd: path.dirname(installer), stdio: 'ignore' });
    // Quiet when it fails fast; say why we wait when a real download is under way.
    const notice = setTimeout(
      () => process.stderr.write('Downloading the Electron runtime (first start only)…\n'),
      3000,
    );
    const killer = setTimeout(() => child.kill(), FETCH_TIMEOUT_MS);
    const done = (ok) => {
      clearTimeout(notice);
      clearTimeout(killer);
      resolve(ok);
    };
    child.on('error', () => done(false));
    child.on('exit', (code) => done(code === 0));
  });
}

const SOURCES = ['main', 'shared', 'renderer', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const SKIP = new Set(['node_modules', 'dist']);
const OUTPUTS = ['dist/main/electron/main.js', 'dist/main/electron/preload.js', 'renderer/dist/index.html'];

function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    if (!SKIP.has(e.name)) max = Math.max(max, newestMtime(path.join(p, e.name)));
  }
  return max;
}

function needsBuild() {
  let oldestOutput = Infinity;
  for (const o of OUTPUTS) {
    try {
      oldestOutput = Math.min(oldestOutput, fs.statSync(path.join(root, o)).mtimeMs);
    } catch {
      return true;
    }
  }
  return SOURCES.some((s) => newestMtime(path.join(root, s)) > oldestOutput);
}

function build() {
  // Under `npm start`, npm_execpath is npm's own CLI script; run it with this Node.
  const npmCli = process.env.npm_execpath;
  const r = npmCli
    ? spawnSync(process.execPath, [npmCli, 'run', 'build'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], {
        cwd: root,
        stdio: 'inherit',
        shell: process.platform === 'win32',
      });
  return r.status === 0;
}

async function main() {
  let electron = electronBinary();
  if (!electron && (await fetchElectron())) electron = electronBinary();
  if (!electron) {
    process.stderr.write(NO_RUNTIME + '\n');
    return 1;
  }
  if (needsBuild() && !build()) {
    process.stderr.write('ClearDisc could not be built; the messages above say why.\n');
    return 1;
  }
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would make Electron behave as plain Node
  const child = spawn(electron, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => {
    child.on('error', () => {
      process.stderr.write(NO_RUNTIME + '\n');
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

main().then((code) => process.exit(code));
