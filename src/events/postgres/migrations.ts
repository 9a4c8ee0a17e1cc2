import type { SchemaConcern } from '../../sqlite/index.js';

/**
 * The events outbox on PostgreSQL (concern `events`). As on SQLite: no
 * foreign key to `messages` (a timeline outlives its message), ids never
 * reused (an identity column), the whole event as JSON text (never queried
 * inside, so not jsonb).
 *
 * `tx` is the writing transaction's id (xid8, never wraps). Identity values
 * are handed out at insert but become visible at commit, in another order, so
 * a cursor reader could see id 101 before id 100 commits and skip 100 for
 * ever. Readers therefore take only events of transactions older than every
 * transaction still running (pg_snapshot_xmin, PostgreSQL docs §9.27.
 * "Transaction ID and Snapshot Information Functions"): see pg-event-rows.ts.
 * `tx` is the first column so that, for a transaction whose first write is an
 * event, its xid is assigned right before the event's id.
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
