import { isIP } from 'node:net';
import type { GreylistConfig } from '../config/index.js';
import { expandIpv6 } from '../core/index.js';
import type { GreylistState } from './greylist-store.js';

/**
 * Greylisting (Harris, "The Next Step in the Spam Control War: Greylisting",
 * 2003; postgrey): a triplet (client network, sender, recipient) not seen
 * before is answered "try later"; a real MTA retries (RFC 5321 §4.5.4.1), most
 * spam software does not. This file is the rule alone, as data in and out, so
 * it is tested with a fake clock and no store.
 */
export type GreylistDecision =
  | { readonly pass: true; readonly why: 'allowlisted' | 'known' | 'retried'; readonly change?: GreylistState }
  | { readonly pass: false; readonly why: 'new' | 'early'; readonly change?: GreylistState; readonly retryAfter: number };

type Rules = Pick<GreylistConfig, 'delay' | 'retryWindow' | 'allowlistAfter' | 'allowlistFor'>;

export function decideGreylist(now: number, rules: Rules, state: GreylistState): GreylistDecision {
  const { triplet, network } = state;
  if (network?.allowlistedUntil !== undefined && network.allowlistedUntil > now) return { pass: true, why: 'allowlisted' };
  const expired =
    !triplet ||
    (triplet.passedAt === undefined ? now - triplet.firstSeen > rules.retryWindow : now - triplet.lastSeen > rules.allowlistFor);
  if (expired) return { pass: false, why: 'new', change: { triplet: { firstSeen: now, lastSeen: now } }, retryAfter: now + rules.delay };
  if (triplet.passedAt !== undefined) return { pass: true, why: 'known', change: { triplet: { ...triplet, lastSeen: now } } };
  if (now - triplet.firstSeen < rules.delay) return { pass: false, why: 'early', retryAfter: triplet.firstSeen + rules.delay };
  const passes = (network?.passes ?? 0) + 1;
  const earned = rules.allowlistAfter > 0 && passes >= rules.allowlistAfter;
  const allowlistedUntil = earned ? now + rules.allowlistFor : network?.allowlistedUntil;
  return {
    pass: true,
    why: 'retried',
    change: {
      triplet: { firstSeen: triplet.firstSeen, passedAt: now, lastSeen: now },
      network: { passes, lastSeen: now, ...(allowlistedUntil !== undefined ? { allowlistedUntil } : {}) },
    },
  };
}

/**
 * The client's network: a pool of outbound servers retries from any of its
 * addresses, so the triplet names the /24 (IPv4) or /64 (IPv6), as postgrey
 * does. "192.0.2.0/24", "2001:0db8:0000:0001::/64".
 */
export function clientNetwork(ip: string, ipv4Prefix: number, ipv6Prefix: number): string {
  const v4 = ip.toLowerCase().replace(/^::ffff:(?=\d+\.)/, '');
  if (isIP(v4) === 4) {
    const n = v4.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const mask = ipv4Prefix === 0 ? 0 : Math.floor(n / 2 ** (32 - ipv4Prefix)) * 2 ** (32 - ipv4Prefix);
    return `${[24, 16, 8, 0].map((s) => Math.floor(mask / 2 ** s) % 256).join('.')}/${ipv4Prefix}`;
  }
  const hex = expandIpv6(v4);
  const bits = [...hex].map((h) => parseInt(h, 16).toString(2).padStart(4, '0')).join('');
  const kept = bits.slice(0, ipv6Prefix).padEnd(128, '0');
  const groups = Array.from({ length: 8 }, (_, i) => parseInt(kept.slice(i * 16, i * 16 + 16), 2).toString(16).padStart(4, '0'));
  return `${groups.join(':')}/${ipv6Prefix}`;
}

/** The triplet's key: network, sender ("" for <>) and recipient, compared without case (as postgrey). */
export function tripletKey(network: string, sender: string, recipient: string): string {
  return `${network} ${sender.toLowerCase()} ${recipient.toLowerCase()}`;
}
