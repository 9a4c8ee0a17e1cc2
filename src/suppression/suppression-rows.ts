import { suppressionKey, type NewSuppression, type SuppressionEntry, type SuppressionReason } from './suppression-store.js';

/** The `suppressions` row and its mapping, shared by the SQLite and PostgreSQL stores (same columns in both). */
export interface SuppressionRow {
  readonly address: string;
  readonly scope: string;
  readonly reason: string;
  readonly source: string | null;
  readonly created_at: number;
  readonly expires_at: number | null;
}

export const COLUMNS = 'address, scope, reason, source, created_at, expires_at';
/** The scope of a suppression that holds for every sender domain. */
export const GLOBAL = '';

export function toEntry(r: SuppressionRow): SuppressionEntry {
  return {
    address: r.address,
    ...(r.scope !== GLOBAL ? { domain: r.scope } : {}),
    reason: r.reason as SuppressionReason,
    ...(r.source !== null ? { source: r.source } : {}),
    createdAt: r.created_at,
    ...(r.expires_at !== null ? { expiresAt: r.expires_at } : {}),
  };
}

/** A suppression as both stores write it: the address as its lookup key, the scope lower case (GLOBAL for none). */
export interface KeyedRow {
  readonly address: string;
  readonly scope: string;
  readonly reason: string;
  readonly source: string | null;
  readonly createdAt: number;
  readonly expiresAt: number | null;
}

export function toKeyedRow(e: NewSuppression): KeyedRow {
  return {
    address: suppressionKey(e.address),
    scope: e.domain?.toLowerCase() ?? GLOBAL,
    reason: e.reason,
    source: e.source ?? null,
    createdAt: e.createdAt,
    expiresAt: e.expiresAt ?? null,
  };
}
