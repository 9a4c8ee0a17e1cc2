import { migratePg, type PgClient, type PgStoreOptions } from '../postgres/index.js';
import { ROW_SCHEMA_VERSION, type SchemaConcern } from '../sqlite/index.js';
import type { GreylistState, GreylistStore, NetworkRecord, TripletRecord } from './greylist-store.js';
import { toNetwork, toTriplet, type NetworkRow, type TripletRow } from './greylist-rows.js';

/** The greylisting store's schema on PostgreSQL: the `greylist` concern, numbered like greylist-migrations.ts. */
export const PG_GREYLIST_SCHEMA: SchemaConcern = {
  name: 'greylist',
  migrations: [
    {
      version: 1,
      name: 'greylist triplets and networks',
      sql: `
CREATE TABLE greylist_triplets (
  -- tripletKey(): "network sender recipient", lower case.
  key text PRIMARY KEY,
  first_seen bigint NOT NULL,
  passed_at bigint,
  last_seen bigint NOT NULL,
  schema_version integer NOT NULL
);
CREATE TABLE greylist_networks (
  network text PRIMARY KEY,
  passes integer NOT NULL,
  allowlisted_until bigint,
  last_seen bigint NOT NULL,
  schema_version integer NOT NULL
);
`,
    },
  ],
};

const INSERT_TRIPLET = `INSERT INTO greylist_triplets (key, first_seen, passed_at, last_seen, schema_version) VALUES ($1, $2, $3, $4, ${ROW_SCHEMA_VERSION})`;
/** Without `seen`: replace, as the SQLite store does. */
const REPLACE_TRIPLET = `${INSERT_TRIPLET}
  ON CONFLICT (key) DO UPDATE SET first_seen = excluded.first_seen, passed_at = excluded.passed_at, last_seen = excluded.last_seen`;
/** A triplet the writer saw absent: the first node to insert it decides its first-seen; the others change nothing. */
const FIRST_TRIPLET = `${INSERT_TRIPLET} ON CONFLICT (key) DO NOTHING RETURNING 1`;
/**
 * A triplet the writer saw ($5 first seen, $6 passed at): replaced only if it
 * still is as seen. The row lock ON CONFLICT takes makes the compare and the
 * set one step; last-seen, which every node moves forward, is not compared.
 */
const SWAP_TRIPLET = `${INSERT_TRIPLET}
  ON CONFLICT (key) DO UPDATE SET first_seen = excluded.first_seen, passed_at = excluded.passed_at,
    last_seen = GREATEST(greylist_triplets.last_seen, excluded.last_seen)
  WHERE greylist_triplets.first_seen = $5 AND greylist_triplets.passed_at IS NOT DISTINCT FROM $6::bigint
  RETURNING 1`;

const INSERT_NETWORK = `INSERT INTO greylist_networks (network, passes, allowlisted_until, last_seen, schema_version) VALUES ($1, $2, $3, $4, ${ROW_SCHEMA_VERSION})`;
const REPLACE_NETWORK = `${INSERT_NETWORK}
  ON CONFLICT (network) DO UPDATE SET passes = excluded.passes, allowlisted_until = excluded.allowlisted_until, last_seen = excluded.last_seen`;
/** With `seen`: add the passes this change adds ($5) in the statement, so passes recorded by two nodes at once both count. */
const ADD_TO_NETWORK = `${INSERT_NETWORK}
  ON CONFLICT (network) DO UPDATE SET passes = greylist_networks.passes + $5,
    allowlisted_until = GREATEST(greylist_networks.allowlisted_until, excluded.allowlisted_until),
    last_seen = GREATEST(greylist_networks.last_seen, excluded.last_seen)`;

/**
 * Greylisting state in the cluster's PostgreSQL database, so a client that
 * was told "try later" by one inbound node and retries on another is not
 * greylisted again. The decision (greylist.ts) is made between a read and a
 * write; given the state it read (`seen`), write makes the triplet change
 * conditional on that state still holding and the pass count additive, in one
 * transaction: no read-modify-write is lost between nodes.
 */
export async function openPgGreylistStore(opts: PgStoreOptions): Promise<GreylistStore> {
  const { db } = opts;
  await migratePg(db, PG_GREYLIST_SCHEMA);

  return {
    async read(triplet, network) {
      const [t, n] = await Promise.all([
        db.query<TripletRow>('SELECT first_seen, passed_at, last_seen FROM greylist_triplets WHERE key = $1', [triplet]),
        db.query<NetworkRow>('SELECT passes, allowlisted_until, last_seen FROM greylist_networks WHERE network = $1', [network]),
      ]);
      const tr = t.rows[0];
      const nr = n.rows[0];
      return { ...(tr ? { triplet: toTriplet(tr) } : {}), ...(nr ? { network: toNetwork(nr) } : {}) };
    },
    async write(triplet, network, change, seen) {
      if (!change.triplet && !change.network) return;
      await db.transaction(async (c) => {
        if (change.triplet && !(await writeTriplet(c, triplet, change.triplet, seen))) return;
        if (change.network) await writeNetwork(c, network, change.network, seen);
      });
    },
    async prune(b) {
      return db.transaction(async (c) => {
        const waiting = await c.query('DELETE FROM greylist_triplets WHERE passed_at IS NULL AND first_seen < $1', [b.waitingBefore]);
        const passed = await c.query('DELETE FROM greylist_triplets WHERE passed_at IS NOT NULL AND last_seen < $1', [b.seenBefore]);
        const networks = await c.query('DELETE FROM greylist_networks WHERE last_seen < $1 AND (allowlisted_until IS NULL OR allowlisted_until <= $2)', [b.seenBefore, b.now]);
        return (waiting.rowCount ?? 0) + (passed.rowCount ?? 0) + (networks.rowCount ?? 0);
      });
    },
    // The pool is the process's (src/stores/postgres-stores.ts closes it).
    async close() {},
  };
}

/** Whether the triplet change was applied (a stale one is not, and then neither is its network change). */
async function writeTriplet(c: PgClient, key: string, t: TripletRecord, seen: GreylistState | undefined): Promise<boolean> {
  const values = [key, t.firstSeen, t.passedAt ?? null, t.lastSeen];
  if (!seen) {
    await c.query(REPLACE_TRIPLET, values);
    return true;
  }
  const done = seen.triplet ? await c.query(SWAP_TRIPLET, [...values, seen.triplet.firstSeen, seen.triplet.passedAt ?? null]) : await c.query(FIRST_TRIPLET, values);
  return (done.rowCount ?? 0) > 0;
}

async function writeNetwork(c: PgClient, network: string, n: NetworkRecord, seen: GreylistState | undefined): Promise<void> {
  const values = [network, n.passes, n.allowlistedUntil ?? null, n.lastSeen];
  if (!seen) await c.query(REPLACE_NETWORK, values);
  else await c.query(ADD_TO_NETWORK, [...values, n.passes - (seen.network?.passes ?? 0)]);
}
