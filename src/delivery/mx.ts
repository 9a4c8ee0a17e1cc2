import { DeliveryReplies, type Random, type SmtpReply } from '../core/index.js';
import type { AddressRecord, DnsFailure, DnsResolver, MxRecord } from '../dns/index.js';

/**
 * Site resolution (RFC 5321 §5.1): the ordered list of mail exchangers, each with
 * its addresses, that serve a recipient domain. Every failure is data: a reply
 * to record against the recipients, and whether to retry.
 */

export interface SiteHost {
  /** MX host name, or the domain itself for an implicit MX. */
  readonly host: string;
  readonly preference: number;
  /** In the order to try: IPv4 first (see dns/resolver.ts). Never empty. */
  readonly addresses: readonly AddressRecord[];
}

export type SiteResolution =
  | {
      readonly ok: true;
      readonly domain: string;
      /** Most preferred first; equal preferences in random order (RFC 5321 §5.1). */
      readonly hosts: readonly SiteHost[];
      /** True when the domain has no MX and its own A/AAAA is used (RFC 5321 §5.1 implicit MX). */
      readonly implicit: boolean;
    }
  | {
      readonly ok: false;
      readonly domain: string;
      /** Retry later (true) or bounce now (false). */
      readonly temporary: boolean;
      readonly reply: SmtpReply;
      /** For logs: what exactly went wrong (never sent on the wire). */
      readonly reason: string;
    };

export interface ResolveSiteOptions {
  readonly resolver: DnsResolver;
  readonly random: Random;
  /** The port delivery connects to (config delivery.port), for the self check. */
  readonly port: number;
  /** True when ip:port is one of our own listeners: delivering there would loop. */
  readonly isSelf?: (ip: string, port: number) => boolean;
  /** At most this many MX hosts are kept (Postfix smtp_mx_address_limit is 5). Default 10. */
  readonly maxHosts?: number;
}

const fail = (domain: string, temporary: boolean, reply: SmtpReply, reason: string): SiteResolution => ({
  ok: false,
  domain,
  temporary,
  reply,
  reason,
});


/**
 * Resolve `domain` to its site.
 *
 * - MX sorted by preference, equal preferences shuffled with `random` (RFC 5321 §5.1
 *   "SHOULD ... randomize" among equal preferences to spread load).
 * - No MX (NODATA) → implicit MX: the domain's own A/AAAA (RFC 5321 §5.1).
 * - A sole MX "." → null MX (RFC 7505 §3): permanent 556 5.1.10. A "." among other
 *   MX records is a publisher error and is skipped.
 * - NXDOMAIN → permanent 550 5.1.2. SERVFAIL/timeout → temporary 451 4.4.3.
 * - MX hosts without addresses are skipped; if none has one, permanent 554 5.4.4
 *   unless some lookup failed temporarily (then temporary 451 4.4.3).
 * - An MX resolving to ourselves: RFC 5321 §5.1 says drop it and every less
 *   preferred MX; if nothing is left that is a loop, temporary 451 4.4.6 (a
 *   configuration error an operator must see, not a reason to bounce mail).
 * - Address literals "[1.2.3.4]" / "[IPv6:...]": never delivered to. An open relay
 *   that follows literals is an abuse vector and the open internet does not use
 *   them, so this is permanent 550 5.1.2. (A route/smarthost can still target an IP.)
 */
export async function resolveSite(rawDomain: string, opts: ResolveSiteOptions): Promise<SiteResolution> {
  const domain = rawDomain.trim().toLowerCase().replace(/\.$/, '');
  if (domain.startsWith('[')) {
    return fail(domain, false, DeliveryReplies.addressLiteral(), `address literal ${domain} is not delivered to`);
  }
  const mx = await opts.resolver.resolveMx(domain);
  if (!mx.ok) {
    if (mx.error.kind === 'nodata') return implicitMx(domain, opts);
    return dnsFailure(domain, `MX lookup for ${domain}`, mx.error);
  }
  if (mx.value.length === 0) return implicitMx(domain, opts);
  if (mx.value.length === 1 && mx.value[0]?.exchange === '') {
    return fail(domain, false, DeliveryReplies.nullMx(), `${domain} publishes a null MX (RFC 7505)`);
  }
  const ordered = orderMx(
    mx.value.filter((r) => r.exchange !== ''),
    opts.random,
  ).slice(0, opts.maxHosts ?? 10);
  const resolved = await Promise.all(ordered.map((r) => opts.resolver.resolveAddresses(r.exchange)));

  const hosts: SiteHost[] = [];
  const problems: string[] = [];
  let temporary = false;
  for (let i = 0; i < ordered.length; i++) {
    const rec = ordered[i] as MxRecord;
    const addrs = resolved[i];
    if (!addrs || !addrs.ok) {
      if (addrs?.error.kind === 'temporary') temporary = true;
      problems.push(`${rec.exchange}: ${addrs?.error.kind ?? 'no answer'}`);
      continue;
    }
    if (addrs.value.some((a) => opts.isSelf?.(a.address, opts.port) === true)) {
      // RFC 5321 §5.1: discard this MX and all with an equal or higher preference value.
      const kept = hosts.filter((h) => h.preference < rec.preference);
      if (kept.length === 0) {
        return fail(domain, true, DeliveryReplies.loop(), `MX ${rec.exchange} of ${domain} resolves to one of our own addresses (port ${opts.port}): mail would loop; check the MX records and local/relay domain config`);
      }
      return { ok: true, domain, hosts: kept, implicit: false };
    }
    hosts.push({ host: rec.exchange, preference: rec.preference, addresses: addrs.value });
  }
  if (hosts.length > 0) return { ok: true, domain, hosts, implicit: false };
  const reason = `no MX host of ${domain} has an address (${problems.join('; ')})`;
  return temporary ? fail(domain, true, DeliveryReplies.dnsTemporary(), reason) : fail(domain, false, DeliveryReplies.noAddress(), reason);
}

async function implicitMx(domain: string, opts: ResolveSiteOptions): Promise<SiteResolution> {
  const addrs = await opts.resolver.resolveAddresses(domain);
  if (!addrs.ok) {
    // No MX and no address: the domain cannot receive mail (nodata is as final as nxdomain).
    return dnsFailure(domain, `implicit MX (A/AAAA) lookup for ${domain}`, addrs.error);
  }
  if (addrs.value.some((a) => opts.isSelf?.(a.address, opts.port) === true)) {
    return fail(domain, true, DeliveryReplies.loop(), `${domain} has no MX and its address is one of our own (port ${opts.port}): mail would loop`);
  }
  return { ok: true, domain, hosts: [{ host: domain, preference: 0, addresses: addrs.value }], implicit: true };
}

function dnsFailure(domain: string, what: string, err: DnsFailure): SiteResolution {
  const reason = `${what} failed: ${err.kind} (${err.code})`;
  if (err.kind === 'temporary') return fail(domain, true, DeliveryReplies.dnsTemporary(), reason);
  return fail(domain, false, DeliveryReplies.domainNotFound(), reason);
}

/** Sort by preference; shuffle each run of equal preferences (Fisher-Yates with `random`). */
export function orderMx(records: readonly MxRecord[], random: Random): MxRecord[] {
  const sorted = [...records].sort((a, b) => a.preference - b.preference);
  let start = 0;
  while (start < sorted.length) {
    let end = start;
    while (end + 1 < sorted.length && sorted[end + 1]?.preference === sorted[start]?.preference) end++;
    for (let i = end; i > start; i--) {
      const j = start + Math.floor(random.next() * (i - start + 1));
      const tmp = sorted[i] as MxRecord;
      sorted[i] = sorted[j] as MxRecord;
      sorted[j] = tmp;
    }
    start = end + 1;
  }
  return sorted;
}

/**
 * The `isSelf` predicate for resolveSite from our listeners ("host", port) and the
 * machine's own addresses (os.networkInterfaces(), passed in to keep this pure).
 * A wildcard listener ("0.0.0.0", "::") is reached through any local address.
 */
export function selfCheck(
  listeners: readonly { readonly host: string; readonly port: number }[],
  localAddresses: readonly string[],
): (ip: string, port: number) => boolean {
  const norm = (ip: string): string => ip.toLowerCase().replace(/^::ffff:(?=\d+\.)/, '');
  const local = new Set(localAddresses.map(norm));
  return (ip, port) => {
    const addr = norm(ip);
    return listeners.some((l) => {
      if (l.port !== port) return false;
      const host = norm(l.host);
      if (host === '0.0.0.0' || host === '::') return local.has(addr);
      return host === addr;
    });
  };
}
