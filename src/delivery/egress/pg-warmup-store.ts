import { migratePg, type PgStoreOptions } from '../../postgres/index.js';
import { ROW_SCHEMA_VERSION, type SchemaConcern } from '../../sqlite/index.js';
import type { WarmupCounters } from './warmup-store.js';

/** The warm-up counters' schema on PostgreSQL: the `warmup` concern, numbered like sqlite-warmup-store.ts. */
export const PG_WARMUP_SCHEMA: SchemaConcern = {
  name: 'warmup',
  migrations: [
    {
      version: 1,
      name: 'warm-up counts per day, source and provider',
      sql: `
CREATE TABLE warmup_counts (
  day text NOT NULL,
  source text NOT NULL,
  provider text NOT NULL,
  used integer NOT NULL,
  -- What the last take granted: RETURNING reads it, as the row's old count is gone after SET.
  last_granted integer NOT NULL,
  schema_version integer NOT NULL,
  PRIMARY KEY (day, source, provider)
);
`,
    },
  ],
};

/**
 * One statement: insert the day's row or add to it, never past the allowance.
 * ON CONFLICT locks the row, so concurrent takes from any node queue on it and
 * each sees the count the one before left; in SET, w.used is that count.
 */
const TAKE = `
INSERT INTO warmup_counts AS w (day, source, provider, used, last_granted, schema_version)
VALUES ($1, $2, $3, LEAST($4::int, $5::int), LEAST($4::int, $5::int), ${ROW_SCHEMA_VERSION})
ON CONFLICT (day, source, provider) DO UPDATE
  SET used = GREATEST(w.used, LEAST(w.used + $4::int, $5::int)),
      last_granted = GREATEST(w.used, LEAST(w.used + $4::int, $5::int)) - w.used
RETURNING last_granted AS granted`;

/** Warm-up counters in the cluster's PostgreSQL database: every node takes from the same day's count. */
export async function openPgWarmupCounters(opts: PgStoreOptions): Promise<WarmupCounters> {
  const { db } = opts;
  await migratePg(db, PG_WARMUP_SCHEMA);
  return {
    async take(day, source, provider, want, allowance) {
      if (want <= 0 || allowance <= 0) return 0;
      const r = await db.query<{ granted: number }>(TAKE, [day, source, provider, want, allowance]);
      return r.rows[0]?.granted ?? 0;
    },
    async usage(day) {
      const r = await db.query<{ source: string; provider: string; used: number }>('SELECT source, provider, used FROM warmup_counts WHERE day = $1 ORDER BY source, provider', [day]);
      return r.rows.map((x) => ({ source: x.source, provider: x.provider, used: Number(x.used) }));
    },
    async prune(beforeDay) {
      const r = await db.query('DELETE FROM warmup_counts WHERE day < $1', [beforeDay]);
      return r.rowCount ?? 0;
    },
    // The pool is the process's (src/stores/postgres-stores.ts closes it).
    async close() {},
  };
}
