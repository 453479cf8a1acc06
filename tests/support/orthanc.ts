// Test harness: a throw-away Orthanc + DICOMweb plugin on 127.0.0.1, one per caller.
// System packages come from scripts/provision-system.sh; nothing here downloads anything.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ORTHANC_BIN = '/usr/sbin/Orthanc';
const PLUGIN_DIRS = ['/usr/share/orthanc/plugins', '/usr/lib/orthanc'];
const START_TIMEOUT_MS = 20_000;

export interface OrthancInstance {
  id: string;
  sopInstanceUID: string;
  studyInstanceUID: string;
}

export interface OrthancServer {
  dicomWebUrl: string;
  restUrl: string;
  user: string;
  password: string;
  storageDir: string;
  authHeader: string;
  stop(): Promise<void>;
  listInstances(): Promise<OrthancInstance[]>;
  instanceFile(id: string): Promise<Buffer>;
  instanceCount(): Promise<number>;
  reset(): Promise<void>;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Minimal node:http client; agent:false so no keep-alive socket outlives a test, and a socket
 * timeout so a peer that accepts but never answers cannot hang a test.
 */
export function httpRequest(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
    timeoutMs?: number;
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function findDicomWebPlugin(): string {
  for (const dir of PLUGIN_DIRS) {
    if (!existsSync(dir)) continue;
    // Debian ships libOrthancDicomWeb.so in plugins/ and a versioned .so.X.Y in /usr/lib/orthanc.
    const hit = readdirSync(dir)
      .filter((f) => f.startsWith('libOrthancDicomWeb.so'))
      .sort()[0];
    if (hit) return path.join(dir, hit);
  }
  throw new Error(
    `Orthanc DICOMweb plugin not found in ${PLUGIN_DIRS.join(' or ')}; run scripts/provision-system.sh`,
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

// Every started, not yet cleaned-up Orthanc (temp dir -> process), so an exiting test process
// still kills them and removes their dirs (synchronously, in 'exit').
const live = new Map<string, ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [dir, child] of live) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * A 'exit' handler does not run if the test process is SIGKILLed (e.g. jest killing a hung worker),
 * so a tiny shell watches a pipe from us: EOF without a newline means we died -> kill Orthanc
 * and remove its temp dir.
 */
function spawnWatchdog(pid: number, dir: string): ChildProcess {
  // Same cleanup if a signal for the whole process group (Ctrl-C, `timeout`) reaches the watchdog.
  // The /proc check avoids killing an unrelated process that reused the pid of an exited Orthanc.
  const cleanup = 'grep -qF -- "$2" "/proc/$1/cmdline" 2>/dev/null && kill -9 "$1"; rm -rf "$2"';
  const script = `trap '${cleanup}; exit 1' INT TERM HUP; read -r _ || { ${cleanup}; }`;
  const dog = spawn('/bin/sh', ['-c', script, 'orthanc-watchdog', String(pid), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  dog.unref();
  (dog.stdin as unknown as { unref?: () => void }).unref?.();
  dog.stdin?.on('error', () => {}); // EPIPE if a group signal already ended it: nothing left to do
  return dog;
}

export async function startOrthanc(opts: { user?: string; password?: string } = {}): Promise<OrthancServer> {
  // The free port is only reserved until we close the probe socket; if another process grabs it
  // before Orthanc binds, Orthanc exits with "already in use" and we simply try a new port.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !/already in use/.test(String(e))) throw e;
    }
  }
}

async function startOnce(opts: { user?: string; password?: string }): Promise<OrthancServer> {
  if (!existsSync(ORTHANC_BIN)) {
    throw new Error(`${ORTHANC_BIN} not found; run scripts/provision-system.sh`);
  }
  const plugin = findDicomWebPlugin();
  const user = opts.user ?? 'cleardisc';
  const password = opts.password ?? 'test-password';
  const authHeader = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

  const root = mkdtempSync(path.join(os.tmpdir(), 'cleardisc-orthanc-'));
  const storageDir = path.join(root, 'storage');
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  const config = {
    Name: 'ClearDiscTest',
    StorageDirectory: storageDir,
    IndexDirectory: path.join(root, 'index'),
    TemporaryDirectory: root,
    HttpPort: httpPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [user]: password },
    // No DICOM listener needed; the port is set too in case an Orthanc build ignores DicomServerEnabled.
    DicomServerEnabled: false,
    DicomPort: dicomPort,
    Plugins: [plugin],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false },
    // Stored files must be byte-identical to what was sent: no compression, no ingest transcoding
    // ("IngestTranscoding" deliberately absent), and a duplicate never replaces the first copy.
    StorageCompression: false,
    IngestTranscodingOfUncompressed: false,
    IngestTranscodingOfCompressed: false,
    OverwriteInstances: false,
    // Speed and hygiene for a disposable server.
    SyncStorageArea: false,
    SaveJobs: false,
    MaximumStorageCacheSize: 0,
    HttpCompressionEnabled: false,
    WebDavEnabled: false,
    OrthancExplorerEnabled: false,
    MetricsEnabled: false,
    HttpDescribeErrors: true,
  };
  const configPath = path.join(root, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));

  installExitHook();
  const child = spawn(ORTHANC_BIN, ['--no-jobs', configPath], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.set(root, child);
  const dog = child.pid ? spawnWatchdog(child.pid, root) : undefined;

  // Keep the stderr tail for error messages, and keep draining so Orthanc never blocks on a full pipe.
  let stderrTail = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString('utf8')).slice(-4000);
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.on('error', (e) => (spawnError = e));

  const restUrl = `http://127.0.0.1:${httpPort}`;
  const auth = { Authorization: authHeader };
  const cleanupDir = () => {
    if (!live.delete(root)) return; // already cleaned up (stop() called twice)
    rmSync(root, { recursive: true, force: true });
    dog?.stdin?.end('\n'); // a full line tells the watchdog to stand down
  };

  const stop = async (): Promise<void> => {
    if (!exited) {
      // SIGKILL, not SIGTERM: a graceful Orthanc shutdown takes ~2.5 s (civetweb + jobs engine
      // polling) and the storage is thrown away anyway.
      child.kill('SIGKILL');
      await exitPromise;
    }
    cleanupDir();
  };

  const started = Date.now();
  for (;;) {
    if (spawnError || exited) {
      cleanupDir();
      const why = spawnError
        ? spawnError.message
        : `exited with code ${exited?.code} signal ${exited?.signal}`;
      throw new Error(`Orthanc failed to start (${why}). stderr tail:\n${stderrTail}`);
    }
    try {
      const r = await httpRequest(`${restUrl}/system`, { headers: auth, timeoutMs: 1000 });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > START_TIMEOUT_MS) {
      await stop();
      throw new Error(
        `Orthanc did not answer GET /system within ${START_TIMEOUT_MS} ms. stderr tail:\n${stderrTail}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const getJson = async <T>(p: string): Promise<T> => {
    const r = await httpRequest(restUrl + p, { headers: auth });
    if (r.status !== 200) throw new Error(`GET ${p} -> ${r.status}: ${r.body.toString()}`);
    return JSON.parse(r.body.toString('utf8')) as T;
  };

  interface OStudy {
    ID: string;
    MainDicomTags: { StudyInstanceUID?: string };
  }
  interface OInstance {
    ID: string;
    MainDicomTags: { SOPInstanceUID?: string };
  }

  return {
    dicomWebUrl: `${restUrl}/dicom-web`,
    restUrl,
    user,
    password,
    storageDir,
    authHeader,
    stop,
    async listInstances() {
      const out: OrthancInstance[] = [];
      for (const study of await getJson<OStudy[]>('/studies?expand')) {
        for (const inst of await getJson<OInstance[]>(`/studies/${study.ID}/instances`)) {
          out.push({
            id: inst.ID,
            sopInstanceUID: inst.MainDicomTags.SOPInstanceUID ?? '',
            studyInstanceUID: study.MainDicomTags.StudyInstanceUID ?? '',
          });
        }
      }
      return out;
    },
    async instanceFile(id: string) {
      const r = await httpRequest(`${restUrl}/instances/${encodeURIComponent(id)}/file`, { headers: auth });
      if (r.status !== 200) throw new Error(`GET /instances/${id}/file -> ${r.status}`);
      return r.body;
    },
    async instanceCount() {
      return (await getJson<{ CountInstances: number }>('/statistics')).CountInstances;
    },
    async reset() {
      // Deleting patients cascades to studies/series/instances.
      for (const id of await getJson<string[]>('/patients')) {
        const r = await httpRequest(`${restUrl}/patients/${id}`, { method: 'DELETE', headers: auth });
        if (r.status !== 200) throw new Error(`DELETE /patients/${id} -> ${r.status}`);
      }
    },
  };
}
