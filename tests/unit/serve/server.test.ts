// `cleardisc serve`: the HTTP server and the CLI command, over real sockets on 127.0.0.1. Requests are
// made with node:http so the raw path and the Host / Origin headers are exactly what an attacker would send.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HTTP_ROUTES } from '../../../shared/api';
import type { ScanSummary } from '../../../shared/scan-types';
import { MESSAGES } from '../../../main/app/handlers';
import { SEND_MESSAGES } from '../../../main/app/send-task';
import { SERVICE_MESSAGES } from '../../../main/app/service';
import {
  HTTP_MESSAGES,
  startServer,
  type RunningServer,
  type ServerOptions,
} from '../../../main/serve/server';
import { NOT_BUILT, packageRoot, serveCommand } from '../../../main/cli/serve-command';
import { UsageError, type CliIO } from '../../../main/cli/io';
import { buildInstance, testUid, writeFile, type InstanceSpec } from '../../fixtures/build-dicom';

const TOKEN = 'test-token-0123456789abcdef';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => unknown;
}

/** One request with exactly the path and headers given (no normalisation, no default Origin). */
function request(
  port: number,
  rawPath: string,
  {
    method = 'GET',
    headers = {},
    body,
  }: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: rawPath, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Bytes on a socket, for requests node:http will not make (it always adds a Host header). */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.end(bytes));
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    sock.on('error', reject);
  });
}

const auth = (token = TOKEN) => ({ Authorization: `Bearer ${token}` });

/** A failure answer: JSON `{ error }` holding one plain sentence, nothing else. */
function expectPlainError(a: Answer, status: number, message?: string): void {
  expect(a.status).toBe(status);
  expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(a.headers['cache-control']).toBe('no-store');
  const body = a.json() as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(['error']);
  const error = body.error as string;
  if (message !== undefined) expect(error).toBe(message);
  // One sentence: starts with a capital, ends with a full stop, no line breaks, paths or stack frames.
  expect(error).toMatch(/^[A-Z][^\n]*\.$/);
  expect(error).not.toMatch(/[/\\]|\sat \S+ \(|Error:|ENOENT|EACCES/);
}

describe('startServer', () => {
  let tmp: string;
  let staticDir: string;
  let disc: string;
  let server: RunningServer;
  let port: number;
  let host: string;

  const image = (n: number, extra: Partial<InstanceSpec> = {}): InstanceSpec => ({
    sopInstanceUID: testUid(7, 1, n),
    studyInstanceUID: testUid(7),
    seriesInstanceUID: testUid(7, 1),
    instanceNumber: n,
    patientName: 'Served^Patient',
    patientId: 'PID-SRV',
    studyDate: '20240315',
    studyDescription: 'MR KNEE',
    modality: 'MR',
    ...extra,
  });

  const start = (over: Partial<ServerOptions> = {}) =>
    startServer({ staticDir, token: TOKEN, deps: { version: () => '1.2.3' }, ...over });

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-serve-'));
    // A stand-in for renderer/dist, with a secret next to it that must never be reachable.
    staticDir = path.join(tmp, 'www');
    writeFile(staticDir, 'index.html', '<!doctype html><title>ClearDisc</title><div id="root"></div>');
    writeFile(staticDir, 'assets/app-1234.js', 'console.log("hi");');
    writeFile(staticDir, 'assets/app-1234.css', 'body{}');
    writeFile(staticDir, '.env', 'SECRET=dotfile');
    writeFile(tmp, 'package.json', '{"secret":"outside the page folder"}');
    fs.symlinkSync(path.join(tmp, 'package.json'), path.join(staticDir, 'assets', 'linked.json'));

    disc = path.join(tmp, 'disc');
    for (const n of [1, 2, 3, 4]) writeFile(disc, `DICOM/IM${n}`, buildInstance(image(n)));
    writeFile(disc, 'README.TXT', 'Insert the disc and run viewer.exe');
    writeFile(disc, 'AUTORUN.INF', '[autorun]\r\nopen=viewer.exe\r\n');

    server = await start();
    port = server.port;
    host = `127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('listens on loopback and gives the page address with and without the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${port}/`);
    expect(server.pageUrl).toBe(`http://127.0.0.1:${port}/?token=${TOKEN}`);
  });

  it('refuses to listen beyond loopback, or with a guessable token', async () => {
    await expect(start({ host: '0.0.0.0' })).rejects.toThrow(/only this computer/);
    await expect(start({ host: '192.168.1.10' })).rejects.toThrow(/only this computer/);
    await expect(start({ token: 'short' })).rejects.toThrow(/token/);
    await expect(start({ token: '' })).rejects.toThrow(/token/);
  });

  describe('the page files', () => {
    it('serves index.html for / with its content type, a strict CSP and nosniff', async () => {
      const a = await request(port, '/');
      expect(a.status).toBe(200);
      expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(a.text).toContain('<div id="root">');
      const csp = a.headers['content-security-policy'] as string;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe');
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      expect(a.headers['referrer-policy']).toBe('no-referrer');
      expect((await request(port, '/index.html')).text).toBe(a.text);
    });

    it('serves assets with the right content types, and HEAD without a body', async () => {
      const js = await request(port, '/assets/app-1234.js');
      expect(js.status).toBe(200);
      expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
      const css = await request(port, '/assets/app-1234.css?v=1');
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
      const head = await request(port, '/assets/app-1234.js', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String(Buffer.byteLength('console.log("hi");')));
      expect(head.text).toBe('');
      expectPlainError(await request(port, '/', { method: 'POST' }), 405, HTTP_MESSAGES.badMethod);
      // The icon browsers ask for by themselves: none, quietly.
      const icon = await request(port, '/favicon.ico');
      expect(icon.status).toBe(204);
      expect(icon.text).toBe('');
    });

    it.each([
      '/../package.json',
      '/..%2fpackage.json',
      '/%2e%2e/package.json',
      '/%2E%2E/package.json',
      '/%2e%2e%2fpackage.json',
      '/assets/../../package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/..%5cpackage.json',
      '/..\\package.json',
      '/%252e%252e/package.json',
      '/.%2e/package.json',
      '//package.json',
      '/assets/linked.json',
      '/.env',
      '/index.html%00.js',
      '/assets/../index.html',
      '/ASSETS/app-1234.js',
      'http://127.0.0.1/package.json',
      '*',
    ])('never serves anything outside the page files: %s → 404', async (raw) => {
      const a = await request(port, raw, { headers: { Host: host } });
      expectPlainError(a, 404, HTTP_MESSAGES.notFound);
      expect(a.text).not.toContain('secret');
      expect(a.text).not.toContain('SECRET');
    });
  });

  describe('who may call the API', () => {
    it('answers only with the session token (401 without it or with a wrong one)', async () => {
      const none = await request(port, HTTP_ROUTES.version);
      expectPlainError(none, 401, HTTP_MESSAGES.noToken);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expectPlainError(
        await request(port, HTTP_ROUTES.version, { headers: auth('wrong-token-0123456789abcdef') }),
        401,
      );
      expectPlainError(await request(port, HTTP_ROUTES.version, { headers: auth(TOKEN.slice(0, -1)) }), 401);
      expectPlainError(await request(port, HTTP_ROUTES.version, { headers: auth(`${TOKEN}x`) }), 401);
      expectPlainError(await request(port, HTTP_ROUTES.version, { headers: { Authorization: TOKEN } }), 401);
      expectPlainError(
        await request(port, HTTP_ROUTES.version, { headers: { Authorization: `Basic ${TOKEN}` } }),
        401,
      );
      // The token in the query or a cookie is not a credential: only the header is.
      expectPlainError(await request(port, `${HTTP_ROUTES.version}?token=${TOKEN}`), 401);
      expectPlainError(
        await request(port, HTTP_ROUTES.version, { headers: { Cookie: `token=${TOKEN}` } }),
        401,
      );
      // Unknown API routes say nothing before the token is checked.
      expectPlainError(await request(port, '/api/secrets'), 401);

      const ok = await request(port, HTTP_ROUTES.version, { headers: auth() });
      expect(ok.status).toBe(200);
      expect(ok.json()).toEqual({ version: '1.2.3' });
      expect(ok.headers['cache-control']).toBe('no-store');
      expect(ok.headers['content-security-policy']).toContain("default-src 'none'");
      expect(ok.headers['x-content-type-options']).toBe('nosniff');
    });

    it('refuses requests whose Host is not this server (DNS rebinding) with 403', async () => {
      for (const bad of [
        `evil.example:${port}`,
        'evil.example',
        `127.0.0.1:${port + 1}`,
        `localhost.evil.example:${port}`,
        `127.0.0.1.nip.io:${port}`,
      ]) {
        expectPlainError(
          await request(port, HTTP_ROUTES.version, { headers: { ...auth(), Host: bad } }),
          403,
          HTTP_MESSAGES.wrongHost,
        );
        expect((await request(port, '/', { headers: { Host: bad } })).status).toBe(403);
      }
      // No Host at all (HTTP/1.0 allows that): refused too.
      const noHost = await rawRequest(
        port,
        `GET ${HTTP_ROUTES.version} HTTP/1.0\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
      );
      expect(noHost).toMatch(/^HTTP\/1\.1 403 /);
      for (const good of [host, `localhost:${port}`, `LOCALHOST:${port}`]) {
        expect(
          (await request(port, HTTP_ROUTES.version, { headers: { ...auth(), Host: good } })).status,
        ).toBe(200);
      }
    });

    it('refuses API calls from another origin with 403, even with the token', async () => {
      for (const origin of [
        'http://evil.example',
        `http://evil.example:${port}`,
        'null',
        `https://127.0.0.1:${port}`,
        `http://127.0.0.1:${port + 1}`,
        `http://localhost:${port}`, // same server, but not the origin the Host names
      ]) {
        const a = await request(port, `${HTTP_ROUTES.scan}?path=${encodeURIComponent(disc)}`, {
          headers: { ...auth(), Host: host, Origin: origin },
        });
        expectPlainError(a, 403, HTTP_MESSAGES.wrongOrigin);
      }
      const crossSite = await request(port, HTTP_ROUTES.version, {
        headers: { ...auth(), 'Sec-Fetch-Site': 'cross-site' },
      });
      expectPlainError(crossSite, 403, HTTP_MESSAGES.wrongOrigin);

      const same = await request(port, HTTP_ROUTES.version, {
        headers: { ...auth(), Host: host, Origin: `http://${host}`, 'Sec-Fetch-Site': 'same-origin' },
      });
      expect(same.status).toBe(200);
    });
  });

  describe('the API routes', () => {
    it('scan returns the ScanSummary of a folder, read by the same core as the desktop app', async () => {
      const a = await request(port, `${HTTP_ROUTES.scan}?path=${encodeURIComponent(disc)}`, {
        headers: auth(),
      });
      expect(a.status).toBe(200);
      expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(a.headers['cache-control']).toBe('no-store');
      const s = a.json() as ScanSummary;
      expect(s.root).toBe(disc);
      expect(s.instances).toBe(4);
      expect(s.files).toBe(6);
      expect(s.patients).toEqual([
        { patientName: 'Served^Patient', patientId: 'PID-SRV', birthDate: '19600101' },
      ]);
      expect(s.studies).toHaveLength(1);
      expect(s.studies[0]).toMatchObject({
        studyDescription: 'MR KNEE',
        studyDate: '20240315',
        modalities: ['MR'],
        instances: 4,
      });
      expect(s.skipped).toEqual([
        { path: 'AUTORUN.INF', reason: 'not-dicom' },
        { path: 'README.TXT', reason: 'not-dicom' },
      ]);
    });

    it('answers a bad or missing folder with one plain sentence, without the path or any identity', async () => {
      const missing = path.join(tmp, 'Jane Doe 1960-01-01 scans');
      const notThere = await request(port, `${HTTP_ROUTES.scan}?path=${encodeURIComponent(missing)}`, {
        headers: auth(),
      });
      expectPlainError(notThere, 422, HTTP_MESSAGES.cannotOpen);
      expect(notThere.text).not.toContain('Jane');

      const aFile = path.join(disc, 'README.TXT');
      expectPlainError(
        await request(port, `${HTTP_ROUTES.scan}?path=${encodeURIComponent(aFile)}`, { headers: auth() }),
        422,
        HTTP_MESSAGES.cannotOpen,
      );

      for (const q of [
        '',
        '?path=',
        '?path=relative%2Fdisc',
        `?path=${encodeURIComponent(disc)}&path=${encodeURIComponent(disc)}`,
        `?path=${'x'.repeat(5000)}`,
      ]) {
        expectPlainError(
          await request(port, `${HTTP_ROUTES.scan}${q}`, { headers: auth() }),
          400,
          MESSAGES.badPath,
        );
      }
      expectPlainError(
        await request(port, HTTP_ROUTES.scan, { method: 'POST', headers: auth() }),
        405,
        HTTP_MESSAGES.badMethod,
      );
      expectPlainError(
        await request(port, '/api/nothing-here', { headers: auth() }),
        404,
        HTTP_MESSAGES.notFound,
      );
    });

    it('turns an unexpected failure into the generic sentence: no message, path or stack leaks', async () => {
      const leaky = await start({
        deps: {
          version: () => '1.2.3',
          scan: async () => {
            throw new Error(
              `EACCES: permission denied, open '/home/jane.doe/Doe^Jane/IM1'\n    at open (node:fs)`,
            );
          },
        },
      });
      try {
        const a = await request(leaky.port, `${HTTP_ROUTES.scan}?path=${encodeURIComponent(disc)}`, {
          headers: auth(),
        });
        expectPlainError(a, 500, HTTP_MESSAGES.failed);
        expect(a.text).not.toMatch(/jane|EACCES|node:fs/i);
      } finally {
        await leaky.close();
      }
    });

    it('runs one scan at a time and says so, politely, to a second one', async () => {
      let release: () => void = () => undefined;
      const slow = await start({
        deps: {
          version: () => '1.2.3',
          scan: () =>
            new Promise((resolve) => {
              release = () => resolve({ instances: 0 } as ScanSummary);
            }),
        },
      });
      try {
        const route = `${HTTP_ROUTES.scan}?path=${encodeURIComponent(disc)}`;
        const first = request(slow.port, route, { headers: auth() });
        await new Promise((r) => setTimeout(r, 100));
        expectPlainError(await request(slow.port, route, { headers: auth() }), 409, HTTP_MESSAGES.busy);
        release();
        expect((await first).status).toBe(200);
        // Free again once the first has finished.
        const third = request(slow.port, route, { headers: auth() });
        await new Promise((r) => setTimeout(r, 100));
        release();
        expect((await third).status).toBe(200);
      } finally {
        release();
        await slow.close();
      }
    });

    it('pickSource is 404 in a browser (no picker), and POST only', async () => {
      expectPlainError(
        await request(port, HTTP_ROUTES.pickSource, { method: 'POST', headers: auth() }),
        404,
        HTTP_MESSAGES.noPicker,
      );
      expectPlainError(
        await request(port, HTTP_ROUTES.pickSource, { headers: auth() }),
        405,
        HTTP_MESSAGES.badMethod,
      );

      const withPicker = await start({ deps: { version: () => '1.2.3', pickFolder: async () => disc } });
      try {
        const a = await request(withPicker.port, HTTP_ROUTES.pickSource, { method: 'POST', headers: auth() });
        expect(a.status).toBe(200);
        expect(a.json()).toEqual({ path: disc });
      } finally {
        await withPicker.close();
      }
    });

    it('takes the review service and a send as JSON, and never gives a secret back', async () => {
      const home = path.join(tmp, 'home-send');
      const s = await start({
        deps: { version: () => '1.2.3', send: { env: { CLEARDISC_HOME: home }, upload: { maxAttempts: 1 } } },
      });
      const post = (route: string, body: unknown, type = 'application/json') =>
        request(s.port, route, {
          method: 'POST',
          headers: { ...auth(), 'Content-Type': type },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
      try {
        const none = await request(s.port, HTTP_ROUTES.getService, { headers: auth() });
        expect(none.json()).toEqual({ service: null, canRemember: false });
        expect((await request(s.port, HTTP_ROUTES.sendStatus, { headers: auth() })).json()).toEqual({
          status: null,
        });

        // Only JSON, only small: a form from another page (text/plain, no preflight) cannot set anything.
        const service = {
          serviceUrl: 'http://127.0.0.1:9/dicom-web',
          signIn: 'password',
          user: 'clinic',
          password: 'S3cret-pass',
          remember: true,
        };
        expectPlainError(
          await post(HTTP_ROUTES.setService, service, 'text/plain'),
          400,
          HTTP_MESSAGES.badBody,
        );
        expectPlainError(await post(HTTP_ROUTES.setService, '{"serviceUrl":'), 400, HTTP_MESSAGES.badBody);
        expectPlainError(
          await post(HTTP_ROUTES.setService, { ...service, password: 'x'.repeat(300 * 1024) }),
          400,
          HTTP_MESSAGES.badBody,
        );
        expectPlainError(
          await post(HTTP_ROUTES.setService, { ...service, user: '' }),
          422,
          SERVICE_MESSAGES.noUser,
        );
        expectPlainError(
          await request(s.port, HTTP_ROUTES.setService, { headers: auth() }),
          405,
          HTTP_MESSAGES.badMethod,
        );

        const set = await post(HTTP_ROUTES.setService, service);
        expect(set.status).toBe(200);
        // A browser session has no safe store: kept for this session only, and the page is told why.
        expect(set.json()).toEqual({
          service: { serviceUrl: service.serviceUrl, signIn: 'password', user: 'clinic', remembered: false },
          canRemember: false,
          notice: SERVICE_MESSAGES.noEncryption,
        });
        const again = await request(s.port, HTTP_ROUTES.getService, { headers: auth() });
        expect(again.text).not.toContain('S3cret-pass');

        expectPlainError(
          await post(HTTP_ROUTES.startSend, { source: disc, studies: [] }),
          422,
          SEND_MESSAGES.noStudies,
        );
        const started = await post(HTTP_ROUTES.startSend, { source: disc, studies: [testUid(7)] });
        expect(started.status).toBe(200);
        expect(started.json()).toMatchObject({ phase: 'reading' });
        expectPlainError(
          await post(HTTP_ROUTES.startSend, { source: disc, studies: [testUid(7)] }),
          409,
          SEND_MESSAGES.busy,
        );

        // Nothing listens on port 9: the send stops, saying what to check, with nothing lost.
        type Status = { phase: string; message?: string } | null;
        const current = async () =>
          ((await request(s.port, HTTP_ROUTES.sendStatus, { headers: auth() })).json() as { status: Status })
            .status;
        let status = await current();
        while (status?.phase !== 'review') {
          await new Promise((r) => setTimeout(r, 50));
          status = await current();
        }
        expect((await post(HTTP_ROUTES.confirmSend, {})).status).toBe(200);
        expectPlainError(await post(HTTP_ROUTES.cancelSend, {}), 409, SEND_MESSAGES.notInReview);
        while (!status || !['done', 'stopped'].includes(status.phase)) {
          await new Promise((r) => setTimeout(r, 50));
          status = await current();
        }
        expect(status).toMatchObject({ phase: 'stopped', message: SEND_MESSAGES.unreachable });

        expect((await post(HTTP_ROUTES.forgetService, {})).json()).toEqual({
          service: null,
          canRemember: false,
        });
      } finally {
        await s.close();
      }
    });

    it('close() stops it even with a connection kept open', async () => {
      const s = await start();
      const agent = new http.Agent({ keepAlive: true });
      await new Promise<void>((resolve) =>
        http.get({ host: '127.0.0.1', port: s.port, path: '/', agent }, (r) => r.resume().on('end', resolve)),
      );
      await s.close();
      agent.destroy();
      await expect(request(s.port, '/')).rejects.toThrow(/ECONNREFUSED/);
    });
  });
});

describe('serveCommand', () => {
  let tmp: string;
  let staticDir: string;
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    const cli: CliIO = { out: (t) => void out.push(t), err: (t) => void err.push(t), env: {}, isTTY: false };
    return { cli, out, err };
  };

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleardisc-serve-cmd-'));
    staticDir = path.join(tmp, 'dist');
    writeFile(staticDir, 'index.html', '<!doctype html><title>ClearDisc</title>');
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('prints one line with the address and a fresh random token, serves until stopped, then exits 0', async () => {
    const { cli, out, err } = io();
    const stop = new AbortController();
    const opened: string[] = [];
    const running = serveCommand([], cli, {
      signal: stop.signal,
      staticDir,
      openBrowser: (u) => opened.push(u),
    });
    while (out.length === 0) await new Promise((r) => setTimeout(r, 10));

    expect(out).toHaveLength(1);
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64})\n$/.exec(out[0]);
    expect(m).not.toBeNull();
    expect(opened).toEqual([out[0].trim()]);
    expect(err.join('')).toMatch(/Ctrl\+C/);
    const [, port, token] = m!;
    const version = await request(Number(port), HTTP_ROUTES.version, { headers: auth(token) });
    expect(version.status).toBe(200);
    expect((version.json() as { version: string }).version).toMatch(/^\d+\.\d+\.\d+/);
    expect((await request(Number(port), HTTP_ROUTES.version, { headers: auth() })).status).toBe(401);

    stop.abort();
    await expect(running).resolves.toBe(0);
    await expect(request(Number(port), '/')).rejects.toThrow(/ECONNREFUSED/);

    // Another run, another token.
    const second = io();
    const stop2 = new AbortController();
    const again = serveCommand(['--no-open'], second.cli, {
      signal: stop2.signal,
      staticDir,
      openBrowser: (u) => opened.push(u),
    });
    while (second.out.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(second.out[0]).not.toContain(token);
    expect(opened).toHaveLength(1); // --no-open
    stop2.abort();
    await expect(again).resolves.toBe(0);
  });

  it('uses the port asked for, and says plainly when it is taken', async () => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    try {
      await expect(
        serveCommand(['--port', String(taken), '--no-open'], io().cli, { staticDir }),
      ).rejects.toThrow(
        new UsageError(`port ${taken} is already in use; choose another with --port, or leave --port out`),
      );
    } finally {
      blocker.close();
    }
    for (const bad of [['--port', 'abc'], ['--port', '70000'], ['--port=-1'], ['extra']]) {
      await expect(serveCommand(bad, io().cli, { staticDir })).rejects.toThrow(UsageError);
    }
  });

  it('exits 2 with a one-line hint when the page is not built', async () => {
    const { cli, out, err } = io();
    const code = await serveCommand(['--no-open'], cli, { staticDir: path.join(tmp, 'not-built') });
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual([`${NOT_BUILT}\n`]);
    expect(NOT_BUILT).toContain('npm run build');
  });

  it('finds renderer/dist relative to the package, from the sources and from dist/', () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    expect(packageRoot(path.join(root, 'main', 'cli'))).toBe(root);
    expect(packageRoot(path.join(root, 'dist', 'main', 'cli'))).toBe(root);
    expect(packageRoot(os.tmpdir())).toBeNull();
  });
});
