import { isIPv4, isIPv6 } from 'node:net';
import { expandIpv6 } from '../../../core/index.js';

/**
 * The name to ask a DNS list about an address (RFC 5782 §2.1 for IPv4: the
 * octets reversed; §2.4 for IPv6: the 32 nibbles reversed), under `zone`.
 * An IPv4-mapped IPv6 address (::ffff:192.0.2.1, how a dual-stack listener
 * sees IPv4 clients) is asked as the IPv4 address. Undefined for anything else.
 */
export function dnsblQueryName(ip: string, zone: string): string | undefined {
  const v4 = ipv4Of(ip);
  if (v4) return `${v4.split('.').reverse().join('.')}.${zone}`;
  if (!isIPv6(ip)) return undefined;
  return `${expandIpv6(ip).split('').reverse().join('.')}.${zone}`;
}

function ipv4Of(ip: string): string | undefined {
  if (isIPv4(ip)) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped && isIPv4(mapped[1] as string) ? mapped[1] : undefined;
}
