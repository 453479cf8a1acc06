// ClearDiscApi over HTTP, for the page served by `cleardisc serve` (same origin; routes in shared/api.ts).
import { HTTP_ROUTES, type ClearDiscApi } from '../../../shared/api';
import type { ScanSummary } from '../../../shared/scan-types';

export const UNREACHABLE =
  'ClearDisc is not answering. Check that `cleardisc serve` is still running, then try again.';

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

async function json<T>(res: Response): Promise<T> {
  if (res.ok) return (await res.json()) as T;
  let message = '';
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string') message = body.error;
  } catch {
    // Not JSON: fall through to the generic sentence.
  }
  throw new Error(message || UNREACHABLE);
}

/** `base` is '' for the same origin; `fetchImpl` is for tests. */
export function createHttpClient(
  base = '',
  fetchImpl: Fetch = (input, init) => fetch(input, init),
): ClearDiscApi {
  const request = async (route: string, init?: RequestInit): Promise<Response> => {
    try {
      return await fetchImpl(base + route, { headers: { Accept: 'application/json' }, ...init });
    } catch {
      throw new Error(UNREACHABLE);
    }
  };
  return {
    async version() {
      return (await json<{ version: string }>(await request(HTTP_ROUTES.version))).version;
    },
    async pickSource() {
      const res = await request(HTTP_ROUTES.pickSource, { method: 'POST' });
      if (res.status === 404) return null; // this server cannot show a folder picker
      return (await json<{ path: string | null }>(res)).path;
    },
    async scan(path: string) {
      return json<ScanSummary>(await request(`${HTTP_ROUTES.scan}?path=${encodeURIComponent(path)}`));
    },
  };
}
