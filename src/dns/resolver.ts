import { Resolver as NodeResolver } from 'node:dns/promises';
import type { Clock } from '../core/index.js';

/**
 * The one DNS resolver (DESIGN §2 dns/): built on node's c-ares `Resolver`, with
 * the servers and timeout from config, answers cached for their TTL, and errors
 * mapped to a small union so callers decide on data, never on exception codes.
 */

/** Why a lookup gave no answer. `temporary` covers SERVFAIL, timeouts, refused and anything unknown. */
export type DnsFailureKind = 'nxdomain' | 'nodata' | 'temporary';

export interface DnsFailure {
  readonly kind: DnsFailureKind;
  /** c-ares code (ENOTFOUND, ENODATA, ESERVFAIL, ETIMEOUT ...), for logs. */
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

/** What the rest of Baton depends on; tests may pass a fake. */
export interface DnsResolver {
  resolveMx(domain: string): Promise<DnsResult<readonly MxRecord[]>>;
  /** A and AAAA together, IPv4 first (many senders have no IPv6 route; RFC 6724 leaves the choice to us). */
  resolveAddresses(host: string): Promise<DnsResult<readonly AddressRecord[]>>;
}

/** The part of node's `dns.promises.Resolver` we use; a seam for unit tests. */
export interface DnsBackend {
  resolveMx(name: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(name: string, opts: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
  resolve6(name: string, opts: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
}

export interface ResolverOptions {
  /** "ip", "ip:port" or "[v6]:port"; the system's resolvers when absent (config `dns.servers`). */
  readonly servers?: readonly string[];
  /** Budget per lookup in ms (config `dns.timeout`), split over two tries. */
  readonly timeout: number;
  readonly clock: Clock;
  /** For tests; built from servers/timeout when absent. */
  readonly backend?: DnsBackend;
  /** Cache bound (entries); the oldest entry goes first. */
  readonly maxEntries?: number;
}

/**
 * node's resolveMx gives no TTL, so MX answers are kept for a fixed 5 minutes: short
 * enough that an MX change is seen quickly, long enough that a burst of mail to one
 * domain costs one lookup. A/AAAA use their own TTL, capped at one hour.
 */
export const MX_CACHE_MS = 5 * 60_000;
/** Negative answers (NXDOMAIN/NODATA): node hides the SOA minimum (RFC 2308), so a short fixed time. */
export const NEGATIVE_CACHE_MS = 60_000;
const MAX_TTL_MS = 3600_000;

export function mapDnsError(err: unknown): DnsFailure {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'EUNKNOWN';
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ENOTFOUND': // c-ares reports NXDOMAIN as ENOTFOUND
    case 'EBADNAME': // a name that cannot exist in the DNS
      return { kind: 'nxdomain', code, message };
    case 'ENODATA':
      return { kind: 'nodata', code, message };
    default:
      // ESERVFAIL, ETIMEOUT, ECONNREFUSED, EREFUSED, ... and anything unknown: never
      // turn our own or the network's trouble into a bounce.
      return { kind: 'temporary', code, message };
  }
}

type CacheEntry = { readonly expires: number; readonly result: DnsResult<unknown> };

export class CachingResolver implements DnsResolver {
  private readonly backend: DnsBackend;
  private readonly clock: Clock;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly maxEntries: number;

  constructor(opts: ResolverOptions) {
    this.clock = opts.clock;
    this.maxEntries = opts.maxEntries ?? 10_000;
    if (opts.backend) {
      this.backend = opts.backend;
    } else {
      const r = new NodeResolver({ timeout: Math.max(50, Math.ceil(opts.timeout / 2)), tries: 2 });
      if (opts.servers && opts.servers.length > 0) r.setServers([...opts.servers]);
      this.backend = r;
    }
  }

  resolveMx(domain: string): Promise<DnsResult<readonly MxRecord[]>> {
    const name = normalize(domain);
    return this.cached(`MX ${name}`, async () => {
      const rows = await this.backend.resolveMx(name);
      const value = rows.map((r) => ({ exchange: normalize(r.exchange), preference: r.priority }));
      return { value, ttlMs: MX_CACHE_MS };
    });
  }

  async resolveAddresses(host: string): Promise<DnsResult<readonly AddressRecord[]>> {
    const name = normalize(host);
    const [v4, v6] = await Promise.all([this.family(name, 4), this.family(name, 6)]);
    if (v4.ok && v6.ok) return { ok: true, value: [...v4.value, ...v6.value] };
    // One family answering is enough to deliver; report a failure only when neither did.
    const got = [...(v4.ok ? v4.value : []), ...(v6.ok ? v6.value : [])];
    if (got.length > 0) return { ok: true, value: got };
    if (v4.ok && !v6.ok && v6.error.kind !== 'temporary') return v4;
    if (v6.ok && !v4.ok && v4.error.kind !== 'temporary') return v6;
    const errs = [v4, v6].flatMap((r) => (r.ok ? [] : [r.error]));
    // Worst first: temporary (retry later) beats nxdomain beats nodata.
    const rank: Record<DnsFailureKind, number> = { temporary: 0, nxdomain: 1, nodata: 2 };
    errs.sort((a, b) => rank[a.kind] - rank[b.kind]);
    const first = errs[0];
    return first ? { ok: false, error: first } : { ok: true, value: [] };
  }

  /** Drop every cached answer (tests, or an operator's "flush"). */
  clear(): void {
    this.cache.clear();
  }

  private family(name: string, family: 4 | 6): Promise<DnsResult<AddressRecord[]>> {
    return this.cached(`A${family} ${name}`, async () => {
      const rows = family === 4 ? await this.backend.resolve4(name, { ttl: true }) : await this.backend.resolve6(name, { ttl: true });
      const value = rows.map((r) => ({ address: r.address, family, ttl: r.ttl }));
      const ttl = Math.min(...rows.map((r) => r.ttl), MAX_TTL_MS / 1000);
      return { value, ttlMs: Math.max(0, ttl) * 1000 };
    });
  }

  private async cached<T>(key: string, load: () => Promise<{ value: T; ttlMs: number }>): Promise<DnsResult<T>> {
    const now = this.clock.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) return hit.result as DnsResult<T>;
    if (hit) this.cache.delete(key);
    let result: DnsResult<T>;
    let ttlMs: number;
    try {
      const got = await load();
      result = { ok: true, value: got.value };
      ttlMs = Math.min(got.ttlMs, MAX_TTL_MS);
    } catch (err) {
      const error = mapDnsError(err);
      result = { ok: false, error };
      ttlMs = error.kind === 'temporary' ? 0 : NEGATIVE_CACHE_MS;
    }
    if (ttlMs > 0) {
      if (this.cache.size >= this.maxEntries) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(key, { expires: this.clock.now() + ttlMs, result });
    }
    return result;
  }
}

function normalize(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Build the resolver from config `dns` (DESIGN §2: main.ts passes it in). */
export function createResolver(config: { servers?: readonly string[] | undefined; timeout: number }, clock: Clock): CachingResolver {
  return new CachingResolver({ timeout: config.timeout, clock, ...(config.servers ? { servers: config.servers } : {}) });
}
