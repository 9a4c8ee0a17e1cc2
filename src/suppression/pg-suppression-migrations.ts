import type { SchemaConcern } from '../sqlite/index.js';

/**
 * The suppression store's schema on PostgreSQL (concern `suppression`, the
 * same name as SQLite's). COLLATE "C" orders by bytes, as SQLite's BINARY
 * does: list pages and CSV exports come out in the same order on both
 * backends whatever the database's default collation is.
 */
export const PG_SUPPRESSION_SCHEMA: SchemaConcern = {
  name: 'suppression',
  migrations: [
    {
      version: 1,
      name: 'suppressions',
      sql: `
CREATE TABLE suppressions (
  -- suppressionKey(): lower case "local@domain".
  address text COLLATE "C" NOT NULL,
  -- '' is global; otherwise the sending domain it applies to (and its subdomains).
  scope text COLLATE "C" NOT NULL,
  reason text NOT NULL,
  source text,
  created_at bigint NOT NULL,
  expires_at bigint,
  schema_version integer NOT NULL,
  PRIMARY KEY (address, scope)
);
`,
    },
  ],
};
