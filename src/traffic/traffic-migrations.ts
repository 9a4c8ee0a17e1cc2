import type { SchemaConcern } from '../sqlite/index.js';

/**
 * The traffic rollup's schema (`schema:traffic` in the meta table): one row
 * per UTC minute with something counted, and the cursor that commits with
 * the counts it produced.
 */
export const TRAFFIC_SCHEMA: SchemaConcern = {
  name: 'traffic',
  migrations: [
    {
      version: 1,
      name: 'traffic per minute',
      sql: `
CREATE TABLE traffic_minutes (
  -- Start of the UTC minute, ms since the epoch.
  minute INTEGER PRIMARY KEY,
  accepted INTEGER NOT NULL DEFAULT 0,
  delivered INTEGER NOT NULL DEFAULT 0,
  deferred INTEGER NOT NULL DEFAULT 0,
  bounced INTEGER NOT NULL DEFAULT 0,
  suppressed INTEGER NOT NULL DEFAULT 0,
  schema_version INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The id of the last event counted; moved in the same commit as the counts.
CREATE TABLE traffic_cursor (one INTEGER PRIMARY KEY CHECK (one = 1), after_id INTEGER NOT NULL) STRICT;
INSERT INTO traffic_cursor (one, after_id) VALUES (1, 0);
`,
    },
  ],
};
