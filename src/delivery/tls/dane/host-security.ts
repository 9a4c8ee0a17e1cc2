import type { DnsFailure, RecordResolver } from '../../../dns/index.js';
import type { SiteHost } from '../../mx.js';

/**
 * Whether DANE may apply to a host at all (RFC 7672 §2.2): the MX RRset and the
 * host's address records must be "secure" — validated by the configured
 * resolvers, which say so with the AD bit (RFC 4035 §3.2.3; a validating
 * resolver on loopback, RFC 7672 §1.3). Every lookup here hits the resolver's
 * TTL cache after the site resolution made the same queries.
 */

export type MxSecurity =
  | { readonly kind: 'secure' }
  /** The domain has no MX: RFC 7672 §2.2.1 lets the domain's own address records stand for it (implicit MX). */
  | { readonly kind: 'implicit' }
  | { readonly kind: 'insecure' }
  /** A validating resolver answers SERVFAIL for bogus data: we cannot tell, so we must not downgrade (RFC 7672 §2.1.1). */
  | { readonly kind: 'failed'; readonly error: DnsFailure };

export async function mxSecurity(resolver: RecordResolver, domain: string): Promise<MxSecurity> {
  const mx = await resolver.lookup(domain, 'MX');
  if (mx.ok) return mx.value.authenticated ? { kind: 'secure' } : { kind: 'insecure' };
  if (mx.error.kind === 'temporary') return { kind: 'failed', error: mx.error };
  return { kind: 'implicit' };
}

/**
 * RFC 7672 §2.2.2: the host's A/AAAA RRsets that exist must all be
 * authenticated. A family that failed or has no records is left out: the
 * addresses we connect to came from the families that answered.
 */
export async function addressesSecure(resolver: RecordResolver, host: SiteHost): Promise<boolean> {
  const answers = await Promise.all([resolver.lookup(host.host, 'A'), resolver.lookup(host.host, 'AAAA')]);
  const got = answers.flatMap((a) => (a.ok ? [a.value] : []));
  return got.length > 0 && got.every((a) => a.authenticated);
}
