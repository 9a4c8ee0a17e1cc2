import { normalizeName, type DnsMessage, type WireRecord } from './message.js';
import type { DnsAnswer, DnsResult, RecordType, RecordTypes } from './types.js';

/**
 * Reading an answer out of a reply: the RRset at the name asked (following the CNAME
 * chain the resolver put in front of it), how long it may be kept, and for negative
 * answers how long the SOA allows the "no" to be kept (RFC 2308 §5).
 */

export interface ReadAnswer<T> {
  readonly result: DnsResult<DnsAnswer<T>>;
  /** Seconds from the reply itself, or undefined for a negative answer without an SOA. */
  readonly ttl: number | undefined;
}

/** A CNAME chain longer than this is a loop or an attack (BIND follows 16 links). */
const MAX_CNAME_LINKS = 16;

export function readAnswer<K extends RecordType>(msg: DnsMessage, name: string, type: K): ReadAnswer<RecordTypes[K]> {
  let owner = name;
  let chainTtl = Number.POSITIVE_INFINITY;
  // RFC 1034 §3.6.2 / §4.3.2: the answer may start with CNAMEs leading from the name
  // asked to the name holding the data; only records on that chain are believed, so
  // unrelated records stuffed into the reply are ignored.
  for (let link = 0; link <= MAX_CNAME_LINKS; link++) {
    const rrset = msg.answers.filter((r) => r.type === type && inClass(r) && normalizeName(r.name) === owner);
    if (rrset.length > 0) {
      const ttl = Math.min(chainTtl, ...rrset.map(ttlOf));
      const records = rrset.map((r) => convert(type, r));
      return { result: { ok: true, value: { records, ttl, authenticated: msg.authenticated } }, ttl };
    }
    const cname = msg.answers.find((r) => r.type === 'CNAME' && inClass(r) && normalizeName(r.name) === owner);
    if (cname?.type !== 'CNAME') break;
    chainTtl = Math.min(chainTtl, ttlOf(cname));
    owner = normalizeName(cname.data);
  }
  const ttl = negativeTtl(msg);
  if (msg.rcode === 'NXDOMAIN') {
    return { result: { ok: false, error: { kind: 'nxdomain', code: 'NXDOMAIN', message: `${name}: no such domain` } }, ttl };
  }
  return { result: { ok: false, error: { kind: 'nodata', code: 'NODATA', message: `${name}: no ${type} record` } }, ttl };
}

/** RFC 2308 §5: a negative answer lives for the smaller of the SOA's TTL and its MINIMUM field. */
function negativeTtl(msg: DnsMessage): number | undefined {
  const soa = msg.authorities.find((r) => r.type === 'SOA');
  if (!soa || soa.type !== 'SOA') return undefined;
  return Math.min(ttlOf(soa), soa.data.minimum ?? 0);
}

function inClass(r: WireRecord): boolean {
  return r.type !== 'OPT' && (r.class ?? 'IN') === 'IN';
}

function ttlOf(r: WireRecord): number {
  return r.type === 'OPT' ? 0 : (r.ttl ?? 0);
}

/** dns-packet's record data to ours (types.ts RecordTypes). */
function convert<K extends RecordType>(type: K, r: WireRecord): RecordTypes[K] {
  const out = (v: RecordTypes[RecordType]) => v as RecordTypes[K];
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return out(r.data);
    case 'MX':
      return out({ exchange: normalizeName(r.data.exchange), preference: r.data.preference ?? 0 });
    case 'TXT': {
      // Latin-1 keeps every octet as one character, as node's resolveTxt does: SPF,
      // DKIM and DMARC records are ASCII, and nothing is lost on other bytes.
      const parts = Array.isArray(r.data) ? r.data : [r.data];
      return out(parts.map((p) => (typeof p === 'string' ? p : p.toString('latin1'))));
    }
    case 'PTR':
      return out(normalizeName(r.data));
    case 'TLSA':
      return out({ usage: r.data.usage, selector: r.data.selector, matchingType: r.data.matchingType, data: r.data.certificate });
    default:
      throw new Error(`no conversion for ${type} records`);
  }
}
