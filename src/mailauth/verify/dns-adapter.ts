import type { DnsFailure, DnsResult, RecordResolver } from '../../dns/index.js';

/**
 * mailauth asks DNS through a `resolver(name, rrtype)` option shaped like
 * node's `dns.promises.resolve`: TXT as lists of strings, MX as
 * `{ exchange, priority }`, A/AAAA/PTR as strings, and failures as errors with
 * node's codes. This adapter puts our resolver (its servers, timeout and
 * cache: DESIGN §2 dns/) behind that shape, so SPF, DKIM, DMARC and ARC all
 * ask the servers the operator configured.
 */
export type MailauthResolver = (name: string, rrtype: string) => Promise<unknown[]>;

/** An Error with node's DNS `code`, which is all mailauth looks at. */
export class DnsLookupError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DnsLookupError';
  }
}

/**
 * Node's code for each failure. mailauth tells "no such record" apart only by
 * ENOTFOUND (NXDOMAIN) and ENODATA (NODATA): SPF counts them as void lookups
 * (RFC 7208 §4.6.4) and DKIM as "no key"; any other code is a temporary error
 * (SPF and DMARC temperror, RFC 7208 §2.6.6, RFC 7489 §6.6.3).
 */
export function nodeErrorCode(error: DnsFailure): string {
  switch (error.kind) {
    case 'nxdomain':
      return 'ENOTFOUND';
    case 'nodata':
      return 'ENODATA';
    case 'temporary':
      if (error.code === 'SERVFAIL') return 'ESERVFAIL';
      if (error.code === 'REFUSED') return 'EREFUSED';
      // ETIMEOUT, ECONNREFUSED and the like are node's codes already; a code that is
      // NXDOMAIN- or NODATA-like must never come out of a temporary failure.
      return error.code.startsWith('E') && error.code !== 'ENOTFOUND' && error.code !== 'ENODATA' ? error.code : 'ESERVFAIL';
  }
}

function unwrap<T>(result: DnsResult<readonly T[]>): T[] {
  if (!result.ok) {
    // The message may reach a header comment (SPF temperror): the code only, not our resolver's details.
    const code = nodeErrorCode(result.error);
    throw new DnsLookupError(code, `DNS lookup failed (${code})`);
  }
  return [...result.value];
}

export function mailauthResolver(resolver: RecordResolver): MailauthResolver {
  return async (name, rrtype) => {
    switch (rrtype.toUpperCase()) {
      case 'TXT':
        return unwrap(await resolver.resolveTxt(name)).map((strings) => [...strings]);
      case 'MX':
        return unwrap(await resolver.resolveMx(name)).map((mx) => ({ exchange: mx.exchange, priority: mx.preference }));
      case 'A':
      case 'AAAA':
      case 'PTR': {
        const type = rrtype.toUpperCase() as 'A' | 'AAAA' | 'PTR';
        const got = await resolver.lookup(name, type);
        return unwrap(got.ok ? { ok: true, value: got.value.records } : got);
      }
      default:
        // Node answers ENOTIMP for types it cannot ask; mailauth then reports a temporary error.
        throw new DnsLookupError('ENOTIMP', `${rrtype} ${name}: record type not supported`);
    }
  };
}
