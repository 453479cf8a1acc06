// DICOMweb client for the review service: STOW-RS (store) with retry, and QIDO-RS (confirm what it holds).
// Plain node:http/node:https; every side effect (request functions, TLS, clock, sleep, random) is injectable.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { ReasonCode } from '../../../shared/reasons';
import { ContentChangedError, multipartBody, type MultipartBody } from './multipart';
import { bareHost, displayUrl, parseServiceUrl, proxyFor, ServiceUrlError } from './service-url';
import type { InstanceResult } from './types';

export type StowAuth =
  { kind: 'none' } | { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string };

/** One instance to store: where it is and what it must be. */
export interface StowInstance {
  sopInstanceUID: string;
  path: string;
  bytes: number;
  sha256: string;
  /** The bytes themselves when the caller has read and checked them: sent from memory, exactly as checked. */
  data?: Uint8Array;
}

export interface StowTransport {
  httpRequest: typeof http.request;
  httpsRequest: typeof https.request;
  tlsConnect: typeof tls.connect;
  createReadStream?: (file: string, opts: { highWaterMark: number }) => Readable;
  /** DNS lookup override (tests map a name to 127.0.0.1); passed to node:http as `lookup`. */
  lookup?: http.RequestOptions['lookup'];
}

export interface StowClientOptions {
  /** DICOMweb base, e.g. https://review.example.org/dicom-web (no credentials). */
  baseUrl: string;
  auth?: StowAuth;
  /** Extra trusted CA certificates (PEM), in addition to Node's built-in roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Abort a request after this long with no bytes moving either way. Default 60 s. Never a whole-request limit. */
  idleTimeoutMs?: number;
  /** Tries per batch / QIDO page, the first included. Default 6. */
  maxAttempts?: number;
  /** Backoff: full jitter over min(maxDelayMs, baseDelayMs·2^(n-1)). Defaults 1 s and 60 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest Retry-After honoured; longer ones are cut to this. Default 5 min. */
  maxRetryAfterMs?: number;
  /** QIDO page size (limit). Default 1000. */
  qidoPageSize?: number;
  /** Environment for HTTPS_PROXY / HTTP_PROXY / NO_PROXY. Default: none (no proxy). */
  env?: Record<string, string | undefined>;
  userAgent?: string;
  transport?: Partial<StowTransport>;
  sleep?: (ms: number) => Promise<void>;
  /** [0, 1), for jitter and the multipart boundary. */
  random?: () => number;
  now?: () => number;
  /** Multipart boundary source (default crypto.randomBytes). */
  randomBytes?: (n: number) => Buffer;
}

/** A problem no retry can fix (credentials, wrong address, certificate): the whole upload stops. */
export class StowFatalError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'StowFatalError';
  }
}

/** A transient transport failure (connection reset/refused, idle timeout, proxy hiccup). */
export class StowNetworkError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StowNetworkError';
  }
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface BatchHooks {
  /** Before each POST, with the instances it carries (a retry carries only the unconfirmed ones). */
  onAttempt?(instances: readonly StowInstance[], attempt: number): void | Promise<void>;
  /** After each POST, with the instances it settled (stored or failed for good). */
  onSettled?(results: readonly InstanceResult[]): void | Promise<void>;
  /** Body bytes handed to the connection (for progress). */
  onBytes?(n: number): void;
  /** Before sleeping for a retry. */
  onRetry?(info: { attempt: number; delayMs: number; cause: string }): void;
  signal?: AbortSignal;
}

// PS3.18 DICOM JSON tags of a STOW-RS response (Table 10.5.3-1 / 10.5.3-2).
const TAG = {
  retrieveUrl: '00081190',
  failedSeq: '00081198',
  referencedSeq: '00081199',
  sopInstanceUid: '00081155',
  failureReason: '00081197',
  warningReason: '00081196',
  qidoSopInstanceUid: '00080018',
  seriesInstanceUid: '0020000E',
  numberOfSeriesRelatedInstances: '00201209',
} as const;

type DicomJson = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

const FAILURE_TEXT: Record<number, string> = {
  0x0110: 'processing failure',
  0x0111: 'duplicate SOP instance',
  0x0122: 'SOP class not supported',
  0x0124: 'not authorized',
  0xa700: 'out of resources',
  0xa900: 'data set does not match SOP class',
  0xc000: 'cannot understand',
  0xc122: 'transfer syntax not supported',
};

export function describeFailureReason(code: number): string {
  const hex = `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const text =
    FAILURE_TEXT[code] ??
    ((code & 0xff00) === 0xa700
      ? 'out of resources'
      : (code & 0xff00) === 0xa900
        ? 'data set does not match SOP class'
        : (code & 0xf000) === 0xc000
          ? 'cannot understand'
          : 'failure');
  return `${hex} ${text}`;
}

/** Out of resources (A7xx) is the one per-instance failure worth another try. */
export function isRetryableFailureReason(code: number | undefined): boolean {
  return code !== undefined && (code & 0xff00) === 0xa700;
}

const DUPLICATE_SOP_INSTANCE = 0x0111;

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const date = Date.parse(t);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base·2^(failures-1))]. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}

function firstString(el: { Value?: unknown[] } | undefined): string | undefined {
  const v = el?.Value?.[0];
  return typeof v === 'string' ? v : undefined;
}

function numbers(el: { Value?: unknown[] } | undefined): number[] {
  return (el?.Value ?? []).filter((x): x is number => typeof x === 'number');
}

function items(json: DicomJson, tag: string): DicomJson[] {
  const v = json[tag]?.Value;
  return Array.isArray(v) ? v.filter((x): x is DicomJson => typeof x === 'object' && x !== null) : [];
}

export interface StowResponseSummary {
  stored: Map<string, { retrieveUrl?: string; warnings?: number[] }>;
  failed: Map<string, { failureReason?: number }>;
}

/** Reads a PS3.18 STOW-RS response body; undefined when it is not DICOM JSON. */
export function parseStowResponse(body: Buffer): StowResponseSummary | undefined {
  if (body.length === 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  // Some servers wrap the data set in a one-element array.
  if (Array.isArray(json) && json.length === 1) json = json[0];
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const ds = json as DicomJson;
  if (!(TAG.referencedSeq in ds) && !(TAG.failedSeq in ds)) return undefined;
  const stored = new Map<string, { retrieveUrl?: string; warnings?: number[] }>();
  const failed = new Map<string, { failureReason?: number }>();
  for (const it of items(ds, TAG.referencedSeq)) {
    const uid = firstString(it[TAG.sopInstanceUid]);
    if (!uid) continue;
    const warnings = numbers(it[TAG.warningReason]);
    stored.set(uid, {
      retrieveUrl: firstString(it[TAG.retrieveUrl]),
      warnings: warnings.length ? warnings : undefined,
    });
  }
  for (const it of items(ds, TAG.failedSeq)) {
    const uid = firstString(it[TAG.sopInstanceUid]);
    if (!uid) continue;
    failed.set(uid, { failureReason: numbers(it[TAG.failureReason])[0] });
  }
  return { stored, failed };
}

/** A short, printable summary of a non-DICOM error body (Orthanc's {"Message","Details"} or plain text). */
export function serverMessage(body: Buffer): string {
  const text = body.toString('utf8');
  let out = text;
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const parts = [j.Message, j.Details, j.message, j.error].filter(
      (x): x is string => typeof x === 'string',
    );
    if (parts.length) out = parts.join(': ');
  } catch {
    // not JSON
  }
  out = out
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return out.length > 200 ? `${out.slice(0, 200)}…` : out;
}

const FATAL_STATUSES = new Set([401, 403, 404, 405, 407]);
const FATAL_TLS = /CERT|SELF_SIGNED|ERR_TLS|ERR_SSL|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

function fatalStatusMessage(status: number, what: string): string {
  switch (status) {
    case 401:
      return `The review service did not accept the credentials (HTTP 401) for ${what}. Check CLEARDISC_USER/CLEARDISC_PASSWORD or the token.`;
    case 403:
      return `The review service refused access (HTTP 403) for ${what}.`;
    case 404:
    case 405:
      return `The review service address does not look like a DICOMweb endpoint (HTTP ${status} for ${what}); check the URL.`;
    default:
      return `The proxy refused the connection (HTTP ${status}); check the proxy credentials.`;
  }
}

interface AttemptOutcome {
  settled: InstanceResult[];
  remaining: StowInstance[];
  retryable: boolean;
  retryAfterMs?: number;
  cause: { reason: ReasonCode; detail: string };
}

/**
 * The PEM file Node added to its trust store at start-up (NODE_EXTRA_CA_CERTS). Unreadable: nothing added
 * here, as Node itself did (it warned at start-up).
 */
function nodeExtraCerts(env: Record<string, string | undefined>): Buffer[] {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return [fs.readFileSync(file)];
  } catch {
    return [];
  }
}

export class StowClient {
  readonly base: URL;
  /** The base URL as it may be shown or written into a receipt. */
  readonly serviceUrl: string;
  private readonly o: Required<
    Pick<
      StowClientOptions,
      | 'idleTimeoutMs'
      | 'maxAttempts'
      | 'baseDelayMs'
      | 'maxDelayMs'
      | 'maxRetryAfterMs'
      | 'qidoPageSize'
      | 'userAgent'
    >
  >;
  private readonly auth: StowAuth;
  private readonly ca?: Array<string | Buffer>;
  private readonly env: Record<string, string | undefined>;
  private readonly t: StowTransport;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly randomBytes?: (n: number) => Buffer;
  /** Number of HTTP requests started (STOW and QIDO), for tests and diagnostics. */
  requests = 0;

  constructor(opts: StowClientOptions) {
    this.base = parseServiceUrl(opts.baseUrl);
    this.serviceUrl = displayUrl(this.base);
    this.o = {
      idleTimeoutMs: opts.idleTimeoutMs ?? 60_000,
      maxAttempts: Math.max(1, opts.maxAttempts ?? 6),
      baseDelayMs: opts.baseDelayMs ?? 1000,
      maxDelayMs: opts.maxDelayMs ?? 60_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 300_000,
      qidoPageSize: Math.max(1, opts.qidoPageSize ?? 1000),
      userAgent: opts.userAgent ?? 'ClearDisc/0.1.0',
    };
    this.auth = opts.auth ?? { kind: 'none' };
    if (this.auth.kind === 'basic' && this.auth.user.includes(':')) {
      throw new ServiceUrlError('A Basic-auth user name cannot contain ":".');
    }
    if (opts.ca !== undefined) {
      const extra = Array.isArray(opts.ca) ? opts.ca : [opts.ca];
      // Giving `ca` replaces Node's default list, which also holds NODE_EXTRA_CA_CERTS: keep those too.
      this.ca = [...tls.rootCertificates, ...nodeExtraCerts(opts.env ?? {}), ...extra];
    }
    this.env = opts.env ?? {};
    this.t = {
      httpRequest: opts.transport?.httpRequest ?? http.request,
      httpsRequest: opts.transport?.httpsRequest ?? https.request,
      tlsConnect: opts.transport?.tlsConnect ?? tls.connect,
      createReadStream: opts.transport?.createReadStream,
      lookup: opts.transport?.lookup,
    };
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.randomBytes = opts.randomBytes;
    // Fail now, not at the first request, on a malformed proxy setting.
    proxyFor(this.base, this.env);
  }

  private authHeader(): Record<string, string> {
    switch (this.auth.kind) {
      case 'basic':
        return {
          Authorization: 'Basic ' + Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64'),
        };
      case 'bearer':
        return { Authorization: `Bearer ${this.auth.token}` };
      default:
        return {};
    }
  }

  private url(pathAndQuery: string): URL {
    return new URL(this.base.href.replace(/\/+$/, '') + pathAndQuery);
  }

  /**
   * Stores a batch: POST {base}/studies. Retries network failures, 5xx, 408 and 429 (Retry-After honoured)
   * with backoff, re-sending only the instances the server has not confirmed. Resolves with one result per
   * instance; throws StowFatalError when no retry can help (credentials, wrong address, certificate).
   */
  async storeBatch(instances: readonly StowInstance[], hooks: BatchHooks = {}): Promise<InstanceResult[]> {
    const results = new Map<string, InstanceResult>();
    let pending = [...instances];
    let failures = 0;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (hooks.signal?.aborted) throw abortError();
      await hooks.onAttempt?.(pending, attempt);
      const outcome = await this.attempt(pending, attempt, hooks);
      for (const r of outcome.settled) results.set(r.sopInstanceUID, r);
      pending = outcome.remaining;
      const giveUp = pending.length > 0 && (!outcome.retryable || attempt >= this.o.maxAttempts);
      if (giveUp) {
        for (const p of pending) {
          const r: InstanceResult = {
            sopInstanceUID: p.sopInstanceUID,
            state: 'failed',
            attempt,
            reason: outcome.cause.reason,
            detail: outcome.retryable
              ? `${outcome.cause.detail} (gave up after ${attempt} attempts)`
              : outcome.cause.detail,
          };
          outcome.settled.push(r);
          results.set(p.sopInstanceUID, r);
        }
        pending = [];
      }
      await hooks.onSettled?.(outcome.settled);
      if (pending.length === 0) break;
      let delay: number;
      if (outcome.retryAfterMs !== undefined) {
        delay = Math.min(outcome.retryAfterMs, this.o.maxRetryAfterMs);
      } else {
        failures++;
        delay = backoffDelay(failures, this.o.baseDelayMs, this.o.maxDelayMs, this.random);
      }
      hooks.onRetry?.({ attempt, delayMs: delay, cause: outcome.cause.detail });
      if (delay > 0) await this.sleep(delay);
    }
    return instances.map((i) => results.get(i.sopInstanceUID)!);
  }

  private async attempt(
    pending: StowInstance[],
    attempt: number,
    hooks: BatchHooks,
  ): Promise<AttemptOutcome> {
    const body = multipartBody(
      pending.map((p) => ({ path: p.path, bytes: p.bytes, sha256: p.sha256, data: p.data })),
      {
        randomBytes: this.randomBytes,
        createReadStream: this.t.createReadStream,
      },
    );
    let res: HttpResponse;
    try {
      res = await this.exchange({
        method: 'POST',
        url: this.url('/studies'),
        headers: { 'Content-Type': body.contentType, Accept: 'application/dicom+json' },
        body,
        onBytes: hooks.onBytes,
        signal: hooks.signal,
      });
    } catch (err) {
      if (err instanceof ContentChangedError) {
        // The changed file is failed; the request was dropped before its part completed; the rest go again.
        const changed = pending[err.index];
        return {
          settled: [
            {
              sopInstanceUID: changed.sopInstanceUID,
              state: 'failed',
              attempt,
              reason: 'verify-failed',
              detail: `file changed on disk while sending (${err.kind})`,
            },
          ],
          remaining: pending.filter((p) => p !== changed),
          retryable: true,
          retryAfterMs: 0,
          cause: { reason: 'verify-failed', detail: err.message },
        };
      }
      if (err instanceof StowNetworkError) {
        return {
          settled: [],
          remaining: pending,
          retryable: true,
          cause: { reason: 'network-failed', detail: err.message },
        };
      }
      throw err;
    }
    return this.interpret(res, pending, attempt);
  }

  private interpret(res: HttpResponse, pending: StowInstance[], attempt: number): AttemptOutcome {
    const { status } = res;
    const parsed = parseStowResponse(res.body);
    if (FATAL_STATUSES.has(status) && !(parsed && parsed.stored.size > 0)) {
      throw new StowFatalError(fatalStatusMessage(status, 'storing images'), status);
    }
    if (status >= 300 && status < 400) throw redirectError(status, res.headers.location);
    const settled: InstanceResult[] = [];
    const remaining: StowInstance[] = [];
    const ok = status >= 200 && status < 300;
    const statusText = `HTTP ${status}${http.STATUS_CODES[status] ? ` ${http.STATUS_CODES[status]}` : ''}`;
    const message = parsed ? '' : serverMessage(res.body);
    const httpDetail = message ? `${statusText}: ${message}` : statusText;
    let retryableLeft = false;
    for (const p of pending) {
      const stored = parsed?.stored.get(p.sopInstanceUID);
      const failed = parsed?.failed.get(p.sopInstanceUID);
      if (stored) {
        settled.push({
          sopInstanceUID: p.sopInstanceUID,
          state: 'stored',
          attempt,
          ...stored,
          referenced: true,
        });
      } else if (failed?.failureReason === DUPLICATE_SOP_INSTANCE) {
        // "Already stored": the server has this SOP Instance UID; QIDO confirms it at the end.
        settled.push({
          sopInstanceUID: p.sopInstanceUID,
          state: 'stored',
          attempt,
          warnings: [DUPLICATE_SOP_INSTANCE],
        });
      } else if (failed && !isRetryableFailureReason(failed.failureReason)) {
        const code = failed.failureReason;
        settled.push({
          sopInstanceUID: p.sopInstanceUID,
          state: 'failed',
          attempt,
          reason: 'server-rejected',
          detail: `${statusText}, failure reason ${code === undefined ? 'not given' : describeFailureReason(code)}`,
        });
      } else if (failed || isRetryableStatus(status)) {
        remaining.push(p);
        retryableLeft = true;
      } else if (ok) {
        if (!parsed && status !== 202) {
          // 2xx with no DICOM JSON: the server said yes without detail; QIDO confirms at the end.
          settled.push({ sopInstanceUID: p.sopInstanceUID, state: 'stored', attempt });
        } else {
          // Not mentioned in the response (e.g. a part the server never saw): send it again.
          remaining.push(p);
          retryableLeft = true;
        }
      } else {
        settled.push({
          sopInstanceUID: p.sopInstanceUID,
          state: 'failed',
          attempt,
          reason: 'server-rejected',
          detail: httpDetail,
        });
      }
    }
    const retryAfterMs =
      status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after'], this.now()) : undefined;
    const detail = ok
      ? `${statusText}: ${remaining.length} instance(s) not confirmed by the server`
      : httpDetail;
    return {
      settled,
      remaining,
      retryable: retryableLeft,
      retryAfterMs,
      cause: { reason: isRetryableStatus(status) || ok ? 'network-failed' : 'server-rejected', detail },
    };
  }

  /**
   * QIDO-RS: the SOP Instance UIDs the server holds for one study (GET {base}/studies/{uid}/instances),
   * following limit/offset pages until an empty or repeated page, or until every UID in `looking` has been
   * seen (a server may cap a page below our limit, so a short page alone does not mean the last one).
   */
  async listStudyInstances(
    studyInstanceUID: string,
    signal?: AbortSignal,
    looking?: ReadonlySet<string>,
  ): Promise<string[]> {
    const seen = new Set<string>();
    const limit = this.o.qidoPageSize;
    for (let offset = 0; ;) {
      const page = await this.qidoPage(studyInstanceUID, limit, offset, signal);
      let fresh = 0;
      for (const uid of page) {
        if (!seen.has(uid)) {
          seen.add(uid);
          fresh++;
        }
      }
      // An empty page ends it; so does a server that ignores offset and repeats itself.
      if (page.length === 0 || fresh === 0) break;
      // Everything asked about is there: another page (often a full re-query on the server) tells nothing.
      if (looking?.size && [...looking].every((u) => seen.has(u))) break;
      offset += page.length;
    }
    return [...seen];
  }

  private async qidoPage(
    study: string,
    limit: number,
    offset: number,
    signal?: AbortSignal,
  ): Promise<string[]> {
    const answer = await this.qido(
      `/studies/${encodeURIComponent(study)}/instances?limit=${limit}&offset=${offset}`,
      signal,
    );
    return answer.map((ds) => firstString(ds[TAG.qidoSopInstanceUid])).filter((x): x is string => Boolean(x));
  }

  /**
   * How many instances the server holds in each series of a study (QIDO-RS series level, Number of Series
   * Related Instances), or undefined when it does not say for every series. One short answer per study,
   * where listing instances makes some servers (Orthanc) open every stored file.
   */
  async seriesInstanceCounts(study: string, signal?: AbortSignal): Promise<Map<string, number> | undefined> {
    const answer = await this.qido(
      `/studies/${encodeURIComponent(study)}/series?includefield=${TAG.numberOfSeriesRelatedInstances}`,
      signal,
    );
    const counts = new Map<string, number>();
    for (const ds of answer) {
      const series = firstString(ds[TAG.seriesInstanceUid] ?? ds[TAG.seriesInstanceUid.toLowerCase()]);
      const n = Number(ds[TAG.numberOfSeriesRelatedInstances]?.Value?.[0]);
      if (!series || !Number.isSafeInteger(n) || n < 0) return undefined;
      counts.set(series, (counts.get(series) ?? 0) + n);
    }
    return counts;
  }

  /** A QIDO-RS query (GET, DICOM JSON) with retries; no match is an empty list. */
  private async qido(pathAndQuery: string, signal?: AbortSignal): Promise<DicomJson[]> {
    const url = this.url(pathAndQuery);
    let failures = 0;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortError();
      let cause: string;
      let retryAfterMs: number | undefined;
      try {
        const res = await this.exchange({
          method: 'GET',
          url,
          headers: { Accept: 'application/dicom+json' },
          signal,
        });
        if (res.status === 204 || res.status === 404) return [];
        if (res.status >= 300 && res.status < 400) throw redirectError(res.status, res.headers.location);
        if (res.status === 200) {
          const text = res.body.toString('utf8').trim();
          if (!text) return [];
          const json = JSON.parse(text) as unknown;
          if (!Array.isArray(json)) throw new Error('QIDO-RS answer is not a JSON array');
          return json as DicomJson[];
        }
        if (FATAL_STATUSES.has(res.status))
          throw new StowFatalError(fatalStatusMessage(res.status, 'checking stored images'), res.status);
        if (!isRetryableStatus(res.status)) {
          throw new Error(`QIDO-RS query failed: HTTP ${res.status} ${serverMessage(res.body)}`.trim());
        }
        cause = `HTTP ${res.status}`;
        if (res.status === 429 || res.status === 503)
          retryAfterMs = parseRetryAfter(res.headers['retry-after'], this.now());
      } catch (err) {
        if (!(err instanceof StowNetworkError)) throw err;
        cause = err.message;
      }
      if (attempt >= this.o.maxAttempts) throw new StowNetworkError(`QIDO-RS query kept failing: ${cause}`);
      let delay: number;
      if (retryAfterMs !== undefined) delay = Math.min(retryAfterMs, this.o.maxRetryAfterMs);
      else delay = backoffDelay(++failures, this.o.baseDelayMs, this.o.maxDelayMs, this.random);
      if (delay > 0) await this.sleep(delay);
    }
  }

  /** One HTTP exchange with the idle watchdog; resolves with the whole (bounded) response. */
  private exchange(req: {
    method: string;
    url: URL;
    headers: Record<string, string>;
    body?: MultipartBody;
    onBytes?: (n: number) => void;
    signal?: AbortSignal;
    maxResponseBytes?: number;
  }): Promise<HttpResponse> {
    this.requests++;
    const maxResponseBytes = req.maxResponseBytes ?? 64 * 1024 * 1024;
    const idleMs = this.o.idleTimeoutMs;
    const headers: Record<string, string> = {
      'User-Agent': this.o.userAgent,
      ...req.headers,
      ...this.authHeader(),
    };
    if (req.body) headers['Content-Length'] = String(req.body.contentLength);

    return new Promise<HttpResponse>((resolve, reject) => {
      let done = false;
      let last = Date.now();
      let timer: NodeJS.Timeout | undefined;
      let clientReq: http.ClientRequest | undefined;
      let tunnelReq: http.ClientRequest | undefined;
      let tunnelSocket: Duplex | undefined;
      const touch = () => {
        last = Date.now();
      };
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
      };
      const finish = (err: Error | null, res?: HttpResponse) => {
        if (done) return;
        done = true;
        cleanup();
        clientReq?.destroy();
        tunnelReq?.destroy();
        tunnelSocket?.destroy();
        if (err) reject(err);
        else resolve(res!);
      };
      const check = () => {
        const idle = Date.now() - last;
        if (idle >= idleMs) {
          finish(
            new StowNetworkError(
              `no data moved for ${Math.round(idleMs / 1000)} s (idle timeout)`,
              'ETIMEDOUT',
            ),
          );
        } else timer = setTimeout(check, idleMs - idle);
      };
      const onAbort = () => finish(abortError());
      if (req.signal?.aborted) return finish(abortError());
      req.signal?.addEventListener('abort', onAbort);
      timer = setTimeout(check, idleMs);

      const asNetwork = (e: Error): Error => {
        if (e instanceof ContentChangedError || e instanceof StowFatalError || e instanceof StowNetworkError)
          return e;
        const code = (e as NodeJS.ErrnoException).code;
        if (code && FATAL_TLS.test(code)) {
          return new StowFatalError(`The review service's certificate was not accepted (${code}).`);
        }
        return new StowNetworkError(`${code ?? 'network error'}: ${e.message}`, code);
      };

      const target = req.url;
      const isHttps = target.protocol === 'https:';
      const host = bareHost(target);
      const port = Number(target.port || (isHttps ? 443 : 80));

      const start = (createConnection?: () => Duplex) => {
        if (done) return;
        const options: https.RequestOptions = {
          method: req.method,
          host,
          port,
          path: target.pathname + target.search,
          headers: { Host: target.host, ...headers },
          // No keep-alive pool: a socket never outlives its request (and a stale one is never reused).
          agent: createConnection ? undefined : false,
          lookup: this.t.lookup,
        };
        let fn: typeof http.request;
        if (createConnection) {
          options.createConnection = createConnection as unknown as http.RequestOptions['createConnection'];
          fn = this.t.httpRequest;
        } else if (isHttps) {
          if (this.ca) options.ca = this.ca;
          options.servername = net_isIP(host) ? undefined : host;
          fn = this.t.httpsRequest as unknown as typeof http.request;
        } else {
          fn = this.t.httpRequest;
        }
        let cr: http.ClientRequest;
        try {
          cr = fn(options);
        } catch (e) {
          return finish(asNetwork(e as Error));
        }
        clientReq = cr;
        let responseStarted = false;
        cr.on('socket', (s) => {
          touch();
          s.on('connect', touch);
          s.on('secureConnect', touch);
          s.on('data', touch);
        });
        cr.on('response', (res) => {
          responseStarted = true;
          touch();
          const chunks: Buffer[] = [];
          let n = 0;
          let ended = false;
          res.on('data', (c: Buffer) => {
            touch();
            n += c.length;
            if (n > maxResponseBytes) return finish(new StowNetworkError('response too large'));
            chunks.push(c);
          });
          res.on('end', () => {
            ended = true;
            finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
          });
          res.on('error', (e) => finish(asNetwork(e)));
          res.on('close', () => {
            if (!ended)
              finish(new StowNetworkError('connection closed before the whole answer arrived', 'ECONNRESET'));
          });
        });
        cr.on('error', (e) => {
          // An early answer (e.g. 413) may close the connection under our upload: the answer decides.
          if (responseStarted && !(e instanceof ContentChangedError)) return;
          finish(asNetwork(e));
        });
        if (req.body) {
          const stream = req.body.open((n) => {
            touch();
            req.onBytes?.(n);
          });
          pipeline(stream, cr, (err) => {
            if (err instanceof ContentChangedError) finish(err);
          });
        } else cr.end();
      };

      const proxy = proxyFor(target, this.env);
      if (!proxy) return start();
      if (!isHttps) {
        // Plain http only ever reaches loopback (parseServiceUrl), which never uses a proxy.
        return finish(new StowFatalError('Refusing to send unencrypted http:// through a proxy.'));
      }
      // HTTPS through a proxy: CONNECT tunnel, then TLS end-to-end with the review service.
      const proxyHttps = proxy.protocol === 'https:';
      const proxyHeaders: Record<string, string> = {
        Host: `${host.includes(':') ? `[${host}]` : host}:${port}`,
      };
      if (proxy.username || proxy.password) {
        const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
        proxyHeaders['Proxy-Authorization'] = 'Basic ' + Buffer.from(cred).toString('base64');
      }
      const connectFn = (proxyHttps ? this.t.httpsRequest : this.t.httpRequest) as typeof http.request;
      try {
        tunnelReq = connectFn({
          method: 'CONNECT',
          host: bareHost(proxy),
          port: Number(proxy.port || (proxyHttps ? 443 : 80)),
          path: proxyHeaders.Host,
          headers: proxyHeaders,
          agent: false,
          lookup: this.t.lookup,
          ...(proxyHttps && this.ca ? { ca: this.ca } : {}),
        });
      } catch (e) {
        return finish(asNetwork(e as Error));
      }
      tunnelReq.on('socket', touch);
      tunnelReq.on('error', (e) => finish(asNetwork(e)));
      tunnelReq.on('response', (res) => {
        // A proxy that answers CONNECT with a normal response refused the tunnel.
        res.resume();
        const status = res.statusCode ?? 0;
        finish(
          status === 407
            ? new StowFatalError(fatalStatusMessage(407, 'the proxy'), 407)
            : new StowNetworkError(`proxy refused the tunnel (HTTP ${status})`),
        );
      });
      tunnelReq.on('connect', (res, socket) => {
        touch();
        tunnelSocket = socket;
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          return finish(
            status === 407
              ? new StowFatalError(fatalStatusMessage(407, 'the proxy'), 407)
              : new StowNetworkError(`proxy refused the tunnel (HTTP ${status})`),
          );
        }
        const tlsSocket = this.t.tlsConnect({
          socket: socket as unknown as import('node:net').Socket,
          servername: net_isIP(host) ? undefined : host,
          ca: this.ca,
          ALPNProtocols: ['http/1.1'],
        });
        tlsSocket.on('error', (e) => finish(asNetwork(e)));
        start(() => tlsSocket);
      });
      tunnelReq.end();
    });
  }
}

/** Redirects are not followed (credentials would go with them): the user should use the final address. */
function redirectError(status: number, location: string | undefined): StowFatalError {
  let where = '';
  try {
    if (location) where = ` to ${displayUrl(new URL(location))}`;
  } catch {
    // unreadable Location
  }
  return new StowFatalError(
    `The review service redirected (HTTP ${status})${where}; give that address with --to instead.`,
    status,
  );
}

function net_isIP(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}

function abortError(): Error {
  const e = new Error('The upload was cancelled.');
  e.name = 'AbortError';
  return e;
}
