import type { NetworkRecord, TripletRecord } from './greylist-store.js';

/** Row shapes and mapping shared by the SQLite and PostgreSQL greylist stores (same columns in both). */
export interface TripletRow {
  readonly first_seen: number;
  readonly passed_at: number | null;
  readonly last_seen: number;
}

export interface NetworkRow {
  readonly passes: number;
  readonly allowlisted_until: number | null;
  readonly last_seen: number;
}

export function toTriplet(r: TripletRow): TripletRecord {
  return { firstSeen: r.first_seen, ...(r.passed_at !== null ? { passedAt: r.passed_at } : {}), lastSeen: r.last_seen };
}

export function toNetwork(r: NetworkRow): NetworkRecord {
  return { passes: r.passes, ...(r.allowlisted_until !== null ? { allowlistedUntil: r.allowlisted_until } : {}), lastSeen: r.last_seen };
}
