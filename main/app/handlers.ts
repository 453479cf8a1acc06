// The app's API (shared/api.ts) for both hosts: the desktop window reaches it over IPC (main/electron/ipc.ts),
// a browser over HTTP (main/serve/server.ts). Arguments arrive untrusted and are checked here; every rejection
// is a PlainError whose message is one sentence a person can act on, free of paths and patient identity.
import * as path from 'node:path';
import type { ClearDiscApi, ClearDiscMethod } from '../../shared/api';
import { REASONS } from '../../shared/reasons';
import type { ScanSummary } from '../../shared/scan-types';
import { ClearDiscError } from '../core/errors';
import { scan, summarize } from '../core/scan/scan';
import { PlainError, SOMETHING_WENT_WRONG } from './plain-error';
import { createSender, checkSendRequest, SEND_MESSAGES, type SendTaskDeps } from './send-task';
import { createServiceKeeper, type CredentialStore } from './service';

/** What the API needs from its host: the desktop app passes all of it, `cleardisc serve` has no picker. */
export interface ApiDeps {
  /** The app's version (app.getVersion() in Electron). */
  version: () => string;
  /** Shows a native folder picker; null when cancelled. Absent where no picker can be shown (a browser). */
  pickFolder?: () => Promise<string | null>;
  /** Scans a folder; defaults to the core's scan + summarize. */
  scan?: (root: string) => Promise<ScanSummary>;
  /** Where sign-in details may be kept encrypted (the desktop app); absent: for this session only. */
  credentials?: CredentialStore;
  /** For sending: CLEARDISC_HOME, proxies, extra CA certificates. Defaults to process.env. */
  send?: Partial<SendTaskDeps>;
}

/** What a rejected call says: one plain sentence, never a path or anything read from a file. */
export const MESSAGES = {
  untrusted: 'This request did not come from the ClearDisc window, so it was refused.',
  badPath: 'Please choose a folder, or type its full location.',
  /** The scanner's "could not be read" is about one file; for the chosen folder itself a person needs more. */
  cannotOpen:
    'ClearDisc could not open that location. Check that the disc is in the drive and the location is typed exactly, then try again.',
  failed: SOMETHING_WENT_WRONG,
} as const;

async function coreScan(root: string): Promise<ScanSummary> {
  return summarize(await scan(root));
}

/** Turns any failure into a PlainError, safe to show and to log (no paths, no identity). */
export function plainError(err: unknown): PlainError {
  if (err instanceof PlainError) return err;
  if (err instanceof ClearDiscError) return new PlainError(REASONS[err.code]);
  return new PlainError(MESSAGES.failed);
}

/** One function per ClearDiscApi method, taking untrusted arguments (they arrive over IPC or HTTP). */
export type ApiHandlers = { [M in ClearDiscMethod]: (...args: unknown[]) => ReturnType<ClearDiscApi[M]> };

/**
 * The API itself. Who may call is the caller's business (isTrustedSender for IPC; token, Host and Origin for
 * HTTP). Holds the session's state: the review service and the send under way.
 */
export function createApiHandlers(deps: ApiDeps): ApiHandlers {
  const runScan = deps.scan ?? coreScan;
  const pickFolder = deps.pickFolder ?? (async () => null);
  const service = createServiceKeeper(deps.credentials);
  const sender = createSender({ env: process.env, ...deps.send });

  const handlers: ApiHandlers = {
    version: async () => deps.version(),
    pickSource: async () => pickFolder(),
    scan: async (root: unknown) => {
      if (typeof root !== 'string' || root.length === 0 || root.length > 4096 || !path.isAbsolute(root)) {
        throw new PlainError(MESSAGES.badPath);
      }
      try {
        return await runScan(root);
      } catch (err) {
        // The scanner fails as a whole with "unreadable" only when the folder itself cannot be opened.
        if (err instanceof ClearDiscError && err.code === 'unreadable')
          throw new PlainError(MESSAGES.cannotOpen, { cause: err });
        throw err;
      }
    },
    getService: () => service.state(),
    setService: (input: unknown) => service.set(input),
    forgetService: () => service.forget(),
    startSend: async (request: unknown) => {
      const r = checkSendRequest(request);
      if (!path.isAbsolute(r.source)) throw new PlainError(MESSAGES.badPath);
      const credentials = await service.credentials();
      if (!credentials) throw new PlainError(SEND_MESSAGES.noService);
      return sender.start(r, credentials);
    },
    confirmSend: async () => sender.confirm(),
    cancelSend: async () => sender.cancel(),
    sendStatus: async () => sender.status(),
  };

  const safe = <M extends ClearDiscMethod>(method: M): ApiHandlers[M] =>
    (async (...args: unknown[]) => {
      try {
        return await (handlers[method] as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (err) {
        throw plainError(err);
      }
    }) as ApiHandlers[M];

  return Object.fromEntries(
    (Object.keys(handlers) as ClearDiscMethod[]).map((m) => [m, safe(m)]),
  ) as ApiHandlers;
}
