import type { SchemaConcern } from '../sqlite/index.js';

/** The suppression store's schema (`schema:suppression` in the meta table). */
export const SUPPRESSION_SCHEMA: SchemaConcern = {
  name: 'suppression',
  migrations: [
    {
      version: 1,
      name: 'suppressions',
      sql: `
CREATE TABLE suppressions (
  -- suppressionKey(): lower case "local@domain".
  address TEXT NOT NULL,
  -- '' is global; otherwise the sending domain it applies to (and its subdomains).
  scope TEXT NOT NULL,
  reason TEXT NOT NULL,
  source TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  schema_version INTEGER NOT NULL,
  PRIMARY KEY (address, scope)
) STRICT, WITHOUT ROWID;
`,
    },
  ],
};
