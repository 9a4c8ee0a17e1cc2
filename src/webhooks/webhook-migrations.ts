import type { SchemaConcern } from '../sqlite/index.js';

/** The webhook store's schema (`schema:webhooks` in the meta table). */
export const WEBHOOKS_SCHEMA: SchemaConcern = {
  name: 'webhooks',
  migrations: [
    {
      version: 1,
      name: 'webhook endpoints and deliveries',
      sql: `
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  -- A JSON array of event types; NULL: every type.
  events TEXT,
  -- In clear: the receiver verifies with the same key (HMAC), so it cannot be hashed.
  secret TEXT NOT NULL,
  description TEXT,
  enabled INTEGER NOT NULL,
  disabled_reason TEXT,
  disabled_at INTEGER,
  -- The id of the last event counted as delivered (events.id).
  cursor INTEGER NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  first_failure_at INTEGER,
  next_attempt_at INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT;
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  status INTEGER,
  ok INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  event_count INTEGER NOT NULL,
  first_event_id INTEGER NOT NULL,
  last_event_id INTEGER NOT NULL,
  error TEXT,
  response TEXT,
  schema_version INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
`,
    },
    {
      version: 2,
      name: 'the body of each delivery',
      // Operators debugging a receiver need the exact JSON that was signed and sent
      // (the events of the range may be filtered, and later ones age out of the outbox).
      sql: `
ALTER TABLE webhook_deliveries ADD COLUMN body TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN body_length INTEGER;
`,
    },
  ],
};
