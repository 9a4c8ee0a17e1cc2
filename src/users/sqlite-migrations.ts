import type { SchemaConcern } from '../sqlite/index.js';

/** The users concern's schema. In databases from before per-concern levels it was level 2 of the whole file. */
export const USERS_SCHEMA: SchemaConcern = {
  name: 'users',
  migrations: [
    {
      version: 1,
      name: 'users',
      sql: `
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  -- Self-describing hash: scrypt$N$r$p$salt$hash (base64).
  password TEXT NOT NULL,
  domains TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT;
`,
    },
    {
      version: 2,
      name: 'user settings',
      // JSON of UserSettings: stream, limits (and what later issues add).
      sql: `ALTER TABLE users ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';`,
    },
  ],
  fromLegacyLevel: (level) => (level >= 2 ? 1 : 0),
};
