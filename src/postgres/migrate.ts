import type { SchemaConcern } from '../sqlite/index.js';
import type { PgDatabase } from './database.js';

/**
 * Numbered migrations per concern on PostgreSQL, the same `SchemaConcern`
 * shape as SQLite's (src/sqlite/migrate.ts) with PostgreSQL SQL. Levels are
 * kept in `baton_schema`, one row per concern. Several nodes starting at once
 * (and `baton migrate`) are serialised by a transaction-scoped advisory lock,
 * so each migration runs exactly once; DDL is transactional in PostgreSQL, so
 * a migration that fails leaves its concern at the level before it.
 */
const MIGRATION_LOCK = 0x6261746f; // "bato": one advisory lock key for every Baton migration

export async function migratePg(db: PgDatabase, concern: SchemaConcern): Promise<number> {
  const latest = concern.migrations.reduce((max, m) => Math.max(max, m.version), 0);
  return db.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS baton_schema (concern text PRIMARY KEY, level integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())');
    const found = await client.query<{ level: number }>('SELECT level FROM baton_schema WHERE concern = $1', [concern.name]);
    let level = found.rows[0]?.level ?? 0;
    if (level > latest) {
      throw new Error(`The ${concern.name} tables in PostgreSQL are at schema level ${level}, newer than this version of Baton knows (${latest}); upgrade Baton`);
    }
    for (const m of [...concern.migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= level) continue;
      await client.query(m.sql);
      level = m.version;
    }
    await client.query(
      'INSERT INTO baton_schema (concern, level) VALUES ($1, $2) ON CONFLICT (concern) DO UPDATE SET level = excluded.level, migrated_at = now()',
      [concern.name, level],
    );
    return level;
  });
}

/** Every concern's level, for `baton migrate` and `baton cluster status`. */
export async function schemaLevels(db: PgDatabase): Promise<Record<string, number>> {
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass('baton_schema')::text AS t");
  if (!exists.rows[0]?.t) return {};
  const rows = await db.query<{ concern: string; level: number }>('SELECT concern, level FROM baton_schema ORDER BY concern');
  return Object.fromEntries(rows.rows.map((r) => [r.concern, r.level]));
}
