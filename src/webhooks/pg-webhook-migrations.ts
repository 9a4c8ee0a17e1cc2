import type { SchemaConcern } from '../sqlite/index.js';

/**
 * The webhook store's schema on PostgreSQL (concern `webhooks`, as on
 * SQLite), at SQLite's level 2 in one step. Ids are COLLATE "C" so `list`
 * orders ties of created_at as SQLite does (bytes).
 */
export const PG_WEBHOOKS_SCHEMA: SchemaConcern = {
  name: 'webhooks',
  migrations: [
    {
      version: 1,
      name: 'webhook endpoints and deliveries',
      sql: `
CREATE TABLE webhook_endpoints (
  id text COLLATE "C" PRIMARY KEY,
  url text NOT NULL,
  -- A JSON array of event types (never queried inside: text); NULL: every type.
  events text,
  -- In clear: the receiver verifies with the same key (HMAC), so it cannot be hashed.
  secret text NOT NULL,
  description text,
  enabled boolean NOT NULL,
  disabled_reason text,
  disabled_at bigint,
  -- The id of the last event counted as delivered (events.id).
  cursor bigint NOT NULL,
  failures integer NOT NULL DEFAULT 0,
  first_failure_at bigint,
  next_attempt_at bigint,
  last_error text,
  created_at bigint NOT NULL,
  schema_version integer NOT NULL
);
CREATE TABLE webhook_deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id text COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  at bigint NOT NULL,
  status integer,
  ok boolean NOT NULL,
  duration_ms integer NOT NULL,
  event_count integer NOT NULL,
  first_event_id bigint NOT NULL,
  last_event_id bigint NOT NULL,
  error text,
  response text,
  -- The JSON POSTed, cut to DELIVERY_BODY_KEPT characters, and its full length.
  body text,
  body_length integer,
  schema_version integer NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
`,
    },
  ],
};
