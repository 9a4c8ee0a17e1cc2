import { parseSettings } from '../../users/user-settings.js';
import type { Scope } from '../route.js';
import type { ApiKeyInfo } from './api-key-store.js';

/** The `api_keys` row and its mapping, shared by the SQLite and PostgreSQL stores (same columns in both). */
export interface ApiKeyRow {
  readonly id: string;
  readonly name: string;
  readonly secret_hash: Buffer;
  readonly scopes: string;
  readonly domains: string;
  readonly settings: string;
  readonly created_at: number;
  readonly last_used_at: number | null;
  readonly revoked_at: number | null;
}

export function toInfo(r: ApiKeyRow): ApiKeyInfo {
  return {
    id: r.id,
    name: r.name,
    scopes: JSON.parse(r.scopes) as Scope[],
    domains: JSON.parse(r.domains) as string[],
    settings: parseSettings(r.settings),
    createdAt: r.created_at,
    ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
    ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
  };
}
