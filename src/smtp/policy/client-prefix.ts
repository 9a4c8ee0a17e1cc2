import { isIP } from 'node:net';
import { unmapIpv4 } from './networks.js';

/**
 * The network a client address belongs to for rate limits: its /24 (IPv4) or
 * /64 (IPv6). A spammer's botnet or a rented range moves between neighbouring
 * addresses; an IPv6 host gets a whole /64 (RFC 4291 §2.5.1 interface ids,
 * RFC 6177), so counting single IPv6 addresses would count nothing.
 * Returns e.g. "192.0.2.0/24", "2001:db8:1:2::/64"; undefined for a non-IP.
 */
export function clientPrefix(address: string): string | undefined {
  const ip = unmapIpv4(address);
  switch (isIP(ip)) {
    case 4: {
      const parts = ip.split('.');
      return `${parts[0]}.${parts[1]}.${parts[2]}.0/24`;
    }
    case 6: {
      const groups = expandIpv6(ip).slice(0, 4).map((g) => g.replace(/^0+(?=.)/, ''));
      return `${groups.join(':')}::/64`;
    }
    default:
      return undefined;
  }
}

/** The eight 16-bit groups of an IPv6 address, "::" expanded, an embedded IPv4 tail converted. */
function expandIpv6(ip: string): string[] {
  let text = ip.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array.from({ length: missing }, () => '0'), ...right];
}
