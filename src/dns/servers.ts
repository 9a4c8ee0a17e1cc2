import { getServers } from 'node:dns';
import { isIP } from 'node:net';

/** One resolver to ask. */
export interface DnsServer {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/**
 * "ip", "ip:port" or "[v6]:port" (config `dns.servers`, and the form node's
 * `dns.getServers()` reports). A bare IPv6 address has colons but no port.
 */
export function parseServer(s: string): DnsServer | undefined {
  const text = s.trim();
  const bare = isIP(text);
  if (bare !== 0) return { host: text, port: 53, family: bare as 4 | 6 };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  const family = isIP(host ?? '');
  if (host === undefined || family === 0 || !(port >= 1 && port <= 65535)) return undefined;
  return { host, port, family: family as 4 | 6 };
}

/**
 * The configured servers, or the system's (/etc/resolv.conf, as node reads it) when
 * none are. With none anywhere, the local machine: resolv.conf(5)'s own default.
 */
export function resolveServers(configured: readonly string[] | undefined, system: () => readonly string[] = getServers): DnsServer[] {
  const list = configured && configured.length > 0 ? configured : system();
  const parsed = list.map((s) => {
    const server = parseServer(s);
    if (!server) throw new Error(`not a DNS server address: "${s}" (want "ip", "ip:port" or "[v6]:port")`);
    return server;
  });
  return parsed.length > 0 ? parsed : [{ host: '127.0.0.1', port: 53, family: 4 }];
}
