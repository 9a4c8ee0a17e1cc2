import type { Clock } from '../../../core/index.js';
import type { RecordResolver } from '../../../dns/index.js';
import type { Logger } from '../../../log/index.js';
import type { PolicyFetcher } from './policy-fetcher.js';
import { parseStsPolicy } from './sts-policy.js';
import { selectStsRecord } from './sts-record.js';
import type { StoredStsPolicy, StsPolicyStore } from './store/index.js';

export interface StsPolicyCacheOptions {
  readonly resolver: RecordResolver;
  readonly store: StsPolicyStore;
  readonly fetch: PolicyFetcher;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Domains kept in memory (the oldest are forgotten first; they are read from the store again). Default 50,000. */
  readonly maxEntries?: number;
  /** After a failed fetch, wait this long before fetching that domain's policy again. Default 5 min. */
  readonly retryAfterMs?: number;
}

/** §5.1 leaves the refresh schedule to the sender: we refresh once half of max_age has passed, at most daily. */
const REFRESH_AFTER_MAX_MS = 86_400_000;

/**
 * The MTA-STS policy in force for each recipient domain (RFC 8461 §5.1):
 * the `_mta-sts` TXT record (through the resolver's TTL cache), then the
 * policy from memory, from the store (once per domain per process, or when the
 * id changed: another node may have fetched it), or fetched over HTTPS.
 *
 * - A new TXT id means a new policy: fetch it (§3.1). An unexpired cached
 *   policy stays in force while DNS or the policy host is away or answers
 *   nonsense (§5.1, §10.2): an attacker who blocks them must not turn
 *   `enforce` into "no policy". Only a fetched policy replaces a policy.
 * - One fetch per domain at a time; a failed fetch is not retried for
 *   `retryAfterMs`, so a down policy host costs no fetch per message.
 * - Half-way through max_age the policy is refreshed in the background
 *   (§5.1 "proactively refresh") and delivery goes on with the cached one.
 */
export class StsPolicyCache {
  /** domain -> the stored policy, or null: the store has none. */
  private readonly memory = new Map<string, StoredStsPolicy | null>();
  private readonly fetching = new Map<string, Promise<StoredStsPolicy | undefined>>();
  /** domain -> "id@until": the fetch of that id failed; not again before `until`. */
  private readonly failed = new Map<string, { readonly id: string; readonly until: number }>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly opts: StsPolicyCacheOptions) {}

  /** The policy in force for `domain`, or undefined (no MTA-STS: deliver as if none was ever published). */
  async current(domain: string): Promise<StoredStsPolicy | undefined> {
    const txt = await this.opts.resolver.resolveTxt(`_mta-sts.${domain}`);
    const now = this.opts.clock.now();
    let cached = await this.cached(domain);
    let live = cached && cached.expiresAt > now ? cached : undefined;
    // No TXT, a DNS failure or a malformed record: no *live* policy, so the cached one applies (§5.1).
    const record = txt.ok ? selectStsRecord(txt.value) : undefined;
    if (!record?.ok) return live;
    const id = record.record.id;
    if (live && live.id === id) {
      if (now - live.fetchedAt >= Math.min(REFRESH_AFTER_MAX_MS, (live.policy.maxAge * 1000) / 2)) this.refreshInBackground(domain, id);
      return live;
    }
    if (cached && cached.id !== id) {
      // Another node may have fetched the new version already.
      cached = await this.fromStore(domain);
      live = cached && cached.expiresAt > now ? cached : live;
      if (live && live.id === id) return live;
    }
    return (await this.fetchOnce(domain, id)) ?? live;
  }

  /** Waits for background refreshes (shutdown). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }

  private async cached(domain: string): Promise<StoredStsPolicy | undefined> {
    const m = this.memory.get(domain);
    if (m !== undefined) return m ?? undefined;
    return this.fromStore(domain);
  }

  private async fromStore(domain: string): Promise<StoredStsPolicy | undefined> {
    try {
      const stored = await this.opts.store.get(domain);
      this.remember(domain, stored ?? null);
      return stored;
    } catch (err) {
      // Not remembered: the next attempt reads the store again.
      this.opts.logger.warn({ domain, err: (err as Error).message }, 'MTA-STS policy cache could not be read');
      return undefined;
    }
  }

  private remember(domain: string, value: StoredStsPolicy | null): void {
    this.memory.delete(domain);
    this.memory.set(domain, value);
    const max = this.opts.maxEntries ?? 50_000;
    while (this.memory.size > max) {
      const oldest = this.memory.keys().next().value as string;
      this.memory.delete(oldest);
    }
  }

  private refreshInBackground(domain: string, id: string): void {
    if (this.fetching.has(domain) || this.failedRecently(domain, id)) return;
    const p = this.fetchOnce(domain, id).finally(() => this.background.delete(p));
    this.background.add(p);
  }

  private failedRecently(domain: string, id: string): boolean {
    const f = this.failed.get(domain);
    return f !== undefined && f.id === id && f.until > this.opts.clock.now();
  }

  private fetchOnce(domain: string, id: string): Promise<StoredStsPolicy | undefined> {
    const running = this.fetching.get(domain);
    if (running) return running;
    if (this.failedRecently(domain, id)) return Promise.resolve(undefined);
    const p = this.fetchAndStore(domain, id).finally(() => this.fetching.delete(domain));
    this.fetching.set(domain, p);
    return p;
  }

  private async fetchAndStore(domain: string, id: string): Promise<StoredStsPolicy | undefined> {
    const { logger, clock } = this.opts;
    const got = await this.opts.fetch(domain);
    const parsed = got.ok ? parseStsPolicy(got.text) : undefined;
    if (!got.ok || !parsed?.ok) {
      const reason = got.ok ? `invalid policy: ${parsed && !parsed.ok ? parsed.reason : ''}` : got.reason;
      this.failed.set(domain, { id, until: clock.now() + (this.opts.retryAfterMs ?? 300_000) });
      logger.warn({ domain, id, reason }, 'MTA-STS policy fetch failed; a cached unexpired policy, if any, stays in force');
      return undefined;
    }
    this.failed.delete(domain);
    const fetchedAt = clock.now();
    const record: StoredStsPolicy = { domain, id, policy: parsed.policy, fetchedAt, expiresAt: fetchedAt + parsed.policy.maxAge * 1000 };
    this.remember(domain, record);
    try {
      await this.opts.store.put(record);
    } catch (err) {
      logger.warn({ domain, err: (err as Error).message }, 'MTA-STS policy could not be stored; it applies from memory');
    }
    logger.info({ domain, id, mode: record.policy.mode, mx: record.policy.mx, maxAge: record.policy.maxAge }, 'MTA-STS policy fetched');
    return record;
  }
}
