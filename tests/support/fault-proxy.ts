// Test harness: a loopback HTTP reverse proxy in front of a real Orthanc that injects faults into chosen
// requests: reset the connection mid-body, answer 503 / 429 / any status, stall past the client's idle
// timeout, turn a 200 into a 202 (or any status) with some instances in the Failed SOP Sequence, add Warning
// Reasons to stored instances, hold a request back for a while before forwarding it, or silently drop parts.
// It records every request it saw (method, path, the SOP Instance UIDs of each multipart part, whether it
// was chunked), so tests can count what the client really sent.
import http from 'node:http';
import net from 'node:net';

export type Fault =
  /** Read about `afterBytes` of the request body (default: half), then destroy the connection. */
  | { kind: 'reset-mid-body'; afterBytes?: number }
  /** Answer this status without forwarding (the body is read first). */
  | {
      kind: 'status';
      status: number;
      retryAfter?: string;
      body?: string;
      contentType?: string;
      headers?: Record<string, string>;
    }
  /** Stop reading and answering; destroy the connection after `ms` (longer than the client's idle timeout). */
  | { kind: 'stall'; ms: number }
  /**
   * Answer 202 with the given parts (0-based, in request order) in the Failed SOP Sequence. By default those parts
   * are removed before Orthanc sees them (a real partial failure); `forward: true` sends them anyway (the server
   * stored them, but says it did not).
   */
  | {
      kind: 'fail-parts';
      parts: number[];
      failureReason?: number;
      forward?: boolean;
      /** The status of the rewritten answer. Default 202. */
      status?: number;
    }
  /**
   * Forward everything; in Orthanc's answer, give these parts (0-based, in request order) a Warning Reason
   * (0008,1196) in their Referenced SOP Sequence item, answering with `status` (default: Orthanc's own).
   */
  | { kind: 'warn-parts'; parts: number[]; warningReason?: number; status?: number }
  /** Read the whole request, wait `ms`, then forward it as usual (0: a plain pass-through rule). */
  | { kind: 'delay'; ms: number }
  /** Remove these parts before forwarding and pass Orthanc's answer through (it does not mention them). */
  | { kind: 'drop-parts'; parts: number[] }
  /** Forward, then remove these SOP Instance UIDs from a QIDO-RS answer. */
  | { kind: 'hide-instances'; sops: string[] }
  /** Forward, then drop Number of Series Related Instances from a series-level QIDO-RS answer. */
  | { kind: 'no-counts' };

export interface FaultRule {
  /** Which requests count: STOW-RS POSTs, QIDO-RS GETs, or all. */
  on: 'stow' | 'qido' | 'any';
  /** 0-based index among the matching requests; several indexes, or every matching request with 'all'. */
  index: number | number[] | 'all';
  fault: Fault;
}

export interface SeenRequest {
  /** 0-based over all requests. */
  n: number;
  kind: 'stow' | 'qido' | 'other';
  /** 0-based among requests of the same kind. */
  kindIndex: number;
  method: string;
  path: string;
  chunked: boolean;
  contentLength?: number;
  /** The Authorization header the client sent (tests check the scheme). */
  authorization?: string;
  /** SOP Instance UIDs of the parts in the body the client sent (STOW only). */
  sops: string[];
  /** SOP Instance UIDs forwarded to Orthanc (after drops). */
  forwardedSops: string[];
  fault?: Fault['kind'];
  status?: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:port/dicom-web (same path layout as Orthanc). */
  dicomWebUrl: string;
  url: string;
  requests: SeenRequest[];
  setRules(rules: FaultRule[]): void;
  /** Requests of one kind. */
  seen(kind: SeenRequest['kind']): SeenRequest[];
  /** Most requests of one kind that were open at the same time. */
  maxConcurrent(kind: SeenRequest['kind']): number;
  stop(): Promise<void>;
}

interface Part {
  headers: Buffer;
  data: Buffer;
}

/** Splits a multipart/related body; tolerant of a missing preamble CRLF. */
export function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delim = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delim);
  if (pos < 0) return parts;
  for (;;) {
    let start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break; // close delimiter
    start += 2; // CRLF after the boundary line
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), start);
    if (next < 0) break;
    const chunk = body.subarray(start, next);
    const sep = chunk.indexOf('\r\n\r\n');
    parts.push({ headers: chunk.subarray(0, sep), data: chunk.subarray(sep + 4) });
    pos = next + 2;
  }
  return parts;
}

export function buildMultipart(parts: Part[], boundary: string): Buffer {
  const out: Buffer[] = [];
  for (const p of parts)
    out.push(
      Buffer.from(`--${boundary}\r\n`),
      p.headers,
      Buffer.from('\r\n\r\n'),
      p.data,
      Buffer.from('\r\n'),
    );
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

/** SOP Instance UID (0008,0018) of a Part 10 file, explicit or implicit little endian (test files only). */
export function sopOf(data: Buffer): string {
  return uidAt(data, 0x0018) ?? '?';
}

function uidAt(data: Buffer, element: number): string | undefined {
  const needle = Buffer.from([0x08, 0x00, element & 0xff, element >> 8]);
  let i = data.indexOf(needle, 132);
  while (i >= 0) {
    const explicit = data.toString('latin1', i + 4, i + 6) === 'UI';
    const len = explicit ? data.readUInt16LE(i + 6) : data.readUInt32LE(i + 4);
    const at = i + 8;
    if (len > 0 && len <= 64 && at + len <= data.length) {
      const v = data.toString('latin1', at, at + len).replace(/\0+$/, '');
      if (/^[0-9.]+$/.test(v)) return v;
    }
    i = data.indexOf(needle, i + 1);
  }
  return undefined;
}

const FAILED_SEQ = '00081198';
const REFERENCED_SEQ = '00081199';
const WARNING_REASON = '00081196';

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

function forward(
  target: URL,
  req: http.IncomingMessage,
  body: Buffer | undefined,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: target.host };
    delete headers['transfer-encoding'];
    delete headers.connection;
    if (body) headers['content-length'] = String(body.length);
    const r = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

function matches(rule: FaultRule, kind: SeenRequest['kind'], kindIndex: number): boolean {
  if (rule.on !== 'any' && rule.on !== kind) return false;
  if (rule.index === 'all') return true;
  return Array.isArray(rule.index) ? rule.index.includes(kindIndex) : rule.index === kindIndex;
}

/** Starts the proxy on 127.0.0.1 (a free port) in front of `targetOrigin` (e.g. Orthanc's restUrl). */
export async function startFaultProxy(targetOrigin: string, rules: FaultRule[] = []): Promise<FaultProxy> {
  const target = new URL(targetOrigin);
  let current = rules;
  const requests: SeenRequest[] = [];
  const counters = { stow: 0, qido: 0, other: 0 };
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const open = { stow: 0, qido: 0, other: 0 };
  const peak = { stow: 0, qido: 0, other: 0 };

  const server = http.createServer((req, res) => {
    const isStow = req.method === 'POST' && /\/studies\/?$/.test((req.url ?? '').split('?')[0]);
    // Instance listings and the series-level counts asked for first.
    const isQido = req.method === 'GET' && /\/(instances|series)(\?|$)/.test(req.url ?? '');
    const kind: SeenRequest['kind'] = isStow ? 'stow' : isQido ? 'qido' : 'other';
    const seen: SeenRequest = {
      n: requests.length,
      kind,
      kindIndex: counters[kind]++,
      method: req.method ?? '',
      path: req.url ?? '',
      chunked: /chunked/i.test(String(req.headers['transfer-encoding'] ?? '')),
      contentLength: req.headers['content-length'] ? Number(req.headers['content-length']) : undefined,
      authorization: req.headers.authorization,
      sops: [],
      forwardedSops: [],
    };
    requests.push(seen);
    open[kind]++;
    peak[kind] = Math.max(peak[kind], open[kind]);
    let closed = false;
    const done = () => {
      if (!closed) open[kind]--;
      closed = true;
    };
    res.on('close', done);
    req.socket.on('close', done);
    const fault = current.find((r) => matches(r, kind, seen.kindIndex))?.fault;
    seen.fault = fault?.kind;

    if (fault?.kind === 'stall') {
      req.pause();
      const t = setTimeout(() => {
        timers.delete(t);
        req.socket.destroy();
      }, fault.ms);
      timers.add(t);
      return;
    }
    if (fault?.kind === 'reset-mid-body') {
      const limit = fault.afterBytes ?? Math.max(1, Math.floor((seen.contentLength ?? 2) / 2));
      let got = 0;
      req.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= limit) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
      return;
    }

    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        let parts: Part[] = [];
        let boundary = '';
        if (isStow) {
          boundary = /boundary="?([^";]+)"?/i.exec(String(req.headers['content-type'] ?? ''))?.[1] ?? '';
          parts = parseMultipart(body, boundary);
          seen.sops = parts.map((p) => sopOf(p.data));
        }
        if (fault?.kind === 'status') {
          seen.status = fault.status;
          const headers: http.OutgoingHttpHeaders = {
            'content-type': fault.contentType ?? 'application/json',
            ...fault.headers,
          };
          if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
          res.writeHead(fault.status, headers);
          res.end(fault.body ?? JSON.stringify({ Message: `injected ${fault.status}` }));
          return;
        }
        let fwdBody: Buffer | undefined = req.method === 'POST' || req.method === 'PUT' ? body : undefined;
        let failedItems: DicomJson[] = [];
        if (isStow && (fault?.kind === 'drop-parts' || (fault?.kind === 'fail-parts' && !fault.forward))) {
          const drop = new Set(fault.parts);
          fwdBody = buildMultipart(
            parts.filter((_, i) => !drop.has(i)),
            boundary,
          );
          seen.forwardedSops = seen.sops.filter((_, i) => !drop.has(i));
        } else seen.forwardedSops = [...seen.sops];
        if (isStow && fault?.kind === 'fail-parts') {
          failedItems = fault.parts
            .filter((i) => i < parts.length)
            .map((i) => ({
              '00081150': { vr: 'UI', Value: [uidAt(parts[i].data, 0x0016) ?? ''] },
              '00081155': { vr: 'UI', Value: [seen.sops[i]] },
              '00081197': { vr: 'US', Value: [fault.failureReason ?? 0xa700] },
            }));
        }
        if (fault?.kind === 'delay' && fault.ms > 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              timers.delete(t);
              resolve();
            }, fault.ms);
            timers.add(t);
          });
        }
        const up = await forward(target, req, fwdBody);
        let status = up.status;
        let out = up.body;
        if (isStow && fault?.kind === 'fail-parts' && status === 200) {
          const json = JSON.parse(up.body.toString('utf8')) as DicomJson;
          const failedUids = new Set(failedItems.map((f) => f['00081155'].Value![0]));
          const ref = (json[REFERENCED_SEQ]?.Value ?? []) as DicomJson[];
          json[REFERENCED_SEQ] = {
            vr: 'SQ',
            Value: ref.filter((it) => !failedUids.has(String(it['00081155']?.Value?.[0]))),
          };
          json[FAILED_SEQ] = { vr: 'SQ', Value: failedItems };
          status = fault.status ?? 202;
          out = Buffer.from(JSON.stringify(json));
        }
        if (isStow && fault?.kind === 'warn-parts' && status === 200) {
          const json = JSON.parse(up.body.toString('utf8')) as DicomJson;
          const warned = new Set(fault.parts.filter((i) => i < parts.length).map((i) => seen.sops[i]));
          for (const it of (json[REFERENCED_SEQ]?.Value ?? []) as DicomJson[]) {
            if (warned.has(String(it['00081155']?.Value?.[0])))
              it[WARNING_REASON] = { vr: 'US', Value: [fault.warningReason ?? 0xb000] };
          }
          status = fault.status ?? status;
          out = Buffer.from(JSON.stringify(json));
        }
        if (isQido && fault?.kind === 'hide-instances' && status === 200) {
          const hide = new Set(fault.sops);
          const list = JSON.parse(up.body.toString('utf8')) as DicomJson[];
          const series = /\/series(\?|$)/.test(seen.path);
          out = Buffer.from(
            JSON.stringify(
              series
                ? // A series answer cannot tell where the hidden ones were: every series count goes down.
                  list.map((d) => ({
                    ...d,
                    '00201209': { vr: 'IS', Value: [Number(d['00201209']?.Value?.[0]) - hide.size] },
                  }))
                : list.filter((d) => !hide.has(String(d['00080018']?.Value?.[0]))),
            ),
          );
        }
        if (isQido && fault?.kind === 'no-counts' && status === 200) {
          const list = JSON.parse(up.body.toString('utf8')) as DicomJson[];
          out = Buffer.from(JSON.stringify(list.map(({ '00201209': _, ...rest }) => rest)));
        }
        seen.status = status;
        const headers: http.OutgoingHttpHeaders = {};
        if (up.headers['content-type']) headers['content-type'] = up.headers['content-type'];
        res.writeHead(status, headers);
        res.end(out);
      })().catch((err: Error) => {
        seen.status = 502;
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: ${err.message}`);
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    dicomWebUrl: `${url}/dicom-web`,
    requests,
    setRules(r) {
      current = r;
    },
    seen: (kind) => requests.filter((r) => r.kind === kind),
    maxConcurrent: (kind) => peak[kind],
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
