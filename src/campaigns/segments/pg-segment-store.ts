import { migratePg, type PgStoreOptions } from '../../postgres/index.js';
import { ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import { PG_CONTACTS_SCHEMA } from '../contacts/pg-contact-migrations.js';
import type { SegmentFilter } from './segment-filter.js';
import { PG_SEGMENTS_SCHEMA } from './segment-migrations.js';
import { compileSegment } from './segment-sql.js';
import type { Segment, SegmentStore } from './segment-store.js';

interface Row {
  id: number;
  name: string;
  filter: SegmentFilter;
  created_at: number;
  updated_at: number;
}

const segmentOf = (r: Row): Segment => ({ id: r.id, name: r.name, filter: r.filter, createdAt: r.created_at, updatedAt: r.updated_at });

/** Segments in PostgreSQL, shared by a cluster; also brings the contacts concern to its level (see the SQLite store). */
export async function openPgSegmentStore(opts: PgStoreOptions): Promise<SegmentStore> {
  const { db } = opts;
  await migratePg(db, PG_CONTACTS_SCHEMA);
  await migratePg(db, PG_SEGMENTS_SCHEMA);
  const one = async (sql: string, params: unknown[]) => (await db.query<Row>(sql, params)).rows[0];

  return {
    async create(s, now) {
      return segmentOf(
        (await one(`INSERT INTO segments (name, filter, created_at, updated_at, schema_version) VALUES ($1, $2, $3, $3, ${ROW_SCHEMA_VERSION}) RETURNING *`, [s.name, JSON.stringify(s.filter), now])) as Row,
      );
    },
    async get(id) {
      const r = await one('SELECT * FROM segments WHERE id = $1', [id]);
      return r && segmentOf(r);
    },
    async list(q) {
      return (await db.query<Row>('SELECT * FROM segments WHERE id > $1 ORDER BY id LIMIT $2', [q.after ?? 0, q.limit])).rows.map(segmentOf);
    },
    async update(id, s, now) {
      const r = await one('UPDATE segments SET name = $1, filter = $2, updated_at = greatest($3::bigint, updated_at + 1) WHERE id = $4 RETURNING *', [s.name, JSON.stringify(s.filter), now, id]);
      return r && segmentOf(r);
    },
    async delete(id) {
      return ((await db.query('DELETE FROM segments WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
    async preview(filter, sample, now) {
      const { where, params } = compileSegment(filter, 'postgres', now);
      // REPEATABLE READ: the count and the sample see one snapshot.
      return db.transaction(async (client) => {
        await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const count = (await client.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM contacts c WHERE ${where}`, [...params])).rows[0]?.n ?? 0;
        // No sample query when nothing matches: it would scan the whole table again for nothing.
        const rows = sample > 0 && count > 0 ? (await client.query<{ id: number; address: string; attributes: Record<string, unknown> }>(`SELECT c.id, c.address, c.attributes FROM contacts c WHERE ${where} ORDER BY c.id LIMIT ${Math.floor(sample)}`, [...params])).rows : [];
        return { count, sample: rows };
      });
    },
    async contact(id) {
      const r = (await db.query<{ address: string; attributes: Record<string, unknown> }>('SELECT address, attributes FROM contacts WHERE id = $1', [id])).rows[0];
      return r && { address: r.address, attributes: r.attributes };
    },
    async close() {},
  };
}
