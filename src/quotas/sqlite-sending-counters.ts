import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { QUOTAS_SCHEMA } from './counters-migrations.js';
import { fromRow, type CountsRow } from './counts-row.js';
import type { SendingCounters } from './sending-counters.js';
import { addCounts, emptyCounts, rollTo, type UserCounts } from './windows.js';

export interface SqliteSendingCountersOptions {
  /** The database file (`queue.path`): the counters have their own table and schema level in it. */
  readonly path: string;
}

/**
 * Counters in the queue's SQLite file, kept in memory and written in batches.
 *
 * Why not a write per message: the queue commits with synchronous=FULL (an
 * fsync each), and a second fsync per message on the main thread would halve
 * the submission rate. Instead a user's counts are read from the file once
 * (the first time the user is seen), counted in a Map, and `flush` (every
 * second, from the caller's timer, and at close) writes the users that
 * changed in one transaction. This connection commits with
 * synchronous=NORMAL: in WAL mode a commit then survives a crash of the
 * process, and a power loss may undo the last commits. It leaves WAL
 * checkpoints (which fsync) to the queue's writer thread.
 *
 * What a crash may lose: the counts of the last flush interval (a sender
 * could then send that many more in the window), never a message.
 */
export function openSqliteSendingCounters(opts: SqliteSendingCountersOptions): SendingCounters {
  // NORMAL: counts are written every second in batches; a crash may lose the last second's (documented above).
  const db = openConcernDatabase(opts.path, QUOTAS_SCHEMA, (d) => d.pragma('synchronous = NORMAL'));
  const readOne = db.prepare(
    'SELECT hour_start, hour_messages, hour_recipients, day_start, day_messages, day_recipients, day_bounces, day_complaints, baseline FROM sending_counters WHERE user = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO sending_counters (user, hour_start, hour_messages, hour_recipients, day_start, day_messages, day_recipients, day_bounces, day_complaints, baseline, schema_version)
     VALUES (@user, @hourStart, @hourMessages, @hourRecipients, @dayStart, @dayMessages, @dayRecipients, @dayBounces, @dayComplaints, @baseline, ${ROW_SCHEMA_VERSION})
     ON CONFLICT (user) DO UPDATE SET hour_start = excluded.hour_start, hour_messages = excluded.hour_messages, hour_recipients = excluded.hour_recipients,
       day_start = excluded.day_start, day_messages = excluded.day_messages, day_recipients = excluded.day_recipients, day_bounces = excluded.day_bounces,
       day_complaints = excluded.day_complaints, baseline = excluded.baseline, schema_version = excluded.schema_version`,
  );
  const cache = new Map<string, UserCounts>();
  const dirty = new Set<string>();
  const writeAll = db.transaction((users: readonly string[]) => {
    for (const user of users) {
      const c = cache.get(user);
      if (c) upsert.run({ user, ...c });
    }
  });

  const load = (user: string, now: number): UserCounts => {
    let c = cache.get(user);
    if (!c) {
      const row = readOne.get(user) as CountsRow | undefined;
      c = row ? fromRow(row) : emptyCounts(now);
      cache.set(user, c);
    }
    return c;
  };

  return {
    get(user, now) {
      // Rolled for the answer only: an unchanged user stays clean.
      return rollTo(load(user, now), now);
    },
    add(user, delta, now) {
      const next = addCounts(load(user, now), delta, now);
      cache.set(user, next);
      dirty.add(user);
      return next;
    },
    async flush() {
      if (dirty.size === 0 || !db.open) return;
      const users = [...dirty];
      dirty.clear();
      writeAll.immediate(users);
    },
    async close() {
      if (!db.open) return;
      await this.flush();
      db.close();
    },
  };
}
