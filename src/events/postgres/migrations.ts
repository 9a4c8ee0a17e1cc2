import type { SchemaConcern } from '../../sqlite/index.js';

/**
 * The events outbox on PostgreSQL (concern `events`). As on SQLite: no
 * foreign key to `messages` (a timeline outlives its message), ids never
 * reused (an identity column), the whole event as JSON text (never queried
 * inside, so not jsonb).
 *
 * `tx` is the writing transaction's id (xid8, never wraps), for operators
 * tracing an event to its transaction. Cursor readers do NOT order or filter
 * on it: transaction ids follow a transaction's first write while event ids
 * follow its insert, so `tx < pg_snapshot_xmin(...)` can pass an event while
 * an older-id one is still to commit (pg-event-rows.ts readEvents says what
 * is done instead; pg-events-gap.test.ts shows both cases).
 */
export const PG_EVENTS_SCHEMA: SchemaConcern = {
  name: 'events',
  migrations: [
    {
      version: 1,
      name: 'events',
      sql: `
CREATE TABLE events (
  tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at bigint NOT NULL,
  type text NOT NULL,
  queue_id text COLLATE "C",
  data text NOT NULL,
  schema_version integer NOT NULL
);
CREATE INDEX events_queue ON events (queue_id) WHERE queue_id IS NOT NULL;
`,
    },
  ],
};
