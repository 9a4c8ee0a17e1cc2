import type { SchemaConcern } from '../../sqlite/index.js';

/**
 * The events outbox. No foreign key to `messages`: a message's events outlive
 * it (its timeline after delivery). AUTOINCREMENT so an id is never reused,
 * even after pruning: consumers page by `id > cursor`.
 */
export const EVENTS_SCHEMA: SchemaConcern = {
  name: 'events',
  migrations: [
    {
      version: 1,
      name: 'events',
      sql: `
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  queue_id TEXT,
  -- The whole event as JSON (events/types.ts); the columns above are for lookups.
  data TEXT NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT;
-- No index on "at": events are written in time order, so ids follow time and
-- time ranges are found by id (event-rows.ts). One index less per insert on
-- the hot path of every message.
CREATE INDEX events_queue ON events(queue_id) WHERE queue_id IS NOT NULL;
`,
    },
  ],
};
