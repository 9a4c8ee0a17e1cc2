import { migratePg, type PgStoreOptions } from '../postgres/index.js';
import { ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { PG_TRAFFIC_SCHEMA } from './pg-traffic-migrations.js';
import { TrafficCursorMoved, type BucketCounts, type TrafficStore } from './traffic-store.js';

/**
 * The traffic rollup in PostgreSQL, shared by a cluster. One node runs the
 * projector (the leader lease), but `apply` does not rely on that: it locks
 * the cursor row (SELECT … FOR UPDATE) before checking it, so a second
 * projector waits, then finds the cursor moved and writes nothing; counts and
 * cursor commit together, so no event is counted twice or lost.
 */
export async function openPgTrafficStore(opts: PgStoreOptions): Promise<TrafficStore> {
  const { db } = opts;
  await migratePg(db, PG_TRAFFIC_SCHEMA);

  return {
    async cursor() {
      return (await db.query<{ after_id: number }>('SELECT after_id FROM traffic_cursor WHERE one = 1')).rows[0]?.after_id ?? 0;
    },
    async apply(from, to, counts) {
      await db.transaction(async (client) => {
        // Without the row lock two projectors could both read `from` (READ COMMITTED) and both add their counts.
        const at = (await client.query<{ after_id: number }>('SELECT after_id FROM traffic_cursor WHERE one = 1 FOR UPDATE')).rows[0]?.after_id ?? 0;
        if (at !== from) throw new TrafficCursorMoved(from, at);
        if (counts.length > 0) {
          // rollUp gives each minute once: one multi-row upsert adds them all.
          await client.query(
            `INSERT INTO traffic_minutes AS t (minute, accepted, delivered, deferred, bounced, suppressed, schema_version)
             SELECT m, a, dl, df, b, s, ${ROW_SCHEMA_VERSION} FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) AS c(m, a, dl, df, b, s)
             ON CONFLICT (minute) DO UPDATE SET accepted = t.accepted + excluded.accepted, delivered = t.delivered + excluded.delivered,
               deferred = t.deferred + excluded.deferred, bounced = t.bounced + excluded.bounced, suppressed = t.suppressed + excluded.suppressed`,
            [
              counts.map((c) => c.minute),
              counts.map((c) => c.accepted),
              counts.map((c) => c.delivered),
              counts.map((c) => c.deferred),
              counts.map((c) => c.bounced),
              counts.map((c) => c.suppressed),
            ],
          );
        }
        await client.query('UPDATE traffic_cursor SET after_id = $1 WHERE one = 1', [to]);
      });
    },
    async buckets(from, to, bucketMs) {
      if (!Number.isInteger(bucketMs) || bucketMs <= 0) throw new RangeError(`a bucket is a whole number of ms above 0, not ${bucketMs}`);
      // bigint division groups minutes into buckets; sum(bigint) is numeric, cast back so it reads as a number.
      const { rows } = await db.query<BucketCounts>(
        `SELECT (minute / $3::bigint) * $3::bigint AS at, sum(accepted)::bigint AS accepted, sum(delivered)::bigint AS delivered,
           sum(deferred)::bigint AS deferred, sum(bounced)::bigint AS bounced, sum(suppressed)::bigint AS suppressed
         FROM traffic_minutes WHERE minute >= $1 AND minute < $2 GROUP BY 1 ORDER BY 1`,
        [from, to, bucketMs],
      );
      return rows;
    },
    async prune(before) {
      return (await db.query('DELETE FROM traffic_minutes WHERE minute < $1', [before])).rowCount ?? 0;
    },
    async close() {
      // The pool is the process's (src/stores closes it).
    },
  };
}
