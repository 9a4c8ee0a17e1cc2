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
  recipient TEXT,
  -- The whole event as JSON (events/types.ts); the columns above are for lookups.
  data TEXT NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT;
CREATE INDEX events_queue ON events(queue_id) WHERE queue_id IS NOT NULL;
CREATE INDEX events_at ON events(at);
`,
    },
  ],
};
