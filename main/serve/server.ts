// `cleardisc serve`: the renderer and the ClearDiscApi over HTTP, for people who use the app in their own
// browser. It runs on a patient's computer next to whatever else runs there, so it is locked down:
//   - it listens on loopback only;
//   - every /api request carries the session token as `Authorization: Bearer <token>` (no cookie, so nothing
//     is sent by the browser on its own: another page cannot make a request that carries it);
//   - the Host header must name this server by IP or as localhost (a DNS-rebinding page cannot pass), and
//     API calls must come from this origin (Origin / Sec-Fetch-Site);
//   - static files come from a list made at start-up, so no request path can reach another file;
//   - answers carry a strict CSP and nosniff, API answers are never cached, and failures are
//     `{ "error": "<one plain sentence>" }` with no path, identity or stack trace in them.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { HTTP_ROUTES, type ClearDiscMethod } from '../../shared/api';
import { createApiHandlers, MESSAGES, type ApiDeps } from '../app/handlers';
import { PlainError } from '../app/plain-error';
import { SEND_MESSAGES } from '../app/send-task';
import { CSP_HEADER } from '../../shared/csp';

export interface ServerOptions {
  /** Loopback address to listen on: '127.0.0.1' (default) or '::1'. Anything else is refused. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The built renderer (renderer/dist), holding index.html. */
  staticDir: string;
  /** The session token every /api request must carry; at least 16 characters. */
  token: string;
  deps: ApiDeps;
}

export interface RunningServer {
  /** The page's address without the token, e.g. http://127.0.0.1:41234/ */
  url: string;
  /** The address to open: `url` with `?token=`. */
  pageUrl: string;
  port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** What a refused or failed request says: one plain sentence each. */
export const HTTP_MESSAGES = {
  noToken: 'This page needs the link ClearDisc showed when it started. Please open that full link again.',
  wrongHost: 'This request was not addressed to ClearDisc on this computer, so it was refused.',
  wrongOrigin: 'This request did not come from the ClearDisc page, so it was refused.',
  notFound: 'There is nothing at this address.',
  noPicker:
    'This browser cannot show a folder picker. Please type the location of the disc or folder instead.',
  badMethod: 'This address does not accept that kind of request.',
  cannotOpen: MESSAGES.cannotOpen,
  busy: 'ClearDisc is still looking at a disc or folder. Please wait for it to finish, then try again.',
  badBody: 'This request was not understood, so it was refused.',
  failed: MESSAGES.failed,
} as const;

const COMMON_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP_HEADER,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** The built renderer is small; more than this means staticDir points somewhere it should not. */
const MAX_STATIC_BYTES = 64 * 1024 * 1024;
const MAX_STATIC_FILES = 2000;

interface StaticFile {
  body: Buffer;
  type: string;
}

/**
 * Reads every regular file under `dir` (no dot-files, no symbolic links) into memory, keyed by its URL path
 * ('/assets/x.js'). Requests are looked up in this map and never joined onto a file-system path.
 */
function loadStatic(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  let total = 0;
  const visit = (abs: string, urlPath: string) => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const child = path.join(abs, e.name);
      const childUrl = `${urlPath}/${e.name}`;
      if (e.isDirectory()) visit(child, childUrl);
      else if (e.isFile()) {
        const body = fs.readFileSync(child);
        total += body.length;
        if (total > MAX_STATIC_BYTES || files.size >= MAX_STATIC_FILES) {
          throw new Error('The page files folder is far larger than a built ClearDisc page.');
        }
        const type = CONTENT_TYPES[path.extname(e.name).toLowerCase()] ?? 'application/octet-stream';
        files.set(childUrl, { body, type });
      }
    }
  };
  visit(dir, '');
  if (!files.has('/index.html')) throw new Error('The page files folder has no index.html.');
  return files;
}

/** Compares without leaking, through timing, how much of a guess was right. */
function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

function bearer(req: http.IncomingMessage): string | null {
  const m = /^Bearer ([\x21-\x7e]+)$/i.exec(req.headers.authorization ?? '');
  return m ? m[1] : null;
}

const API_ROUTES = new Map<string, { method: ClearDiscMethod; verb: 'GET' | 'POST' }>([
  [HTTP_ROUTES.version, { method: 'version', verb: 'GET' }],
  [HTTP_ROUTES.pickSource, { method: 'pickSource', verb: 'POST' }],
  [HTTP_ROUTES.scan, { method: 'scan', verb: 'GET' }],
  [HTTP_ROUTES.getService, { method: 'getService', verb: 'GET' }],
  [HTTP_ROUTES.setService, { method: 'setService', verb: 'POST' }],
  [HTTP_ROUTES.forgetService, { method: 'forgetService', verb: 'POST' }],
  [HTTP_ROUTES.startSend, { method: 'startSend', verb: 'POST' }],
  [HTTP_ROUTES.confirmSend, { method: 'confirmSend', verb: 'POST' }],
  [HTTP_ROUTES.cancelSend, { method: 'cancelSend', verb: 'POST' }],
  [HTTP_ROUTES.sendStatus, { method: 'sendStatus', verb: 'GET' }],
]);

/** The largest JSON body an API call takes (sign-in details, a list of studies). */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Reads a JSON request body. Only `application/json` is taken: a page elsewhere cannot send that type without
 * the browser asking first (CORS preflight), which this server never allows.
 */
async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new PlainError(HTTP_MESSAGES.badBody);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new PlainError(HTTP_MESSAGES.badBody);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new PlainError(HTTP_MESSAGES.badBody);
  }
}

/** The status for a handler's sentence: what the person must fix (400), a clash (409), or our fault (500). */
const BAD_REQUEST = new Set<string>([MESSAGES.badPath, HTTP_MESSAGES.badBody]);
const CONFLICT = new Set<string>([HTTP_MESSAGES.busy, SEND_MESSAGES.busy, SEND_MESSAGES.notInReview]);

function send(
  res: http.ServerResponse,
  status: number,
  type: string,
  body: Buffer | string,
  extra: Record<string, string> = {},
  head = false,
): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': type,
    'Content-Length': String(buf.length),
    ...extra,
  });
  res.end(head ? undefined : buf);
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  value: unknown,
  extra: Record<string, string> = {},
): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), {
    'Cache-Control': 'no-store',
    ...extra,
  });
}

function sendError(
  res: http.ServerResponse,
  status: number,
  message: string,
  extra: Record<string, string> = {},
) {
  sendJson(res, status, { error: message }, extra);
}

function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1';
}

/** Starts the server; resolves once it listens. Throws for a non-loopback host, a short token or no page. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new Error('ClearDisc serves only this computer (127.0.0.1 or ::1).');
  if (
    typeof options.token !== 'string' ||
    options.token.length < 16 ||
    !/^[\x21-\x7e]+$/.test(options.token)
  ) {
    throw new Error('The session token must be at least 16 printable characters.');
  }
  const token = options.token;
  const files = loadStatic(fs.realpathSync(options.staticDir));
  const api = createApiHandlers(options.deps);
  // Filled in once listening: the Host values that name this server.
  let allowedHosts = new Set<string>();
  // One scan at a time: a second one would only slow the disc down.
  let scanning = false;

  const handleApi = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    route: string,
    query: URLSearchParams,
    hostHeader: string,
  ): Promise<void> => {
    // Same origin only. Browsers send Origin on every cross-origin fetch and on same-origin POSTs, and
    // Sec-Fetch-Site on everything; a plain client (curl) sends neither, and still needs the token.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${hostHeader}`) {
      return sendError(res, 403, HTTP_MESSAGES.wrongOrigin);
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return sendError(res, 403, HTTP_MESSAGES.wrongOrigin);

    const given = bearer(req);
    if (given === null || !sameSecret(given, token)) {
      return sendError(res, 401, HTTP_MESSAGES.noToken, { 'WWW-Authenticate': 'Bearer' });
    }

    const known = API_ROUTES.get(route);
    if (!known) return sendError(res, 404, HTTP_MESSAGES.notFound);
    if (req.method !== known.verb) return sendError(res, 405, HTTP_MESSAGES.badMethod, { Allow: known.verb });

    try {
      switch (known.method) {
        case 'version':
          return sendJson(res, 200, { version: await api.version() });
        case 'pickSource':
          if (!options.deps.pickFolder) return sendError(res, 404, HTTP_MESSAGES.noPicker);
          return sendJson(res, 200, { path: await api.pickSource() });
        case 'scan': {
          if (scanning) return sendError(res, 409, HTTP_MESSAGES.busy);
          const paths = query.getAll('path');
          scanning = true;
          try {
            // One path, or none: the shared handler answers a missing one with its "please choose" sentence.
            return sendJson(res, 200, await api.scan(paths.length === 1 ? paths[0] : undefined));
          } finally {
            scanning = false;
          }
        }
        case 'getService':
          return sendJson(res, 200, await api.getService());
        case 'setService':
          return sendJson(res, 200, await api.setService(await readJson(req)));
        case 'forgetService':
          return sendJson(res, 200, await api.forgetService());
        case 'startSend':
          return sendJson(res, 200, await api.startSend(await readJson(req)));
        case 'confirmSend':
          return sendJson(res, 200, await api.confirmSend());
        case 'cancelSend':
          return sendJson(res, 200, await api.cancelSend());
        case 'sendStatus':
          return sendJson(res, 200, { status: await api.sendStatus() });
      }
    } catch (err) {
      // The shared handlers reject only with PlainErrors; anything else becomes the generic sentence.
      const message = err instanceof PlainError ? err.message : HTTP_MESSAGES.failed;
      const status = BAD_REQUEST.has(message)
        ? 400
        : CONFLICT.has(message)
          ? 409
          : message === HTTP_MESSAGES.failed
            ? 500
            : 422;
      return sendError(res, status, message);
    }
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    // DNS rebinding: a page on evil.example that resolves to 127.0.0.1 still sends Host: evil.example.
    const hostHeader = req.headers.host ?? '';
    if (!allowedHosts.has(hostHeader.toLowerCase())) return sendError(res, 403, HTTP_MESSAGES.wrongHost);

    // The raw request path, not a URL parser's normalised one: `/x/../index.html` or `%2e%2e` is never
    // turned into another name, and `//other.host/api/...` is not an API route.
    const raw = req.url ?? '';
    if (!raw.startsWith('/')) return sendError(res, 404, HTTP_MESSAGES.notFound);
    const q = raw.indexOf('?');
    const rawPath = (q < 0 ? raw : raw.slice(0, q)).split('#', 1)[0];
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1).split('#', 1)[0]);

    if (rawPath === '/api' || rawPath.startsWith('/api/')) {
      return handleApi(req, res, rawPath, query, hostHeader.toLowerCase());
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, 405, HTTP_MESSAGES.badMethod, { Allow: 'GET, HEAD' });
    }
    // Only exact names from the start-up list are ever served.
    const file = files.get(rawPath === '/' ? '/index.html' : rawPath);
    // Browsers ask for an icon on their own; "none" is the answer, not an error in the console.
    if (!file && rawPath === '/favicon.ico')
      return send(res, 204, 'image/x-icon', '', { 'Cache-Control': 'no-cache' });
    if (!file) return sendError(res, 404, HTTP_MESSAGES.notFound);
    send(res, 200, file.type, file.body, { 'Cache-Control': 'no-cache' }, req.method === 'HEAD');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, HTTP_MESSAGES.failed);
      else res.destroy();
    });
  });
  // Request bodies are small JSON (see readJson); a slow or huge one is cut off.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.maxHeadersCount = 100;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const base = host === '::1' ? `http://[::1]:${port}/` : `http://127.0.0.1:${port}/`;

  return {
    url: base,
    pageUrl: `${base}?token=${encodeURIComponent(token)}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
