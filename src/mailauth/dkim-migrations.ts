import type { SchemaConcern } from '../sqlite/index.js';

/** The DKIM key store's schema (`schema:dkim-keys` in the meta table). */
export const DKIM_KEYS_SCHEMA: SchemaConcern = {
  name: 'dkim-keys',
  migrations: [
    {
      version: 1,
      name: 'dkim keys',
      sql: `
CREATE TABLE dkim_keys (
  domain TEXT NOT NULL,
  selector TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  state TEXT NOT NULL,
  -- The p= value published in DNS.
  public_key TEXT NOT NULL,
  -- The private key sealed with dkim.secret (AES-256-GCM); NULL once retired.
  sealed_key BLOB,
  created_at INTEGER NOT NULL,
  state_since INTEGER NOT NULL,
  schema_version INTEGER NOT NULL,
  PRIMARY KEY (domain, selector)
) STRICT;
`,
    },
  ],
};
