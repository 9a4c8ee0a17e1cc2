import { openConcernDatabase, ROW_SCHEMA_VERSION, type SchemaConcern } from '../../sqlite/index.js';
import type { WarmupCounters, WarmupUsage } from './warmup-store.js';

/** The warm-up counters' schema (`schema:warmup` in the meta table). */
export const WARMUP_SCHEMA: SchemaConcern = {
  name: 'warmup',
  migrations: [
    {
      version: 1,
      name: 'warm-up counts per day, source and provider',
      sql: `
CREATE TABLE warmup_counts (
  -- UTC day, "2025-01-31".
  day TEXT NOT NULL,
  source TEXT NOT NULL,
  provider TEXT NOT NULL,
  used INTEGER NOT NULL,
  schema_version INTEGER NOT NULL,
  PRIMARY KEY (day, source, provider)
) STRICT, WITHOUT ROWID;
`,
    },
  ],
};

/**
 * Warm-up counters in the queue's SQLite file (one node): a take is a read and
 * an upsert in one IMMEDIATE transaction, so two takes cannot both see the
 * same count. Called once per batch of reservations, not per message.
 */
export function openSqliteWarmupCounters(opts: { readonly path: string }): WarmupCounters {
  const db = openConcernDatabase(opts.path, WARMUP_SCHEMA);
  const read = db.prepare('SELECT used FROM warmup_counts WHERE day = ? AND source = ? AND provider = ?').pluck();
  const upsert = db.prepare(
    `INSERT INTO warmup_counts (day, source, provider, used, schema_version) VALUES (?, ?, ?, ?, ${ROW_SCHEMA_VERSION})
     ON CONFLICT (day, source, provider) DO UPDATE SET used = excluded.used`,
  );
  const take = db.transaction((day: string, source: string, provider: string, want: number, allowance: number) => {
    const used = (read.get(day, source, provider) as number | undefined) ?? 0;
    const granted = Math.max(0, Math.min(want, allowance - used));
    if (granted > 0) upsert.run(day, source, provider, used + granted);
    return granted;
  });
  const usage = db.prepare('SELECT source, provider, used FROM warmup_counts WHERE day = ? ORDER BY source, provider');
  const prune = db.prepare('DELETE FROM warmup_counts WHERE day < ?');
  return {
    async take(day, source, provider, want, allowance) {
      return take.immediate(day, source, provider, want, allowance);
    },
    async usage(day) {
      return usage.all(day) as WarmupUsage[];
    },
    async prune(beforeDay) {
      return prune.run(beforeDay).changes;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
