// ClearDiscApi over HTTP, for the page served by `cleardisc serve` (same origin; routes in shared/api.ts).
import { HTTP_ROUTES, type ClearDiscApi } from '../../../shared/api';
import type { ScanSummary } from '../../../shared/scan-types';
import type { SendStatus, ServiceState } from '../../../shared/send-types';

export const UNREACHABLE =
  'ClearDisc is not answering. Check that `cleardisc serve` is still running, then try again.';

/**
 * The page cannot talk to ClearDisc at all (server gone, or the page was opened without its link's token):
 * nothing to do with the disc or folder, so the page must not say the disc could not be read.
 */
export class ConnectionProblem extends Error {
  override name = 'ConnectionProblem';
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

const TOKEN_KEY = 'cleardisc.token';
let pageToken: string | null | undefined;

/**
 * The session token `cleardisc serve` put in the link it printed (`?token=…`). Read once, kept for this tab
 * only (memory and sessionStorage, so a reload still works), and taken out of the address bar so it is not
 * left on screen or in the browser's history. Null when the page was opened without it.
 */
export function sessionToken(): string | null {
  if (pageToken !== undefined) return pageToken;
  pageToken = null;
  if (typeof window === 'undefined') return pageToken;
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  let stored: string | null = null;
  try {
    if (fromUrl) window.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    stored = window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    // Storage switched off: the token lives in memory only, and a reload needs the link again.
  }
  pageToken = fromUrl || stored;
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }
  return pageToken;
}

async function json<T>(res: Response): Promise<T> {
  if (res.ok) return (await res.json()) as T;
  let message = '';
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string') message = body.error;
  } catch {
    // Not JSON: fall through to the generic sentence.
  }
  // 401: no or wrong session token; 403: the request was not the page's own. Neither is about the folder.
  if (!message || res.status === 401 || res.status === 403)
    throw new ConnectionProblem(message || UNREACHABLE);
  throw new Error(message);
}

/**
 * `base` is '' for the same origin; `fetchImpl` is for tests; `token` is sent as `Authorization: Bearer`
 * on every call (the server refuses calls without it).
 */
export function createHttpClient(
  base = '',
  fetchImpl: Fetch = (input, init) => fetch(input, init),
  token: string | null = sessionToken(),
): ClearDiscApi {
  const call = async (route: string, init?: RequestInit): Promise<Response> => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (init?.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      // Same origin, no cookies, no referrer: the token header is the only credential.
      return await fetchImpl(base + route, {
        ...init,
        headers,
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        cache: 'no-store',
      });
    } catch {
      throw new ConnectionProblem(UNREACHABLE);
    }
  };
  return {
    async version() {
      return (await json<{ version: string }>(await call(HTTP_ROUTES.version))).version;
    },
    async pickSource() {
      const res = await call(HTTP_ROUTES.pickSource, { method: 'POST' });
      if (res.status === 404) return null; // this server cannot show a folder picker
      return (await json<{ path: string | null }>(res)).path;
    },
    async scan(path: string) {
      return json<ScanSummary>(await call(`${HTTP_ROUTES.scan}?path=${encodeURIComponent(path)}`));
    },
    async getService() {
      return json<ServiceState>(await call(HTTP_ROUTES.getService));
    },
    async setService(input) {
      return json<ServiceState>(
        await call(HTTP_ROUTES.setService, { method: 'POST', body: JSON.stringify(input) }),
      );
    },
    async forgetService() {
      return json<ServiceState>(await call(HTTP_ROUTES.forgetService, { method: 'POST' }));
    },
    async startSend(request) {
      return json<SendStatus>(
        await call(HTTP_ROUTES.startSend, { method: 'POST', body: JSON.stringify(request) }),
      );
    },
    async confirmSend() {
      return json<SendStatus>(await call(HTTP_ROUTES.confirmSend, { method: 'POST' }));
    },
    async cancelSend() {
      return json<SendStatus>(await call(HTTP_ROUTES.cancelSend, { method: 'POST' }));
    },
    async sendStatus() {
      return (await json<{ status: SendStatus | null }>(await call(HTTP_ROUTES.sendStatus))).status;
    },
  };
}
