import type { SchemaConcern } from '../../sqlite/index.js';

/** The idempotency store's schema (`schema:idempotency` in the meta table). */
export const IDEMPOTENCY_SCHEMA: SchemaConcern = {
  name: 'idempotency',
  migrations: [
    {
      version: 1,
      name: 'idempotency_keys',
      sql: `
CREATE TABLE idempotency_keys (
  owner TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  queue_id TEXT NOT NULL,
  holder TEXT NOT NULL,
  -- 'pending' or 'done'
  state TEXT NOT NULL,
  answer_status INTEGER,
  answer_body TEXT,
  answer_type TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL,
  PRIMARY KEY (owner, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
`,
    },
  ],
};
