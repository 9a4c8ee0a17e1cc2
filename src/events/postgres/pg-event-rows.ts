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
 * Only events of transactions that are over: `tx` below the xmin of the
 * current snapshot, the oldest transaction still running on the server.
 * Every event that is still to commit belongs to a transaction at or above
 * it, so a cursor that moved past the events returned never skips one that
 * commits later with a smaller id.
 */
const SETTLED = 'tx < pg_snapshot_xmin(pg_current_snapshot())';

/** Reads of the outbox (EventStore), on any connection of the pool. */
export class PgEventReader {
  constructor(private readonly db: pg.Pool) {}

  async readEvents(afterId: number, limit: number): Promise<StoredEvent[]> {
    if (limit <= 0) return [];
    const rows = await this.db.query({
      name: 'baton_events_after',
      text: `SELECT id, data FROM events WHERE id > $1 AND ${SETTLED} ORDER BY id LIMIT $2`,
      values: [afterId, limit],
    });
    return toStored(rows.rows);
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
