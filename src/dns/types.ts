/**
 * What the rest of Baton sees of the DNS: answers as plain data and failures as a
 * small union, so callers decide on data, never on exception codes.
 */

/** Why a lookup gave no answer. `temporary` covers SERVFAIL, REFUSED, timeouts and anything unknown. */
export type DnsFailureKind = 'nxdomain' | 'nodata' | 'temporary';

export interface DnsFailure {
  readonly kind: DnsFailureKind;
  /** For logs: the RCODE (NXDOMAIN, SERVFAIL, REFUSED ...), NODATA, or ours (ETIMEOUT, EBADNAME, ECONNREFUSED ...). */
  readonly code: string;
  readonly message: string;
}

export type DnsResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DnsFailure };

export interface MxRecord {
  /** Lower case, no trailing dot; "" is the root "." (null MX, RFC 7505). */
  readonly exchange: string;
  readonly preference: number;
}

export interface AddressRecord {
  readonly address: string;
  readonly family: 4 | 6;
  /** Seconds, as served. */
  readonly ttl: number;
}

/** RFC 6698 §2.1 TLSA RDATA, for DANE (RFC 7672). */
export interface TlsaRecord {
  readonly usage: number;
  readonly selector: number;
  readonly matchingType: number;
  readonly data: Buffer;
}

/** The record types `lookup` knows, and what each record becomes. Add a type here and in records.ts. */
export interface RecordTypes {
  readonly A: string;
  readonly AAAA: string;
  readonly MX: MxRecord;
  /** Each record's character-strings, unjoined: joining is the caller's rule (e.g. RFC 7208 §3.3). */
  readonly TXT: readonly string[];
  readonly TLSA: TlsaRecord;
  /** The name a reverse (in-addr.arpa / ip6.arpa) name points to, lower case, no trailing dot: SPF's `ptr` (RFC 7208 §5.5). */
  readonly PTR: string;
}
export type RecordType = keyof RecordTypes;

export interface DnsAnswer<T> {
  /** The RRset of the asked type at the name (after any CNAME chain); never empty. */
  readonly records: readonly T[];
  /** Seconds the answer may be kept: the smallest TTL of the RRset and the CNAMEs leading to it. */
  readonly ttl: number;
  /**
   * The resolver set the AD bit (RFC 4035 §3.2.3): it validated the answer with DNSSEC.
   * Meaningful only when the resolver is trusted and the path to it is secure (a
   * validating resolver on loopback, RFC 7672 §1.3).
   */
  readonly authenticated: boolean;
}

/** What the delivery path depends on; tests may pass a fake. */
export interface DnsResolver {
  resolveMx(domain: string): Promise<DnsResult<readonly MxRecord[]>>;
  /** A and AAAA together, IPv4 first (many senders have no IPv6 route; RFC 6724 leaves the choice to us). */
  resolveAddresses(host: string): Promise<DnsResult<readonly AddressRecord[]>>;
}

/** The full resolver: other record types (mail authentication, DANE) and the AD bit. */
export interface RecordResolver extends DnsResolver {
  lookup<K extends RecordType>(name: string, type: K): Promise<DnsResult<DnsAnswer<RecordTypes[K]>>>;
  /** Each TXT record as its list of strings. */
  resolveTxt(name: string): Promise<DnsResult<readonly (readonly string[])[]>>;
  /** TLSA at `_port._tcp.host` (RFC 7672 §2.3), with whether it was authenticated. */
  resolveTlsa(host: string, port: number): Promise<DnsResult<DnsAnswer<TlsaRecord>>>;
}
