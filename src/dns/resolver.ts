import type { Clock } from '../core/index.js';
import { DnsClient, type DnsQuerier } from './client.js';
import { normalizeName } from './message.js';
import { readAnswer } from './records.js';
import { resolveServers } from './servers.js';
import { TtlCache } from './ttl-cache.js';
import type {
  AddressRecord,
  DnsAnswer,
  DnsFailureKind,
  DnsResult,
  MxRecord,
  RecordResolver,
  RecordType,
  RecordTypes,
  TlsaRecord,
} from './types.js';

/**
 * The one DNS resolver (DESIGN §2 dns/): our own client (client.ts) asks the
 * configured servers; answers are cached for their TTL, negative answers for the
 * time their SOA allows, and failures come back as data (types.ts).
 */

/** No answer is kept longer than an hour, whatever its TTL: a changed MX is seen within the hour. */
export const MAX_TTL_MS = 3600_000;
/** RFC 2308 §5 allows hours for a "no"; a domain set up after our lookup should get mail soon. */
export const MAX_NEGATIVE_TTL_MS = 15 * 60_000;
/**
 * A "no" without an SOA. RFC 2308 §5 says such an answer SHOULD NOT be cached; we keep
 * it a minute anyway so a burst of mail to a domain that does not exist costs one
 * lookup, not one per recipient.
 */
export const NEGATIVE_CACHE_MS = 60_000;

export interface ResolverOptions {
  /** "ip", "ip:port" or "[v6]:port"; the system's resolvers when absent (config `dns.servers`). */
  readonly servers?: readonly string[];
  /** Budget per lookup in ms, all tries together (config `dns.timeout`). */
  readonly timeout: number;
  readonly clock: Clock;
  /** For tests; a DnsClient on `servers` when absent. */
  readonly querier?: DnsQuerier;
  /** Cache bound (entries); the oldest entry goes first. */
  readonly maxEntries?: number;
}

type AnyAnswer = DnsResult<DnsAnswer<RecordTypes[RecordType]>>;

export class CachingResolver implements RecordResolver {
  private readonly querier: DnsQuerier;
  private readonly clock: Clock;
  private readonly cache: TtlCache<AnyAnswer>;
  /** Lookups under way: concurrent callers of one name share one query. */
  private readonly pending = new Map<string, Promise<AnyAnswer>>();

  constructor(opts: ResolverOptions) {
    this.clock = opts.clock;
    this.cache = new TtlCache(opts.maxEntries ?? 10_000);
    this.querier = opts.querier ?? new DnsClient({ servers: resolveServers(opts.servers), timeout: opts.timeout });
  }

  lookup<K extends RecordType>(name: string, type: K): Promise<DnsResult<DnsAnswer<RecordTypes[K]>>> {
    const n = normalizeName(name);
    const key = `${type} ${n}`;
    const hit = this.cache.get(key, this.clock.now());
    if (hit) return Promise.resolve(hit as DnsResult<DnsAnswer<RecordTypes[K]>>);
    let running = this.pending.get(key);
    if (!running) {
      running = this.load(n, type, key).finally(() => this.pending.delete(key));
      this.pending.set(key, running);
    }
    return running as Promise<DnsResult<DnsAnswer<RecordTypes[K]>>>;
  }

  async resolveMx(domain: string): Promise<DnsResult<readonly MxRecord[]>> {
    return records(await this.lookup(domain, 'MX'));
  }

  async resolveTxt(name: string): Promise<DnsResult<readonly (readonly string[])[]>> {
    return records(await this.lookup(name, 'TXT'));
  }

  resolveTlsa(host: string, port: number): Promise<DnsResult<DnsAnswer<TlsaRecord>>> {
    // RFC 6698 §3 / RFC 7672 §2.3: the TLSA owner name of an SMTP server.
    return this.lookup(`_${port}._tcp.${normalizeName(host)}`, 'TLSA');
  }

  async resolveAddresses(host: string): Promise<DnsResult<readonly AddressRecord[]>> {
    const [v4, v6] = await Promise.all([this.family(host, 4), this.family(host, 6)]);
    if (v4.ok && v6.ok) return { ok: true, value: [...v4.value, ...v6.value] };
    // One family answering is enough to deliver; report a failure only when neither did.
    const got = [...(v4.ok ? v4.value : []), ...(v6.ok ? v6.value : [])];
    if (got.length > 0) return { ok: true, value: got };
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

  private async family(host: string, family: 4 | 6): Promise<DnsResult<AddressRecord[]>> {
    const got = await this.lookup(host, family === 4 ? 'A' : 'AAAA');
    if (!got.ok) return got;
    return { ok: true, value: got.value.records.map((address) => ({ address, family, ttl: got.value.ttl })) };
  }

  private async load(name: string, type: RecordType, key: string): Promise<AnyAnswer> {
    let result: AnyAnswer;
    let ttlMs: number;
    try {
      const outcome = await this.querier.query(name, type);
      // Temporary failures are not kept: the next message asks again.
      if (!outcome.ok) return outcome;
      const read = readAnswer(outcome.message, name, type);
      result = read.result;
      ttlMs = read.result.ok
        ? Math.min((read.ttl ?? 0) * 1000, MAX_TTL_MS)
        : Math.min(read.ttl === undefined ? NEGATIVE_CACHE_MS : read.ttl * 1000, MAX_NEGATIVE_TTL_MS);
    } catch (err) {
      // Our own bug is never a reason to bounce mail: temporary, and not cached.
      return { ok: false, error: { kind: 'temporary', code: 'EUNKNOWN', message: err instanceof Error ? err.message : String(err) } };
    }
    this.cache.set(key, result, this.clock.now(), ttlMs);
    return result;
  }
}

function records<T>(got: DnsResult<DnsAnswer<T>>): DnsResult<readonly T[]> {
  return got.ok ? { ok: true, value: got.value.records } : got;
}

/** Build the resolver from config `dns` (DESIGN §2: main.ts passes it in). */
export function createResolver(config: { servers?: readonly string[] | undefined; timeout: number }, clock: Clock): CachingResolver {
  return new CachingResolver({ timeout: config.timeout, clock, ...(config.servers ? { servers: config.servers } : {}) });
}
