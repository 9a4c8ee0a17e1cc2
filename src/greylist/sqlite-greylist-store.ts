import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { GREYLIST_SCHEMA } from './greylist-migrations.js';
import type { GreylistStore, NetworkRecord, TripletRecord } from './greylist-store.js';
import { toNetwork, toTriplet, type NetworkRow, type TripletRow } from './greylist-rows.js';

export interface SqliteGreylistStoreOptions {
  /** The database file (`queue.path`): greylisting has its own tables and schema level in it. */
  readonly path: string;
}

/**
 * Greylisting state in the same SQLite file as the queue, on this thread: a
 * read is two primary-key lookups and a write two upserts (microseconds), only
 * for untrusted clients on roles that list the `greylist` check.
 */
export function openSqliteGreylistStore(opts: SqliteGreylistStoreOptions): GreylistStore {
  const db = openConcernDatabase(opts.path, GREYLIST_SCHEMA);
  const readTriplet = db.prepare('SELECT first_seen, passed_at, last_seen FROM greylist_triplets WHERE key = ?');
  const readNetwork = db.prepare('SELECT passes, allowlisted_until, last_seen FROM greylist_networks WHERE network = ?');
  const upsertTriplet = db.prepare(
    `INSERT INTO greylist_triplets (key, first_seen, passed_at, last_seen, schema_version) VALUES (?, ?, ?, ?, ${ROW_SCHEMA_VERSION})
     ON CONFLICT (key) DO UPDATE SET first_seen = excluded.first_seen, passed_at = excluded.passed_at, last_seen = excluded.last_seen`,
  );
  const upsertNetwork = db.prepare(
    `INSERT INTO greylist_networks (network, passes, allowlisted_until, last_seen, schema_version) VALUES (?, ?, ?, ?, ${ROW_SCHEMA_VERSION})
     ON CONFLICT (network) DO UPDATE SET passes = excluded.passes, allowlisted_until = excluded.allowlisted_until, last_seen = excluded.last_seen`,
  );
  const pruneWaiting = db.prepare('DELETE FROM greylist_triplets WHERE passed_at IS NULL AND first_seen < ?');
  const prunePassed = db.prepare('DELETE FROM greylist_triplets WHERE passed_at IS NOT NULL AND last_seen < ?');
  const pruneNetworks = db.prepare('DELETE FROM greylist_networks WHERE last_seen < ? AND (allowlisted_until IS NULL OR allowlisted_until <= ?)');
  const writeBoth = db.transaction((triplet: string, network: string, t: TripletRecord | undefined, n: NetworkRecord | undefined) => {
    if (t) upsertTriplet.run(triplet, t.firstSeen, t.passedAt ?? null, t.lastSeen);
    if (n) upsertNetwork.run(network, n.passes, n.allowlistedUntil ?? null, n.lastSeen);
  });
  const pruneAll = db.transaction((b: { waitingBefore: number; seenBefore: number; now: number }) => {
    return pruneWaiting.run(b.waitingBefore).changes + prunePassed.run(b.seenBefore).changes + pruneNetworks.run(b.seenBefore, b.now).changes;
  });

  return {
    async read(triplet, network) {
      const t = readTriplet.get(triplet) as TripletRow | undefined;
      const n = readNetwork.get(network) as NetworkRow | undefined;
      return { ...(t ? { triplet: toTriplet(t) } : {}), ...(n ? { network: toNetwork(n) } : {}) };
    },
    async write(triplet, network, change) {
      if (change.triplet || change.network) writeBoth.immediate(triplet, network, change.triplet, change.network);
    },
    async prune(bounds) {
      return pruneAll.immediate(bounds);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
