import type { Database, Statement } from 'better-sqlite3';
import { ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import { eventQueueId, type BatonEvent, type StoredEvent } from '../types.js';

/**
 * The first id at or after a time. Events are written in time order by one
 * writer, so ids follow time: the scan walks the ids before the boundary
 * only (those pruning deletes), and needs no index on time.
 */
const FIRST_ID_FROM = '(SELECT COALESCE((SELECT id FROM events WHERE at >= @since ORDER BY id LIMIT 1), (SELECT COALESCE(MAX(id), 0) + 1 FROM events)))';

/**
 * SQL for the events table, shared by the SQLite writer (inserts, inside the
 * transaction of the state change they report) and the reader.
 */
export class EventWriter {
  private readonly insert: Statement;
  private readonly pruneOlder: Statement;

  constructor(db: Database) {
    this.insert = db.prepare(`INSERT INTO events (at, type, queue_id, data, schema_version) VALUES (?, ?, ?, ?, ${ROW_SCHEMA_VERSION})`);
    this.pruneOlder = db.prepare(`DELETE FROM events WHERE id < ${FIRST_ID_FROM}`);
  }

  write(events: readonly BatonEvent[] | undefined): void {
    if (!events) return;
    for (const e of events) this.insert.run(e.at, e.type, eventQueueId(e) ?? null, JSON.stringify(e));
  }

  prune(before: number): number {
    return this.pruneOlder.run({ since: before }).changes;
  }
}

export class EventReader {
  private readonly after: Statement;
  private readonly ofMessage: Statement;
  private readonly ofType: Statement;
  private readonly newest: Statement;
  private readonly firstFrom: Statement;

  constructor(db: Database) {
    this.after = db.prepare('SELECT id, data FROM events WHERE id > ? ORDER BY id LIMIT ?');
    this.ofMessage = db.prepare('SELECT id, data FROM events WHERE queue_id = ? ORDER BY id');
    this.ofType = db.prepare(`SELECT id, data FROM events WHERE id >= ${FIRST_ID_FROM} AND type = @type ORDER BY id DESC LIMIT @limit`);
    this.newest = db.prepare('SELECT COALESCE(MAX(id), 0) FROM events').pluck();
    this.firstFrom = db.prepare(`SELECT ${FIRST_ID_FROM}`).pluck();
  }

  recent(type: string, since: number, limit: number): StoredEvent[] {
    return toStored(this.ofType.all({ since, type, limit }));
  }

  readEvents(afterId: number, limit: number): StoredEvent[] {
    return toStored(this.after.all(afterId, limit));
  }

  newestEventId(): number {
    return this.newest.get() as number;
  }

  firstEventIdFrom(at: number): number {
    return this.firstFrom.get({ since: at }) as number;
  }

  eventsFor(queueId: string): StoredEvent[] {
    return toStored(this.ofMessage.all(queueId));
  }
}

function toStored(rows: unknown[]): StoredEvent[] {
  return (rows as { id: number; data: string }[]).map((r) => ({ id: r.id, event: JSON.parse(r.data) as BatonEvent }));
}
