import type { DkimAlgorithm, DkimKeyRecord, DkimKeyState } from './dkim-key-store.js';

/**
 * A `dkim_keys` row's columns that both backends share, and its mapping (SQLite and PostgreSQL).
 * The order column differs (SQLite's rowid, PostgreSQL's seq) and stays in each backend's row.
 */
export interface DkimKeyRow {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: string;
  readonly state: string;
  readonly public_key: string;
  readonly sealed_key: Buffer | null;
  readonly created_at: number;
  readonly state_since: number;
}

export function toRecord(r: DkimKeyRow): DkimKeyRecord {
  return {
    domain: r.domain,
    selector: r.selector,
    algorithm: r.algorithm as DkimAlgorithm,
    state: r.state as DkimKeyState,
    publicKey: r.public_key,
    createdAt: r.created_at,
    stateSince: r.state_since,
    ...(r.sealed_key ? { sealedKey: r.sealed_key } : {}),
  };
}
