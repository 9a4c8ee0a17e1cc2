import BetterSqlite from 'better-sqlite3';
import type { PgDatabase } from '../../postgres/index.js';

/**
 * Rows written straight into the contacts tables, for tests and the preview
 * benchmark of segments (contacts/ owns the writes in the product; segments
 * only read). Both backends get the same rows, ids included.
 */
export interface ContactSeed {
  readonly lists?: readonly { id: number; name: string }[];
  readonly contacts?: readonly { id: number; address: string; attributes: Record<string, unknown> }[];
  readonly members?: readonly { list: number; contact: number; status: 'pending' | 'subscribed' | 'unsubscribed' }[];
  readonly activity?: readonly { address: string; event: string; lastAt: number }[];
}

export function seedSqliteContacts(path: string, seed: ContactSeed): void {
  const db = new BetterSqlite(path);
  try {
    db.pragma('busy_timeout = 10000');
    db.transaction(() => {
      const list = db.prepare("INSERT INTO lists (id, name, opt_in, created_at, schema_version) VALUES (?, ?, 'single', 0, 1)");
      for (const l of seed.lists ?? []) list.run(l.id, l.name);
      const contact = db.prepare('INSERT INTO contacts (id, address, attributes, created_at, updated_at, schema_version) VALUES (?, ?, ?, 0, 0, 1)');
      for (const c of seed.contacts ?? []) contact.run(c.id, c.address, JSON.stringify(c.attributes));
      const member = db.prepare('INSERT INTO list_members (list_id, contact_id, status, created_at, updated_at) VALUES (?, ?, ?, 0, 0)');
      for (const m of seed.members ?? []) member.run(m.list, m.contact, m.status);
      const act = db.prepare('INSERT INTO contact_activity (address, event, last_at, count) VALUES (?, ?, ?, 1)');
      for (const a of seed.activity ?? []) act.run(a.address, a.event, a.lastAt);
    })();
    db.exec('ANALYZE');
  } finally {
    db.close();
  }
}

const CHUNK = 5000;

export async function seedPgContacts(db: PgDatabase, seed: ContactSeed): Promise<void> {
  const chunks = <T>(rows: readonly T[]) => Array.from({ length: Math.ceil(rows.length / CHUNK) }, (_, i) => rows.slice(i * CHUNK, (i + 1) * CHUNK));
  for (const c of chunks(seed.lists ?? [])) {
    await db.query("INSERT INTO lists (id, name, opt_in, created_at, schema_version) SELECT i, n, 'single', 0, 1 FROM unnest($1::bigint[], $2::text[]) AS t(i, n)", [c.map((l) => l.id), c.map((l) => l.name)]);
  }
  for (const c of chunks(seed.contacts ?? [])) {
    await db.query('INSERT INTO contacts (id, address, attributes, created_at, updated_at, schema_version) SELECT i, a, j, 0, 0, 1 FROM unnest($1::bigint[], $2::text[], $3::jsonb[]) AS t(i, a, j)', [
      c.map((x) => x.id),
      c.map((x) => x.address),
      c.map((x) => JSON.stringify(x.attributes)),
    ]);
  }
  for (const c of chunks(seed.members ?? [])) {
    await db.query('INSERT INTO list_members (list_id, contact_id, status, created_at, updated_at) SELECT l, c, s, 0, 0 FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(l, c, s)', [
      c.map((m) => m.list),
      c.map((m) => m.contact),
      c.map((m) => m.status),
    ]);
  }
  for (const c of chunks(seed.activity ?? [])) {
    await db.query('INSERT INTO contact_activity (address, event, last_at, count) SELECT a, e, t, 1 FROM unnest($1::text[], $2::text[], $3::bigint[]) AS x(a, e, t)', [
      c.map((a) => a.address),
      c.map((a) => a.event),
      c.map((a) => a.lastAt),
    ]);
  }
  await db.query('ANALYZE contacts, list_members, contact_activity');
}
