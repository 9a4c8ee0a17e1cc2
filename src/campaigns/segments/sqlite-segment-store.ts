import { migrate, openConcernDatabase, ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import { CONTACTS_SCHEMA } from '../contacts/contact-migrations.js';
import type { SegmentFilter } from './segment-filter.js';
import { SEGMENTS_SCHEMA } from './segment-migrations.js';
import { compileSegment } from './segment-sql.js';
import type { Segment, SegmentStore } from './segment-store.js';

interface Row {
  id: number;
  name: string;
  filter: string;
  created_at: number;
  updated_at: number;
}

const segmentOf = (r: Row): Segment => ({ id: r.id, name: r.name, filter: JSON.parse(r.filter) as SegmentFilter, createdAt: r.created_at, updatedAt: r.updated_at });

/**
 * Segments in the queue's SQLite file, on this thread. It also brings the
 * contacts concern to its level (migrations are idempotent and per concern),
 * so previews work whichever store opened the file first.
 */
export function openSqliteSegmentStore(opts: { path: string }): SegmentStore {
  const db = openConcernDatabase(opts.path, SEGMENTS_SCHEMA);
  try {
    migrate(db, CONTACTS_SCHEMA);
  } catch (err) {
    db.close();
    throw err;
  }
  const insert = db.prepare(`INSERT INTO segments (name, filter, created_at, updated_at, schema_version) VALUES (?, ?, ?, ?, ${ROW_SCHEMA_VERSION}) RETURNING *`);
  const byId = db.prepare('SELECT * FROM segments WHERE id = ?');
  const page = db.prepare('SELECT * FROM segments WHERE id > ? ORDER BY id LIMIT ?');
  // updated_at only grows, even within one ms: renderers and caches key on it.
  const change = db.prepare('UPDATE segments SET name = ?, filter = ?, updated_at = max(?, updated_at + 1) WHERE id = ? RETURNING *');
  const remove = db.prepare('DELETE FROM segments WHERE id = ?');
  const contact = db.prepare('SELECT address, attributes FROM contacts WHERE id = ?');

  return {
    async create(s, now) {
      return segmentOf(insert.get(s.name, JSON.stringify(s.filter), now, now) as Row);
    },
    async get(id) {
      const r = byId.get(id) as Row | undefined;
      return r && segmentOf(r);
    },
    async list(q) {
      return (page.all(q.after ?? 0, q.limit) as Row[]).map(segmentOf);
    },
    async update(id, s, now) {
      const r = change.get(s.name, JSON.stringify(s.filter), now, id) as Row | undefined;
      return r && segmentOf(r);
    },
    async delete(id) {
      return remove.run(id).changes > 0;
    },
    async preview(filter, sample, now) {
      const { where, params } = compileSegment(filter, 'sqlite', now);
      // Read in one transaction: the count and the sample see the same rows.
      return db.transaction(() => {
        const count = db.prepare(`SELECT count(*) FROM contacts c WHERE ${where}`).pluck().get(...params) as number;
        // No sample query when nothing matches: it would scan the whole table again for nothing.
        const rows = sample > 0 && count > 0 ? (db.prepare(`SELECT c.id, c.address, c.attributes FROM contacts c WHERE ${where} ORDER BY c.id LIMIT ?`).all(...params, sample) as { id: number; address: string; attributes: string }[]) : [];
        return { count, sample: rows.map((r) => ({ id: r.id, address: r.address, attributes: JSON.parse(r.attributes) as Record<string, unknown> })) };
      })();
    },
    async contact(id) {
      const r = contact.get(id) as { address: string; attributes: string } | undefined;
      return r && { address: r.address, attributes: JSON.parse(r.attributes) as Record<string, unknown> };
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
