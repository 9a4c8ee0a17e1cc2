import type { SchemaConcern } from '../../../../sqlite/index.js';

/** The MTA-STS policy cache's schema on SQLite (`schema:mta-sts` in the meta table). */
export const STS_POLICY_SCHEMA: SchemaConcern = {
  name: 'mta-sts',
  migrations: [
    {
      version: 1,
      name: 'mta-sts policy cache',
      sql: `
CREATE TABLE mta_sts_policies (
  domain TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  mode TEXT NOT NULL,
  -- The mx patterns, one per line.
  mx TEXT NOT NULL,
  max_age INTEGER NOT NULL,
  fetched_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`,
    },
  ],
};

/** The same on PostgreSQL, numbered alike. */
export const PG_STS_POLICY_SCHEMA: SchemaConcern = {
  name: 'mta-sts',
  migrations: [
    {
      version: 1,
      name: 'mta-sts policy cache',
      sql: `
CREATE TABLE mta_sts_policies (
  domain text PRIMARY KEY,
  id text NOT NULL,
  mode text NOT NULL,
  mx text NOT NULL,
  max_age bigint NOT NULL,
  fetched_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  schema_version integer NOT NULL
);
`,
    },
  ],
};
