import type { SchemaConcern } from '../sqlite/index.js';

/**
 * The sending counters' schema on PostgreSQL (concern `quotas`, as on
 * SQLite). One row per user holding the cluster's totals; nodes add their
 * counts to it as increments (pg-counters-sql.ts) and read back the rows
 * changed since their last read by `updated_at`.
 */
export const PG_QUOTAS_SCHEMA: SchemaConcern = {
  name: 'quotas',
  migrations: [
    {
      version: 1,
      name: 'sending counters',
      sql: `
CREATE TABLE sending_counters (
  -- The SMTP AUTH user name (origin.user); "user" is a reserved word in PostgreSQL.
  user_name text PRIMARY KEY,
  -- Starts (ms, UTC-aligned) of the windows the counts belong to (quotas/windows.ts).
  hour_start bigint NOT NULL,
  hour_messages bigint NOT NULL,
  hour_recipients bigint NOT NULL,
  day_start bigint NOT NULL,
  day_messages bigint NOT NULL,
  day_recipients bigint NOT NULL,
  day_bounces bigint NOT NULL,
  day_complaints bigint NOT NULL,
  -- Decaying average of the messages of the hours before hour_start.
  baseline double precision NOT NULL,
  -- The database's clock (ms) at the last write: nodes re-read the rows changed since they last looked.
  updated_at bigint NOT NULL,
  schema_version integer NOT NULL
);
CREATE INDEX sending_counters_updated ON sending_counters(updated_at);
`,
    },
  ],
};
