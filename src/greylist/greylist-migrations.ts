import type { SchemaConcern } from '../sqlite/index.js';

/** The greylisting store's schema (`schema:greylist` in the meta table). */
export const GREYLIST_SCHEMA: SchemaConcern = {
  name: 'greylist',
  migrations: [
    {
      version: 1,
      name: 'greylist triplets and networks',
      sql: `
CREATE TABLE greylist_triplets (
  -- tripletKey(): "network sender recipient", lower case.
  key TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  passed_at INTEGER,
  last_seen INTEGER NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE greylist_networks (
  network TEXT PRIMARY KEY,
  passes INTEGER NOT NULL,
  allowlisted_until INTEGER,
  last_seen INTEGER NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`,
    },
  ],
};
