import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { TRAFFIC_SCHEMA } from './traffic-migrations.js';
import { TrafficCursorMoved, type BucketCounts, type MinuteCounts, type TrafficStore } from './traffic-store.js';

export interface SqliteTrafficStoreOptions {
  /** The database file (`queue.path`): the rollup has its own tables and schema level in it. */
  readonly path: string;
}

/**
 * The traffic rollup in the queue's SQLite file, on this thread. Commits use
 * synchronous=NORMAL like the message index: a commit lost to a power failure
 * loses the counts and the cursor together, and they are counted again from
 * the events; no fsync on the main thread.
 */
export function openSqliteTrafficStore(opts: SqliteTrafficStoreOptions): TrafficStore {
  const db = openConcernDatabase(opts.path, TRAFFIC_SCHEMA, (d) => d.pragma('synchronous = NORMAL'));
  const readCursor = db.prepare('SELECT after_id FROM traffic_cursor WHERE one = 1').pluck();
  const moveCursor = db.prepare('UPDATE traffic_cursor SET after_id = ? WHERE one = 1');
  const add = db.prepare(
    `INSERT INTO traffic_minutes (minute, accepted, delivered, deferred, bounced, suppressed, schema_version)
     VALUES (@minute, @accepted, @delivered, @deferred, @bounced, @suppressed, ${ROW_SCHEMA_VERSION})
     ON CONFLICT (minute) DO UPDATE SET accepted = accepted + excluded.accepted, delivered = delivered + excluded.delivered,
       deferred = deferred + excluded.deferred, bounced = bounced + excluded.bounced, suppressed = suppressed + excluded.suppressed`,
  );
  // Integer division groups minutes into buckets (the CAST: a JS number may be bound as REAL, and REAL division would not group); the primary key bounds the scan to the range.
  const sums = db.prepare(
    `SELECT (minute / CAST(@bucket AS INTEGER)) * CAST(@bucket AS INTEGER) AS at, SUM(accepted) AS accepted, SUM(delivered) AS delivered, SUM(deferred) AS deferred,
       SUM(bounced) AS bounced, SUM(suppressed) AS suppressed
     FROM traffic_minutes WHERE minute >= @from AND minute < @to GROUP BY 1 ORDER BY 1`,
  );
  const pruneOlder = db.prepare('DELETE FROM traffic_minutes WHERE minute < ?');

  const applyTx = db.transaction((from: number, to: number, counts: readonly MinuteCounts[]) => {
    const at = readCursor.get() as number;
    if (at !== from) throw new TrafficCursorMoved(from, at);
    for (const c of counts) add.run({ minute: c.minute, accepted: c.accepted, delivered: c.delivered, deferred: c.deferred, bounced: c.bounced, suppressed: c.suppressed });
    moveCursor.run(to);
  });

  return {
    async cursor() {
      return readCursor.get() as number;
    },
    async apply(from, to, counts) {
      applyTx.immediate(from, to, counts);
    },
    async buckets(from, to, bucketMs) {
      if (!Number.isInteger(bucketMs) || bucketMs <= 0) throw new RangeError(`a bucket is a whole number of ms above 0, not ${bucketMs}`);
      return sums.all({ from, to, bucket: bucketMs }) as BucketCounts[];
    },
    async prune(before) {
      return db.transaction(() => pruneOlder.run(before).changes).immediate();
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
