import type pg from 'pg';
import { eventQueueId, type BatonEvent, type StoredEvent } from '../types.js';

/** Row schema version of events written by this code (as ROW_SCHEMA_VERSION on SQLite). */
export const EVENT_ROW_VERSION = 1;

/** Events as parallel arrays, one per column, for `unnest` in a single INSERT (one round trip for any number). */
export interface EventColumns {
  /** What each event belongs to in the writing statement (a queue id, a recipient row id); written only when that survived. */
  readonly key: (string | number)[];
  readonly at: number[];
  readonly type: string[];
  readonly queueId: (string | null)[];
  readonly data: string[];
}

export function eventColumns(): EventColumns {
  return { key: [], at: [], type: [], queueId: [], data: [] };
}

export function addEvents(cols: EventColumns, key: string | number, events: readonly BatonEvent[] | undefined): void {
  if (!events) return;
  for (const e of events) {
    cols.key.push(key);
    cols.at.push(e.at);
    cols.type.push(e.type);
    cols.queueId.push(eventQueueId(e) ?? null);
    cols.data.push(JSON.stringify(e));
  }
}

/**
 * The SELECT feeding `INSERT INTO events (at, type, queue_id, data, schema_version)`
 * from the arrays at parameters $k..$k+4 (key typed `keyType`), kept in the
 * given order (ids follow it). `keep` is a condition on `ev.key`.
 */
export function eventsSelect(first: number, keyType: 'text' | 'bigint', keep: string): string {
  const p = (i: number): string => `$${first + i}`;
  return `SELECT ev.at, ev.type, ev.queue_id, ev.data, ${EVENT_ROW_VERSION}
    FROM unnest(${p(0)}::${keyType}[], ${p(1)}::bigint[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[])
      WITH ORDINALITY AS ev(key, at, type, queue_id, data, ord)
    WHERE ${keep} ORDER BY ev.ord`;
}

export function eventValues(cols: EventColumns): unknown[] {
  return [cols.key, cols.at, cols.type, cols.queueId, cols.data];
}

/** The first id at or after a time, else one above the newest (as SQLite's FIRST_ID_FROM). */
const FIRST_ID_FROM = '(SELECT COALESCE((SELECT id FROM events WHERE at >= $1 ORDER BY id LIMIT 1), (SELECT COALESCE(MAX(id), 0) + 1 FROM events)))';

/**
 * The transactions (virtual ids) holding the write lock an INSERT INTO events
 * takes before it draws any id (ROW EXCLUSIVE, held until its transaction
 * ends): the only ones that may still commit an event with an id below one
 * already visible. Read in the same statement as the rows, so after their
 * snapshot.
 */
const WRITERS = `(SELECT array(SELECT l.virtualtransaction FROM pg_locks l
  WHERE l.locktype = 'relation' AND l.relation = 'events'::regclass AND l.mode = 'RowExclusiveLock' AND l.granted AND l.pid <> pg_backend_pid()))`;

/** How long readEvents waits, at most, for those writers to end before answering "nothing new yet". */
const SETTLE_WAIT_MS = 500;

/** Reads of the outbox (EventStore), on any connection of the pool. */
export class PgEventReader {
  constructor(private readonly db: pg.Pool) {}

  /**
   * Events after the cursor, in id order, never skipping one that commits
   * later. Identity values are drawn at insert but become visible at commit,
   * in another order: a reader that saw 101 may not yet see 100. Any event
   * still to commit with an id below the newest one read was drawn before
   * this read's snapshot, by a transaction that still holds the events write
   * lock; so the read waits for exactly those transactions to end and reads
   * again up to the same id, which is then final. (Filtering on
   * `tx < pg_snapshot_xmin(...)` is not enough: transaction ids follow the
   * first write of a transaction, event ids its insert, and the two orders
   * differ; pg-events-gap.test.ts shows the case.)
   */
  async readEvents(afterId: number, limit: number): Promise<StoredEvent[]> {
    if (limit <= 0) return [];
    const first = await this.db.query<{ id: number; data: string; writers: string[] }>({
      name: 'baton_events_after',
      text: `SELECT e.id, e.data, ${WRITERS} AS writers FROM (SELECT id, data FROM events WHERE id > $1 ORDER BY id LIMIT $2) e`,
      values: [afterId, limit],
    });
    const rows = first.rows;
    const writers = rows[0]?.writers ?? [];
    if (rows.length === 0 || writers.length === 0) return toStored(rows);
    const deadline = Date.now() + SETTLE_WAIT_MS;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      const busy = await this.db.query({
        name: 'baton_events_writers_busy',
        text: `SELECT 1 FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY($1::text[]) LIMIT 1`,
        values: [writers],
      });
      if (busy.rowCount === 0) break;
      if (Date.now() >= deadline) return [];
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    const upTo = rows[rows.length - 1]?.id ?? afterId;
    const final = await this.db.query<{ id: number; data: string }>({
      name: 'baton_events_upto',
      text: 'SELECT id, data FROM events WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3',
      values: [afterId, upTo, limit],
    });
    return toStored(final.rows);
  }

  async eventsFor(queueId: string): Promise<StoredEvent[]> {
    const rows = await this.db.query({ name: 'baton_events_of', text: 'SELECT id, data FROM events WHERE queue_id = $1 ORDER BY id', values: [queueId] });
    return toStored(rows.rows);
  }

  async recent(type: string, since: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db.query(`SELECT id, data FROM events WHERE id >= ${FIRST_ID_FROM} AND type = $2 ORDER BY id DESC LIMIT $3`, [since, type, limit]);
    return toStored(rows.rows);
  }

  async newestEventId(): Promise<number> {
    const rows = await this.db.query<{ n: number }>('SELECT COALESCE(MAX(id), 0)::bigint AS n FROM events');
    return rows.rows[0]?.n ?? 0;
  }

  async firstEventIdFrom(at: number): Promise<number> {
    const rows = await this.db.query<{ n: number }>(`SELECT ${FIRST_ID_FROM}::bigint AS n`, [at]);
    return rows.rows[0]?.n ?? 1;
  }

  async prune(before: number): Promise<number> {
    return (await this.db.query(`DELETE FROM events WHERE id < ${FIRST_ID_FROM}`, [before])).rowCount ?? 0;
  }
}

function toStored(rows: readonly unknown[]): StoredEvent[] {
  return (rows as { id: number; data: string }[]).map((r) => ({ id: r.id, event: JSON.parse(r.data) as BatonEvent }));
}
