import type { SchemaConcern } from '../sqlite/index.js';

/**
 * The traffic rollup's schema on PostgreSQL (concern `traffic`, as on
 * SQLite): one row per UTC minute with something counted, and the cursor
 * that commits with the counts it produced.
 */
export const PG_TRAFFIC_SCHEMA: SchemaConcern = {
  name: 'traffic',
  migrations: [
    {
      version: 1,
      name: 'traffic per minute',
      sql: `
CREATE TABLE traffic_minutes (
  -- Start of the UTC minute, ms since the epoch.
  minute bigint PRIMARY KEY,
  accepted bigint NOT NULL DEFAULT 0,
  delivered bigint NOT NULL DEFAULT 0,
  deferred bigint NOT NULL DEFAULT 0,
  bounced bigint NOT NULL DEFAULT 0,
  suppressed bigint NOT NULL DEFAULT 0,
  schema_version integer NOT NULL
);

-- The id of the last event counted; moved in the same commit as the counts.
CREATE TABLE traffic_cursor (one integer PRIMARY KEY CHECK (one = 1), after_id bigint NOT NULL);
INSERT INTO traffic_cursor (one, after_id) VALUES (1, 0);
`,
    },
  ],
};
