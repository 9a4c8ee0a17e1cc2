import type { SchemaConcern } from '../sqlite/index.js';

/** The sending counters' schema (`schema:quotas` in the meta table). */
export const QUOTAS_SCHEMA: SchemaConcern = {
  name: 'quotas',
  migrations: [
    {
      version: 1,
      name: 'sending counters',
      sql: `
CREATE TABLE sending_counters (
  -- The SMTP AUTH user name (origin.user).
  user TEXT PRIMARY KEY,
  -- Starts (ms, UTC-aligned) of the windows the counts belong to (quotas/windows.ts).
  hour_start INTEGER NOT NULL,
  hour_messages INTEGER NOT NULL,
  hour_recipients INTEGER NOT NULL,
  day_start INTEGER NOT NULL,
  day_messages INTEGER NOT NULL,
  day_recipients INTEGER NOT NULL,
  day_bounces INTEGER NOT NULL,
  day_complaints INTEGER NOT NULL,
  -- Decaying average of the messages of the hours before hour_start.
  baseline REAL NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT;
`,
    },
  ],
};
