import type { ScanSummary } from './scan-types';
import type { SendRequest, SendStatus, ServiceInput, ServiceState } from './send-types';

/**
 * Everything the renderer may ask of the app. In the desktop app the preload script exposes it as
 * `window.cleardisc` (over IPC); in a browser (`cleardisc serve`) the renderer uses an HTTP client with the
 * same shape. Errors reject with an Error whose message is one plain sentence, free of patient identity.
 */
export interface ClearDiscApi {
  /** The app's version, e.g. "0.1.0". */
  version(): Promise<string>;
  /** Asks the person to choose a disc or folder; null when they cancel (or no picker is available). */
  pickSource(): Promise<string | null>;
  /** Reads the headers of every file under `path` (never writes to it) and summarises what was found. */
  scan(path: string): Promise<ScanSummary>;
  /** The review service set for sending, without its secret, and whether sign-in details can be kept. */
  getService(): Promise<ServiceState>;
  /** Sets the review service (checked: https unless this computer); kept encrypted when `remember`. */
  setService(input: ServiceInput): Promise<ServiceState>;
  /** Forgets the review service and its sign-in details, also from this computer's encrypted store. */
  forgetService(): Promise<ServiceState>;
  /** Starts reading and cleaning the chosen studies; it stops at 'review' until confirmed. One at a time. */
  startSend(request: SendRequest): Promise<SendStatus>;
  /** After the review: send what was prepared. */
  confirmSend(): Promise<SendStatus>;
  /** After the review: send nothing (what was prepared stays on this computer only). */
  cancelSend(): Promise<SendStatus>;
  /** Where the current (or last) send stands; null before the first. */
  sendStatus(): Promise<SendStatus | null>;
}

export type ClearDiscMethod = keyof ClearDiscApi;

/** The IPC channel for each method: the preload and main/electron/ipc.ts both derive names from this. */
export type IpcChannel<M extends ClearDiscMethod = ClearDiscMethod> = `cleardisc:${M}`;

export function ipcChannel<M extends ClearDiscMethod>(method: M): IpcChannel<M> {
  return `cleardisc:${method}`;
}

/**
 * The HTTP routes `cleardisc serve` answers on the same origin as the page, for the browser client
 * (renderer/src/api/http-client.ts). Successful answers are JSON as noted; failures are a non-2xx status
 * with `{ "error": "<one plain sentence>" }`.
 */
export const HTTP_ROUTES = {
  /** GET → `{ "version": string }` */
  version: '/api/version',
  /** POST → `{ "path": string | null }` (404 when the server cannot show a picker) */
  pickSource: '/api/pick-source',
  /** GET ?path=<folder> → ScanSummary */
  scan: '/api/scan',
  /** GET → ServiceState */
  getService: '/api/service',
  /** POST, JSON body ServiceInput → ServiceState */
  setService: '/api/service/set',
  /** POST → ServiceState */
  forgetService: '/api/service/forget',
  /** POST, JSON body SendRequest → SendStatus (409 while another send runs) */
  startSend: '/api/send',
  /** POST → SendStatus (409 unless a send waits for its review) */
  confirmSend: '/api/send/confirm',
  /** POST → SendStatus (409 unless a send waits for its review) */
  cancelSend: '/api/send/cancel',
  /** GET → `{ "status": SendStatus | null }` */
  sendStatus: '/api/send/status',
} as const satisfies Record<ClearDiscMethod, string>;
