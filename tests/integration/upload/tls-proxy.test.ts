// HTTPS to the review service through an HTTP CONNECT proxy (HTTPS_PROXY), with an extra CA, NO_PROXY and
// proxy credentials. Everything runs on 127.0.0.1: a TLS front for the REAL Orthanc answers as "review.test"
// (certificate below, for review.test only), the proxy tunnels any CONNECT to that front, and a direct
// connection to review.test is resolved to 127.0.0.1 by an injected lookup (no DNS).
import * as http from 'node:http';
import * as net from 'node:net';
import type { StowTransport } from '../../../main/core/upload/stow-client';
import { StowFatalError } from '../../../main/core/upload/stow-client';
import { startOrthanc, type OrthancServer } from '../../support/orthanc';
import { startTlsFront, type TlsFront } from '../../support/tls-front';
import { expectServerHolds, run, testClient } from './helpers';
import { generated, rm, writeJob, type BuiltJob } from './job-fixture';

// Self-signed, CN/SAN review.test, valid 2020-2120; a test fixture only.
const CERT = `-----BEGIN CERTIFICATE-----
MIIBiTCCAS+gAwIBAgIBATAKBggqhkjOPQQDAjAWMRQwEgYDVQQDDAtyZXZpZXcu
dGVzdDAgFw0yMDAxMDEwMDAwMDBaGA8yMTIwMDEwMTAwMDAwMFowFjEUMBIGA1UE
AwwLcmV2aWV3LnRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT/VnmKanAV
1s+qtSTCzFEmNokqIQi0p1gWMutJXgER16LiWfrrLFgszA/G4t+6C6i+F/D3bUUA
FnU9JoLEHVsOo2wwajAWBgNVHREEDzANggtyZXZpZXcudGVzdDAMBgNVHRMBAf8E
AjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEFBQcDATAdBgNVHQ4E
FgQUIM0sT7lF3BirF+0dZSI0z+FBYUEwCgYIKoZIzj0EAwIDSAAwRQIgHPtjp5nO
nFQXFwIzfcfhgA0ZNeTQL2wcpxKFfqQ7zQkCIQC1U2fgBzqz5V7I2x9cYgAz9Y+I
W7JCfu1lvnCLGMLPGg==
-----END CERTIFICATE-----
`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWrbOfeoCc3U9ao3p
XunB2YVbhe6KQ7tXTBQON9KIPoihRANCAAT/VnmKanAV1s+qtSTCzFEmNokqIQi0
p1gWMutJXgER16LiWfrrLFgszA/G4t+6C6i+F/D3bUUAFnU9JoLEHVsO
-----END PRIVATE KEY-----
`;

jest.setTimeout(30_000);

let server: OrthancServer;
let front: TlsFront | undefined;
let frontPort: number;
let proxySrv: http.Server;
let proxyPort: number;
let connects: Array<{ target: string; auth?: string }>;
let requireProxyAuth: string | undefined;
let j: BuiltJob;
const sockets = new Set<net.Socket>();
const track = (s: net.Socket) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
};

const listen = (srv: net.Server) =>
  new Promise<number>((resolve) =>
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port)),
  );

/** Resolves every name to 127.0.0.1 (both lookup calling conventions). */
const loopbackLookup = ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
  if (opts?.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as unknown as StowTransport['lookup'];

beforeAll(async () => {
  server = await startOrthanc();
  // TLS front: terminates HTTPS as review.test and forwards to Orthanc.
  front = await startTlsFront(server.restUrl, { key: KEY, cert: CERT });
  frontPort = front.port;
  // CONNECT proxy: tunnels to the TLS front whatever the requested host.
  proxySrv = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  proxySrv.on('connection', track);
  proxySrv.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    connects.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    if (requireProxyAuth && req.headers['proxy-authorization'] !== requireProxyAuth) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="p"\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    const upstream = net.connect(frontPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  proxyPort = await listen(proxySrv);
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await front?.close();
  await new Promise((r) => proxySrv?.close(r));
  await server?.stop();
});

beforeEach(async () => {
  await server.reset();
  connects = [];
  requireProxyAuth = undefined;
  j = writeJob([1, 2, 3].map((n) => ({ data: generated(60, 1, n, 64) })));
});
afterEach(() => rm(j.dir));

const base = () => `https://review.test:${frontPort}/dicom-web`;

describe('HTTPS, proxies and certificates', () => {
  it('goes through HTTPS_PROXY with a CONNECT tunnel, trusting the extra CA', async () => {
    const client = testClient(server, base(), {
      ca: CERT,
      env: { HTTPS_PROXY: `http://127.0.0.1:${proxyPort}` },
    });
    const out = await run(j, client, { batchMaxFiles: 2 });
    expect(out.complete).toBe(true);
    expect(connects.map((c) => c.target)).toEqual(Array(connects.length).fill(`review.test:${frontPort}`));
    expect(connects.length).toBe(client.requests); // every request, STOW and QIDO, through the tunnel
    expect(out.serviceUrl).toBe(base());
    await expectServerHolds(server, j.hashes);
  });

  it('sends proxy credentials from the proxy URL; a 407 stops the upload', async () => {
    requireProxyAuth = 'Basic ' + Buffer.from('pu:pp@ss').toString('base64');
    const good = testClient(server, base(), {
      ca: CERT,
      env: { https_proxy: `http://pu:pp%40ss@127.0.0.1:${proxyPort}` },
    });
    expect((await run(j, good)).complete).toBe(true);
    const bad = testClient(server, base(), {
      ca: CERT,
      env: { HTTPS_PROXY: `http://127.0.0.1:${proxyPort}` },
    });
    await server.reset();
    await expect(run(j, bad)).rejects.toThrow(/proxy refused the connection \(HTTP 407\)/);
  });

  it('NO_PROXY bypasses the proxy (direct TLS to review.test)', async () => {
    const client = testClient(server, base(), {
      ca: CERT,
      env: { HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`, NO_PROXY: 'localhost,.test' },
      transport: { lookup: loopbackLookup },
    });
    expect((await run(j, client)).complete).toBe(true);
    expect(connects).toEqual([]);
    await expectServerHolds(server, j.hashes);
  });

  it('refuses a certificate it cannot verify, without retrying', async () => {
    const client = testClient(server, base(), { env: { HTTPS_PROXY: `http://127.0.0.1:${proxyPort}` } });
    const err = await run(j, client).catch((e: Error) => e);
    expect(err).toBeInstanceOf(StowFatalError);
    expect((err as Error).message).toMatch(
      /certificate was not accepted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/,
    );
    expect(connects).toHaveLength(1);
    expect(await server.instanceCount()).toBe(0);
  });

  it('refuses a certificate for another name', async () => {
    const client = testClient(server, `https://127.0.0.1:${frontPort}/dicom-web`, { ca: CERT });
    await expect(run(j, client)).rejects.toThrow(
      /certificate was not accepted \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
    );
    expect(client.requests).toBe(1);
  });
});
