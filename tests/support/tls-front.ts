// An HTTPS front for the real Orthanc on 127.0.0.1, with a certificate no system trusts (as a hospital's own CA
// would be): terminates TLS and forwards every request to Orthanc's plain HTTP port.
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';

export interface TlsFront {
  server: https.Server;
  port: number;
  close(): Promise<void>;
}

export async function startTlsFront(
  targetUrl: string,
  tls: { key: string | Buffer; cert: string | Buffer },
): Promise<TlsFront> {
  const target = new URL(targetUrl);
  const sockets = new Set<{ destroy(): void }>();
  const server = https.createServer(tls, (req, res) => {
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent: false,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
