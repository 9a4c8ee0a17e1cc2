import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import { TEMPLATES_SCHEMA } from './template-migrations.js';
import type { Template, TemplateStore } from './template-store.js';

interface Row {
  id: number;
  name: string;
  subject: string;
  html: string | null;
  text: string | null;
  defaults: string;
  created_at: number;
  updated_at: number;
}

export const templateOf = (r: Omit<Row, 'defaults'> & { defaults: string | Record<string, unknown> }): Template => ({
  id: r.id,
  name: r.name,
  subject: r.subject,
  ...(r.html !== null ? { html: r.html } : {}),
  ...(r.text !== null ? { text: r.text } : {}),
  defaults: typeof r.defaults === 'string' ? (JSON.parse(r.defaults) as Record<string, unknown>) : r.defaults,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Templates in the queue's SQLite file, on this thread. */
export function openSqliteTemplateStore(opts: { path: string }): TemplateStore {
  const db = openConcernDatabase(opts.path, TEMPLATES_SCHEMA);
  const insert = db.prepare(`INSERT INTO templates (name, subject, html, text, defaults, created_at, updated_at, schema_version) VALUES (?, ?, ?, ?, ?, ?, ?, ${ROW_SCHEMA_VERSION}) RETURNING *`);
  const byId = db.prepare('SELECT * FROM templates WHERE id = ?');
  const page = db.prepare('SELECT * FROM templates WHERE id > ? ORDER BY id LIMIT ?');
  // updated_at only grows, even within one ms: the renderer's cache keys on it.
  const change = db.prepare('UPDATE templates SET name = ?, subject = ?, html = ?, text = ?, defaults = ?, updated_at = max(?, updated_at + 1) WHERE id = ? RETURNING *');
  const remove = db.prepare('DELETE FROM templates WHERE id = ?');
  return {
    async create(t, now) {
      return templateOf(insert.get(t.name, t.subject, t.html ?? null, t.text ?? null, JSON.stringify(t.defaults ?? {}), now, now) as Row);
    },
    async get(id) {
      const r = byId.get(id) as Row | undefined;
      return r && templateOf(r);
    },
    async list(q) {
      return (page.all(q.after ?? 0, q.limit) as Row[]).map(templateOf);
    },
    async update(id, t, now) {
      const r = change.get(t.name, t.subject, t.html ?? null, t.text ?? null, JSON.stringify(t.defaults ?? {}), now, id) as Row | undefined;
      return r && templateOf(r);
    },
    async delete(id) {
      return remove.run(id).changes > 0;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
