import type { Scope } from '../route.js';
import type { UserSettings, UserSettingsPatch } from '../../users/index.js';

/**
 * The API key store (DESIGN §9 Store): who may call the HTTP API. Every
 * backend passes `api-key-store.contract.ts`. It keeps only what a key is and
 * a hash of its secret; making and checking secrets is `api-keys.ts`.
 */

/** A key as listed: everything but the secret, which is never kept. */
export interface ApiKeyInfo {
  /** Public, ~8 characters, the middle part of "baton_<id>_<secret>". */
  readonly id: string;
  /** Unique (also among revoked keys): its mail is counted as "api:NAME" for quotas. */
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** Domains the key may send as; empty: any (like an SMTP user with no restriction). */
  readonly domains: readonly string[];
  /** Stream, limits and containment, in the same shape as an SMTP user's. */
  readonly settings: UserSettings;
  readonly createdAt: number;
  readonly lastUsedAt?: number;
  readonly revokedAt?: number;
}

/** A key row with the SHA-256 of its secret: what verification reads. */
export interface StoredApiKey extends ApiKeyInfo {
  readonly secretHash: Buffer;
}

export interface NewApiKey {
  readonly id: string;
  readonly name: string;
  readonly secretHash: Buffer;
  readonly scopes: readonly Scope[];
  readonly domains: readonly string[];
  readonly settings: UserSettings;
  readonly createdAt: number;
}

export interface ApiKeyStore {
  /** Fails with ApiKeyStoreError 'exists' when the name or id is taken. */
  create(key: NewApiKey): Promise<void>;
  /** Every key, revoked ones too, by name. */
  list(): Promise<ApiKeyInfo[]>;
  byName(name: string): Promise<ApiKeyInfo | undefined>;
  /** The row verification needs (revoked keys too: the caller checks `revokedAt`). */
  byId(id: string): Promise<StoredApiKey | undefined>;
  /** Mark revoked at `at`; false when there is no such key or it was revoked already. */
  revoke(name: string, at: number): Promise<boolean>;
  /** Record use (the caller throttles this: at most once a minute per key). */
  touch(id: string, at: number): Promise<void>;
  /** Apply a settings patch (`applySettingsPatch` rules); undefined when there is no such key. */
  updateSettings(name: string, patch: UserSettingsPatch): Promise<UserSettings | undefined>;
  close(): Promise<void>;
}

export class ApiKeyStoreError extends Error {
  override readonly name = 'ApiKeyStoreError';
  constructor(
    message: string,
    readonly code: 'exists' | 'invalid',
  ) {
    super(message);
  }
}
