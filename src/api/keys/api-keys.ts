import type { Clock } from '../../core/index.js';
import { STREAMS, type Stream } from '../../core/index.js';
import { normaliseDomains } from '../../users/index.js';
import type { ApiCaller, Scope } from '../route.js';
import { SCOPES } from '../route.js';
import { ApiKeyStoreError, type ApiKeyInfo, type ApiKeyStore } from './api-key-store.js';
import { formatKey, hashSecret, newKeyId, newSecret, parseKey, secretMatches } from './key-format.js';

export interface ApiKeysOptions {
  readonly store: ApiKeyStore;
  readonly clock: Clock;
  /**
   * How long a verified key is trusted without reading its row again. This
   * bounds how late a revoke made by another process (the CLI) takes effect;
   * a revoke through this object applies at once.
   */
  readonly cacheMs?: number;
  /** last_used_at is written at most this often per key (a busy key must not write per request). */
  readonly touchEveryMs?: number;
}

export interface NewKeyRequest {
  readonly name: string;
  /** Checked against SCOPES (the CLI passes what the operator typed). */
  readonly scopes?: readonly string[];
  readonly domains?: readonly string[];
  readonly stream?: Stream;
}

interface CachedKey {
  readonly caller: ApiCaller;
  readonly secretHash: Buffer;
  readonly until: number;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
export const DEFAULT_KEY_CACHE_MS = 5000;

/** Making, checking and revoking API keys on top of an `ApiKeyStore`. */
export class ApiKeys {
  private readonly cache = new Map<string, CachedKey>();
  private readonly touched = new Map<string, number>();
  private readonly cacheMs: number;
  private readonly touchEveryMs: number;

  constructor(private readonly opts: ApiKeysOptions) {
    this.cacheMs = opts.cacheMs ?? DEFAULT_KEY_CACHE_MS;
    this.touchEveryMs = opts.touchEveryMs ?? 60_000;
  }

  get store(): ApiKeyStore {
    return this.opts.store;
  }

  /** Create a key; returns the full key (shown once, never kept) and what was stored. */
  async create(req: NewKeyRequest): Promise<{ key: string; info: ApiKeyInfo }> {
    if (!NAME_RE.test(req.name)) throw new ApiKeyStoreError('A key name is 1-100 letters, digits and . _ @ - (starting with a letter or digit)', 'invalid');
    const asked = [...new Set(req.scopes ?? ['send'])];
    const bad = asked.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (bad.length > 0 || asked.length === 0) throw new ApiKeyStoreError(`Unknown scope ${bad.join(', ') || '(none)'} (use ${SCOPES.join(', ')})`, 'invalid');
    const scopes = asked as Scope[];
    if (req.stream !== undefined && !STREAMS.includes(req.stream)) throw new ApiKeyStoreError(`Unknown stream "${req.stream}" (use ${STREAMS.join(' or ')})`, 'invalid');
    let domains: string[];
    try {
      domains = normaliseDomains(req.domains ?? []);
    } catch (err) {
      throw new ApiKeyStoreError((err as Error).message, 'invalid');
    }
    const secret = newSecret();
    const info: ApiKeyInfo = { id: newKeyId(), name: req.name, scopes, domains, settings: req.stream ? { stream: req.stream } : {}, createdAt: this.opts.clock.now() };
    await this.opts.store.create({ ...info, secretHash: hashSecret(secret) });
    return { key: formatKey(info.id, secret), info };
  }

  /** The caller a bearer token names, or undefined (malformed, unknown, wrong secret, revoked). */
  async verify(token: string): Promise<ApiCaller | undefined> {
    const parsed = parseKey(token);
    if (!parsed) return undefined;
    const now = this.opts.clock.now();
    let entry = this.cache.get(parsed.id);
    if (!entry || entry.until <= now) {
      this.cache.delete(parsed.id);
      const row = await this.opts.store.byId(parsed.id);
      if (!row || row.revokedAt !== undefined) return undefined;
      entry = { caller: { keyId: row.id, name: row.name, scopes: row.scopes, domains: row.domains }, secretHash: row.secretHash, until: now + this.cacheMs };
      this.cache.set(parsed.id, entry);
    }
    // Checked on every request, cached or not: the cache never answers for a wrong secret.
    if (!secretMatches(parsed.secret, entry.secretHash)) return undefined;
    this.noteUse(parsed.id, now);
    return entry.caller;
  }

  /** Revoke by name; the key stops working in this process at once. */
  async revoke(name: string): Promise<boolean> {
    const info = await this.opts.store.byName(name);
    const done = await this.opts.store.revoke(name, this.opts.clock.now());
    if (info) this.cache.delete(info.id);
    return done;
  }

  private noteUse(id: string, now: number): void {
    const last = this.touched.get(id);
    if (last !== undefined && now - last < this.touchEveryMs) return;
    this.touched.set(id, now);
    // Best effort: a lost last-used time must not fail the request.
    void this.opts.store.touch(id, now).catch(() => undefined);
  }
}
