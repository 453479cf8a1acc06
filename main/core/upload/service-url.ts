// Which review-service URLs are acceptable, which proxy (if any) reaches them, and how they are shown.
import * as net from 'node:net';

export class ServiceUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUrlError';
  }
}

/** URL.hostname keeps IPv6 brackets; node:http and net want them off. */
export function bareHost(u: URL): string {
  return u.hostname.startsWith('[') && u.hostname.endsWith(']') ? u.hostname.slice(1, -1) : u.hostname;
}

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and localhost: traffic that never leaves this computer. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.split('.')[0] === '127';
  if (net.isIPv6(h)) {
    if (h === '::1' || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(h) || h === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return Boolean(mapped && mapped[1].split('.')[0] === '127');
  }
  return false;
}

/**
 * Parses and checks a DICOMweb base URL: http(s) only, HTTPS unless the host is loopback, no credentials in
 * it (they would end up in logs and receipts). Returns the URL without a trailing slash, query or fragment.
 */
export function parseServiceUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ServiceUrlError('The review service address is not a valid URL (expected https://host/path).');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new ServiceUrlError(`The review service address must start with https:// (got ${u.protocol}).`);
  }
  if (u.username || u.password) {
    throw new ServiceUrlError(
      'The review service address must not contain a user name or password; give credentials through the environment instead.',
    );
  }
  if (u.search || u.hash) {
    throw new ServiceUrlError(
      'The review service address must not contain a query (?...) or fragment (#...).',
    );
  }
  if (u.protocol === 'http:' && !isLoopbackHost(bareHost(u))) {
    throw new ServiceUrlError(
      `Refusing to send images over unencrypted http:// to ${u.host}: use https:// (plain http is allowed only to this computer, 127.0.0.1/::1/localhost).`,
    );
  }
  u.pathname = u.pathname.replace(/\/+$/, '');
  return u;
}

/** The base URL as it may be shown and written into a receipt: no credentials, query or fragment. */
export function displayUrl(u: URL | string): string {
  const c = new URL(typeof u === 'string' ? u : u.href);
  c.username = '';
  c.password = '';
  c.search = '';
  c.hash = '';
  return c.href.replace(/\/+$/, '');
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
}

/** NO_PROXY: comma/space separated hosts, `.suffix`/`*.suffix` domains, `host:port`, IPv4 CIDRs, or `*`. */
export function matchesNoProxy(host: string, port: string, noProxy: string): boolean {
  const h = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  for (let entry of noProxy.split(/[\s,]+/).filter(Boolean)) {
    entry = entry.toLowerCase();
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const portMatch = /^(.*[^:]):(\d+)$/.exec(entry);
    if (portMatch && !net.isIPv6(entry)) {
      entry = portMatch[1];
      entryPort = portMatch[2];
    }
    if (entryPort && entryPort !== port) continue;
    entry = entry.replace(/^\[|\]$/g, '');
    const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(entry);
    if (cidr && net.isIPv4(h)) {
      const bits = Number(cidr[2]);
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if ((ipv4ToInt(h) & mask) === (ipv4ToInt(cidr[1]) & mask)) return true;
      continue;
    }
    const domain = entry.replace(/^\*?\./, '');
    if (h === domain || h.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/** The proxy to use for `target` from HTTPS_PROXY / HTTP_PROXY / NO_PROXY; loopback never goes through one. */
export function proxyFor(target: URL, env: Record<string, string | undefined>): URL | undefined {
  const host = bareHost(target);
  if (isLoopbackHost(host)) return undefined;
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  const noProxy = env.no_proxy ?? env.NO_PROXY;
  if (noProxy && matchesNoProxy(host, port, noProxy)) return undefined;
  const raw =
    target.protocol === 'https:' ? (env.https_proxy ?? env.HTTPS_PROXY) : (env.http_proxy ?? env.HTTP_PROXY);
  if (!raw || !raw.trim()) return undefined;
  const text = raw.trim();
  let u: URL;
  try {
    u = new URL(text.includes('://') ? text : `http://${text}`);
  } catch {
    throw new ServiceUrlError('The proxy setting (HTTPS_PROXY/HTTP_PROXY) is not a valid URL.');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ServiceUrlError(`Unsupported proxy type ${u.protocol} (only http:// and https:// proxies).`);
  }
  return u;
}
