import type { Database } from 'better-sqlite3';

/**
 * Numbered schema migrations for the SQLite database (queue and users share one
 * file). Formats live for ever (DESIGN §5): a migration is never edited once
 * released, only followed by a new one. The SQL lives here as strings because tsc
 * does not copy .sql files to dist/.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Value of the schema_version column of rows written by this code. */
export const ROW_SCHEMA_VERSION = 1;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'queue',
    sql: `
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  -- NULL is the null reverse-path "<>"; otherwise "local@domain".
  sender TEXT,
  params TEXT NOT NULL,
  origin TEXT NOT NULL,
  size INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  held INTEGER NOT NULL DEFAULT 0,
  -- Kept by triggers below so "finished" messages are found by index, not by scan.
  pending INTEGER NOT NULL DEFAULT 0,
  schema_version INTEGER NOT NULL,
  -- The body is the last column: SQLite reads a row's columns in order, so listing
  -- messages never touches the body's overflow pages.
  body BLOB NOT NULL
) STRICT;

CREATE TABLE recipients (
  row_id INTEGER PRIMARY KEY,
  queue_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  local TEXT NOT NULL,
  domain TEXT NOT NULL,
  notify TEXT,
  orcpt TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'bounced', 'expired')),
  attempts INTEGER NOT NULL DEFAULT 0,
  -- For a leased row this is the lease end: if the owner dies, that is when the row is due again.
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  -- When the lease was taken: the row was due then, so releasing makes it due from then.
  leased_at INTEGER,
  last_reply TEXT,
  last_error TEXT,
  remote_mta TEXT,
  updated_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT;

CREATE INDEX recipients_due ON recipients(status, next_attempt_at);
CREATE INDEX recipients_domain ON recipients(domain, status);
CREATE INDEX recipients_queue ON recipients(queue_id, status);
CREATE INDEX messages_received ON messages(received_at);
CREATE INDEX messages_finished ON messages(received_at) WHERE pending = 0;

CREATE TRIGGER recipients_pending_insert AFTER INSERT ON recipients WHEN new.status = 'pending'
BEGIN UPDATE messages SET pending = pending + 1 WHERE id = new.queue_id; END;
CREATE TRIGGER recipients_pending_update AFTER UPDATE OF status ON recipients WHEN old.status <> new.status
BEGIN
  UPDATE messages SET pending = pending + (new.status = 'pending') - (old.status = 'pending') WHERE id = new.queue_id;
END;
`,
  },
  {
    version: 2,
    name: 'users',
    sql: `
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  -- Self-describing hash: scrypt$N$r$p$salt$hash (base64).
  password TEXT NOT NULL,
  domains TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT;
`,
  },
  {
    // Row ids must never be reused (QueueStore contract): without AUTOINCREMENT
    // SQLite gives the next insert max(row_id) + 1, so removing the newest
    // message handed its row ids to the next one while the delivery engine
    // still held them for the removed message's finishing job. SQLite cannot
    // add AUTOINCREMENT in place: the table is rebuilt (same columns, order,
    // indexes and triggers); the copy seeds sqlite_sequence past every old id.
    version: 3,
    name: 'recipient row ids never reused',
    sql: `
CREATE TABLE recipients_v3 (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  local TEXT NOT NULL,
  domain TEXT NOT NULL,
  notify TEXT,
  orcpt TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'bounced', 'expired')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  leased_at INTEGER,
  last_reply TEXT,
  last_error TEXT,
  remote_mta TEXT,
  updated_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT;
INSERT INTO recipients_v3 SELECT * FROM recipients;
DROP TABLE recipients;
ALTER TABLE recipients_v3 RENAME TO recipients;

CREATE INDEX recipients_due ON recipients(status, next_attempt_at);
CREATE INDEX recipients_domain ON recipients(domain, status);
CREATE INDEX recipients_queue ON recipients(queue_id, status);

CREATE TRIGGER recipients_pending_insert AFTER INSERT ON recipients WHEN new.status = 'pending'
BEGIN UPDATE messages SET pending = pending + 1 WHERE id = new.queue_id; END;
CREATE TRIGGER recipients_pending_update AFTER UPDATE OF status ON recipients WHEN old.status <> new.status
BEGIN
  UPDATE messages SET pending = pending + (new.status = 'pending') - (old.status = 'pending') WHERE id = new.queue_id;
END;
`,
  },
];

export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * Bring the database to the latest level. Safe when several processes open the
 * same file at once (baton and the CLI): BEGIN IMMEDIATE takes the write lock
 * before the level is read.
 */
export function runMigrations(db: Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
  const apply = db.transaction(() => {
    const row = db.prepare("SELECT value FROM meta WHERE key = 'migration_level'").get() as { value: string } | undefined;
    const level = row ? Number(row.value) : 0;
    if (level > LATEST_VERSION) {
      throw new Error(
        `The database is at schema level ${level}, newer than this version of Baton knows (${LATEST_VERSION}); upgrade Baton`,
      );
    }
    for (const m of MIGRATIONS) {
      if (m.version <= level) continue;
      db.exec(m.sql);
      db.prepare("INSERT INTO meta (key, value) VALUES ('migration_level', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
        String(m.version),
      );
    }
    return LATEST_VERSION;
  });
  return apply.immediate();
}

/** Pragmas every connection that writes sets: durability first (DESIGN §3 step 4). */
export function configureWriter(db: Database): void {
  db.pragma('journal_mode = WAL');
  // FULL: the WAL is fsynced at every commit, so a resolved enqueue survives power loss.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  // Checkpoint every 32 MiB of WAL rather than SQLite's 4 MiB: queue pages
  // churn (a message is written, then deleted within seconds), and a page
  // rewritten many times between two checkpoints is copied to the database
  // file once. Measured: about 10% less writer-thread CPU per message.
  db.pragma('wal_autocheckpoint = 8192');
}
