import type { Migration, SchemaConcern } from '../../sqlite/index.js';

/**
 * The queue's schema (messages and recipients). Levels were once counted for
 * the whole file, users included: level 1 was the queue, 2 the users table
 * (now the users concern's own level 1), 3 the recipients rebuild (now 2).
 */
const QUEUE_MIGRATIONS: readonly Migration[] = [
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
    // Row ids must never be reused (QueueStore contract): without AUTOINCREMENT
    // SQLite gives the next insert max(row_id) + 1, so removing the newest
    // message handed its row ids to the next one while the delivery engine
    // still held them for the removed message's finishing job. SQLite cannot
    // add AUTOINCREMENT in place: the table is rebuilt (same columns, order,
    // indexes and triggers); the copy seeds sqlite_sequence past every old id.
    version: 2,
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
  {
    // RFC 3461 §4.1 / §5.2: a next hop that offered DSN and took NOTIFY on
    // reports success itself, so no "relayed" notice is owed for that recipient.
    version: 3,
    name: 'success notice passed on',
    sql: `ALTER TABLE recipients ADD COLUMN notice_passed_on INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    // EnqueueRequest.sendLog: at most one message per (scope, key), committed with the
    // message itself (campaigns' exactly-once). Rows outlive the message (delivered and
    // removed); queue_id maps events back to the campaign for its stats.
    version: 4,
    name: 'send log',
    sql: `
CREATE TABLE send_log (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  queue_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX send_log_queue ON send_log(queue_id);
`,
  },
];

export const QUEUE_SCHEMA: SchemaConcern = {
  name: 'queue',
  migrations: QUEUE_MIGRATIONS,
  fromLegacyLevel: (level) => (level >= 3 ? 2 : level >= 1 ? 1 : 0),
};
