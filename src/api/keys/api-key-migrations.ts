import type { SchemaConcern } from '../../sqlite/index.js';

/** The API key store's schema (`schema:apikeys` in the meta table). */
export const API_KEYS_SCHEMA: SchemaConcern = {
  name: 'apikeys',
  migrations: [
    {
      version: 1,
      name: 'api_keys',
      sql: `
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  -- SHA-256 of the secret part of the key; the key itself is never stored.
  secret_hash BLOB NOT NULL,
  -- JSON arrays.
  scopes TEXT NOT NULL,
  domains TEXT NOT NULL,
  -- JSON object: UserSettings (stream, limits, contained).
  settings TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER,
  schema_version INTEGER NOT NULL
) STRICT;
`,
    },
  ],
};
