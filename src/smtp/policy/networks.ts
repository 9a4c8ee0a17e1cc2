import { BlockList, isIP } from 'node:net';

/** A set of CIDR blocks (relay.trustedNetworks), matched for IPv4, IPv6 and IPv4-mapped IPv6. */
export class NetworkSet {
  private readonly list = new BlockList();

  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [ip = '', bits] = cidr.split('/');
      const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      const prefix = bits === undefined ? (type === 'ipv4' ? 32 : 128) : Number(bits);
      this.list.addSubnet(ip, prefix, type);
    }
  }

  has(address: string): boolean {
    const ip = unmapIpv4(address);
    const family = isIP(ip);
    if (family === 0) return false;
    return this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** "::ffff:127.0.0.1" (a dual-stack socket's view of an IPv4 client) → "127.0.0.1". */
export function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function isLoopback(address: string): boolean {
  const ip = unmapIpv4(address);
  return ip === '::1' || ip.startsWith('127.');
}
