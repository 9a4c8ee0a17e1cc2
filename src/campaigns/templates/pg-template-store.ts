import { migratePg, type PgStoreOptions } from '../../postgres/index.js';
import { ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import { templateOf } from './sqlite-template-store.js';
import { PG_TEMPLATES_SCHEMA } from './template-migrations.js';
import type { TemplateStore } from './template-store.js';

type Row = Parameters<typeof templateOf>[0];

/** Templates in PostgreSQL, shared by a cluster. */
export async function openPgTemplateStore(opts: PgStoreOptions): Promise<TemplateStore> {
  const { db } = opts;
  await migratePg(db, PG_TEMPLATES_SCHEMA);
  const one = async (sql: string, params: unknown[]) => (await db.query<Row>(sql, params)).rows[0];
  return {
    async create(t, now) {
      const r = await one(
        `INSERT INTO templates (name, subject, html, text, defaults, created_at, updated_at, schema_version) VALUES ($1, $2, $3, $4, $5, $6, $6, ${ROW_SCHEMA_VERSION}) RETURNING *`,
        [t.name, t.subject, t.html ?? null, t.text ?? null, JSON.stringify(t.defaults ?? {}), now],
      );
      return templateOf(r as Row);
    },
    async get(id) {
      const r = await one('SELECT * FROM templates WHERE id = $1', [id]);
      return r && templateOf(r);
    },
    async list(q) {
      return (await db.query<Row>('SELECT * FROM templates WHERE id > $1 ORDER BY id LIMIT $2', [q.after ?? 0, q.limit])).rows.map(templateOf);
    },
    async update(id, t, now) {
      const r = await one(
        'UPDATE templates SET name = $1, subject = $2, html = $3, text = $4, defaults = $5, updated_at = greatest($6::bigint, updated_at + 1) WHERE id = $7 RETURNING *',
        [t.name, t.subject, t.html ?? null, t.text ?? null, JSON.stringify(t.defaults ?? {}), now, id],
      );
      return r && templateOf(r);
    },
    async delete(id) {
      return ((await db.query('DELETE FROM templates WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
    async close() {},
  };
}
