import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  backoffDelay,
  describeFailureReason,
  isRetryableStatus,
  parseRetryAfter,
  parseStowResponse,
  serverMessage,
  StowClient,
} from '../../../main/core/upload/stow-client';
import {
  displayUrl,
  isLoopbackHost,
  matchesNoProxy,
  parseServiceUrl,
  proxyFor,
  ServiceUrlError,
} from '../../../main/core/upload/service-url';
import { planBatches } from '../../../main/core/upload/upload-job';

describe('service URL rules', () => {
  it('knows loopback hosts', () => {
    for (const h of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
      '0:0:0:0:0:0:0:1',
    ]) {
      expect([h, isLoopbackHost(h)]).toEqual([h, true]);
    }
    for (const h of [
      '128.0.0.1',
      '10.0.0.1',
      'example.org',
      'localhost.example.org',
      '::2',
      '::ffff:10.0.0.1',
    ]) {
      expect([h, isLoopbackHost(h)]).toEqual([h, false]);
    }
  });

  it('requires HTTPS except to loopback, and refuses credentials, query or fragment in the URL', () => {
    expect(parseServiceUrl('https://review.example.org/dicom-web/').href).toBe(
      'https://review.example.org/dicom-web',
    );
    expect(parseServiceUrl('http://127.0.0.1:8042/dicom-web').href).toBe('http://127.0.0.1:8042/dicom-web');
    expect(parseServiceUrl('http://[::1]:8042/x').host).toBe('[::1]:8042');
    expect(parseServiceUrl('http://localhost/x').hostname).toBe('localhost');
    expect(() => parseServiceUrl('http://review.example.org/dicom-web')).toThrow(
      /unencrypted http:\/\/ to review\.example\.org/,
    );
    expect(() => parseServiceUrl('http://10.0.0.5/dicom-web')).toThrow(ServiceUrlError);
    expect(() => parseServiceUrl('https://user:secret@review.example.org/')).toThrow(
      /must not contain a user name or password/,
    );
    expect(() => parseServiceUrl('https://review.example.org/?token=abc')).toThrow(/query/);
    expect(() => parseServiceUrl('ftp://review.example.org/')).toThrow(/https/);
    expect(() => parseServiceUrl('not a url')).toThrow(/not a valid URL/);
    expect(() => new StowClient({ baseUrl: 'http://192.168.1.10/dicom-web' })).toThrow(ServiceUrlError);
    expect(displayUrl('https://u:p@h.example/x/?q=1#f')).toBe('https://h.example/x');
  });

  it('chooses a proxy from HTTPS_PROXY / NO_PROXY, never for loopback', () => {
    const target = new URL('https://review.example.org/dicom-web');
    expect(proxyFor(target, {})).toBeUndefined();
    expect(proxyFor(target, { HTTPS_PROXY: 'http://proxy:3128' })?.href).toBe('http://proxy:3128/');
    expect(proxyFor(target, { https_proxy: 'proxy.corp:8080' })?.host).toBe('proxy.corp:8080');
    expect(proxyFor(target, { HTTP_PROXY: 'http://proxy:3128' })).toBeUndefined(); // not for https targets
    expect(proxyFor(target, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'example.org' })).toBeUndefined();
    expect(proxyFor(target, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '.example.org' })).toBeUndefined();
    expect(proxyFor(target, { HTTPS_PROXY: 'http://proxy:3128', no_proxy: '*' })).toBeUndefined();
    expect(
      proxyFor(target, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'other.org,ample.org' })?.host,
    ).toBe('proxy:3128');
    expect(proxyFor(new URL('https://127.0.0.1:9/x'), { HTTPS_PROXY: 'http://proxy:3128' })).toBeUndefined();
    expect(proxyFor(new URL('http://localhost:9/x'), { HTTP_PROXY: 'http://proxy:3128' })).toBeUndefined();
    expect(() => proxyFor(target, { HTTPS_PROXY: 'socks5://proxy:1080' })).toThrow(/Unsupported proxy/);
    expect(matchesNoProxy('10.1.2.3', '443', '10.0.0.0/8')).toBe(true);
    expect(matchesNoProxy('11.1.2.3', '443', '10.0.0.0/8')).toBe(false);
    expect(matchesNoProxy('review.example.org', '443', 'review.example.org:443')).toBe(true);
    expect(matchesNoProxy('review.example.org', '8443', 'review.example.org:443')).toBe(false);
  });
});

describe('STOW-RS response and retry helpers', () => {
  it('reads Referenced and Failed SOP Sequences with retrieve URLs, warnings and failure reasons', () => {
    const body = Buffer.from(
      JSON.stringify({
        '00081190': { vr: 'UR', Value: ['http://s/studies/1'] },
        '00081198': {
          vr: 'SQ',
          Value: [
            {
              '00081150': { vr: 'UI', Value: ['1.2'] },
              '00081155': { vr: 'UI', Value: ['9.2'] },
              '00081197': { vr: 'US', Value: [0xc000] },
            },
          ],
        },
        '00081199': {
          vr: 'SQ',
          Value: [
            {
              '00081155': { vr: 'UI', Value: ['9.1'] },
              '00081190': { vr: 'UR', Value: ['http://s/studies/1/series/2/instances/9.1'] },
            },
            { '00081155': { vr: 'UI', Value: ['9.3'] }, '00081196': { vr: 'US', Value: [0xb000] } },
          ],
        },
      }),
    );
    const r = parseStowResponse(body)!;
    expect([...r.stored.entries()]).toEqual([
      ['9.1', { retrieveUrl: 'http://s/studies/1/series/2/instances/9.1', warnings: undefined }],
      ['9.3', { retrieveUrl: undefined, warnings: [0xb000] }],
    ]);
    expect([...r.failed.entries()]).toEqual([['9.2', { failureReason: 0xc000 }]]);
    // Orthanc's empty sequences ({"vr":"SQ"} with no Value)
    expect(parseStowResponse(Buffer.from('{"00081198":{"vr":"SQ"},"00081199":{"vr":"SQ"}}'))).toEqual({
      stored: new Map(),
      failed: new Map(),
    });
    expect(parseStowResponse(Buffer.from('<html>'))).toBeUndefined();
    expect(parseStowResponse(Buffer.from('{"Message":"x"}'))).toBeUndefined();
    expect(describeFailureReason(0xa7f1)).toBe('0xA7F1 out of resources');
    expect(describeFailureReason(0x0110)).toBe('0x0110 processing failure');
  });

  it('summarises error bodies without control characters', () => {
    expect(serverMessage(Buffer.from('{"Message":"Bad file","Details":"not DICOM"}'))).toBe(
      'Bad file: not DICOM',
    );
    expect(serverMessage(Buffer.from('line1\r\n\u001b[31mline2'))).toBe('line1 [31mline2');
    expect(serverMessage(Buffer.from('x'.repeat(500)))).toHaveLength(201);
  });

  it('retries only network-ish statuses, parses Retry-After and backs off with full jitter', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 413, 415].some(isRetryableStatus)).toBe(false);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:10 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(backoffDelay(1, 1000, 60_000, () => 0.999)).toBe(999);
    expect(backoffDelay(4, 1000, 60_000, () => 0.5)).toBe(4000);
    expect(backoffDelay(20, 1000, 60_000, () => 0.5)).toBe(30_000);
    expect(backoffDelay(3, 1000, 60_000, () => 0)).toBe(0);
  });
});

describe('batch planning', () => {
  const items = (sizes: number[]) => sizes.map((bytes, i) => ({ i, bytes }));
  it('cuts by count and by bytes; a file bigger than the limit travels alone', () => {
    const plan = (sizes: number[], files: number, bytes: number) =>
      planBatches(items(sizes), files, bytes).map((b) => b.map((x) => x.i));
    expect(plan([1, 1, 1, 1, 1], 2, 100)).toEqual([[0, 1], [2, 3], [4]]);
    expect(plan([40, 40, 40, 10], 50, 100)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(plan([10, 500, 10], 50, 100)).toEqual([[0], [1], [2]]);
    expect(plan([], 50, 100)).toEqual([]);
  });

  it('with a ramp, starts small and doubles batch by batch up to the limits', () => {
    const sizes = (plan: Array<Array<{ bytes: number }>>) => plan.map((b) => b.length);
    expect(sizes(planBatches(items(Array(40).fill(1)), 10, 1000, { files: 2, bytes: 1000 }))).toEqual([
      2, 4, 8, 10, 10, 6,
    ]);
    expect(sizes(planBatches(items(Array(12).fill(10)), 100, 60, { files: 100, bytes: 15 }))).toEqual([
      1, 3, 6, 2,
    ]);
    // A file above the ramp's limit still travels, alone.
    expect(sizes(planBatches(items([50, 1, 1]), 10, 100, { files: 10, bytes: 10 }))).toEqual([1, 2]);
  });
});

describe('QIDO-RS series counts', () => {
  let server: http.Server;
  let base: string;
  let answer: unknown[];
  let asked: string[];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
      res.end(JSON.stringify(answer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (asked = []));
  const series = (uid: string, n?: unknown) => ({
    '0020000E': { vr: 'UI', Value: [uid] },
    ...(n === undefined ? {} : { '00201209': { vr: 'IS', Value: [n] } }),
  });

  it('reads Number of Series Related Instances per series, asking for it by name', async () => {
    answer = [series('1.1', 3), series('1.2', '12')];
    const client = new StowClient({ baseUrl: base });
    expect(await client.seriesInstanceCounts('9.9')).toEqual(
      new Map([
        ['1.1', 3],
        ['1.2', 12],
      ]),
    );
    expect(asked).toEqual(['/dicom-web/studies/9.9/series?includefield=00201209']);
  });

  it('says nothing (undefined) when any series lacks a usable count', async () => {
    const client = new StowClient({ baseUrl: base });
    answer = [series('1.1', 3), series('1.2')];
    expect(await client.seriesInstanceCounts('9.9')).toBeUndefined();
    answer = [series('1.1', 'many')];
    expect(await client.seriesInstanceCounts('9.9')).toBeUndefined();
    answer = [];
    expect(await client.seriesInstanceCounts('9.9')).toEqual(new Map());
  });
});

describe('QIDO-RS paging', () => {
  // A server that holds five instances and answers at most two per page, whatever limit is asked.
  const uids = ['1.1', '1.2', '1.3', '1.4', '1.5'];
  let server: http.Server;
  let base: string;
  let offsets: string[];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      offsets.push(q.get('offset') ?? '');
      const from = Number(q.get('offset') ?? 0);
      const page = uids.slice(from, from + 2).map((u) => ({ '00080018': { vr: 'UI', Value: [u] } }));
      res.writeHead(page.length ? 200 : 204, { 'Content-Type': 'application/dicom+json' });
      res.end(page.length ? JSON.stringify(page) : undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (offsets = []));

  it('follows short pages to the end when nothing says what is expected', async () => {
    const client = new StowClient({ baseUrl: base, qidoPageSize: 10 });
    expect(await client.listStudyInstances('9.9')).toEqual(uids);
    expect(offsets).toEqual(['0', '2', '4', '5']);
  });

  it('stops once every instance looked for has been seen, even on a short page', async () => {
    const client = new StowClient({ baseUrl: base, qidoPageSize: 10 });
    expect(await client.listStudyInstances('9.9', undefined, new Set(['1.1', '1.3']))).toEqual(
      uids.slice(0, 4),
    );
    expect(offsets).toEqual(['0', '2']);
  });
});
