import type { SchemaConcern } from '../sqlite/index.js';

/**
 * The message index's schema (`schema:message-index` in the meta table). One
 * index per search filter (index-store.ts SearchQuery), each ending in
 * received_at so a filtered search walks newest first and stops at its limit.
 * received_at is copied into the recipient and tag rows for that reason.
 */
export const MESSAGE_INDEX_SCHEMA: SchemaConcern = {
  name: 'message-index',
  migrations: [
    {
      version: 1,
      name: 'message index',
      sql: `
CREATE TABLE search_messages (
  queue_id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,
  -- '' for the null reverse-path; addresses and domains compare in any case.
  sender TEXT NOT NULL COLLATE NOCASE,
  sender_domain TEXT NOT NULL COLLATE NOCASE,
  subject TEXT,
  size INTEGER NOT NULL,
  origin_kind TEXT NOT NULL,
  user TEXT,
  api_key TEXT,
  -- JSON: an array of strings, an object of strings.
  tags TEXT NOT NULL,
  metadata TEXT NOT NULL,
  held INTEGER NOT NULL DEFAULT 0,
  deleted_at INTEGER,
  schema_version INTEGER NOT NULL
) STRICT;
CREATE INDEX search_messages_received ON search_messages(received_at, queue_id);
CREATE INDEX search_messages_sender ON search_messages(sender, received_at);
CREATE INDEX search_messages_sender_domain ON search_messages(sender_domain, received_at);

CREATE TABLE search_recipients (
  queue_id TEXT NOT NULL REFERENCES search_messages(queue_id) ON DELETE CASCADE,
  address TEXT NOT NULL COLLATE NOCASE,
  domain TEXT NOT NULL COLLATE NOCASE,
  state TEXT NOT NULL CHECK (state IN ('queued', 'deferred', 'delivered', 'bounced', 'expired', 'suppressed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_reply TEXT,
  remote_mta TEXT,
  updated_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL,
  PRIMARY KEY (queue_id, address)
) STRICT, WITHOUT ROWID;
CREATE INDEX search_recipients_address ON search_recipients(address, received_at);
CREATE INDEX search_recipients_domain ON search_recipients(domain, received_at);
CREATE INDEX search_recipients_state ON search_recipients(state, received_at);

CREATE TABLE search_tags (
  tag TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  queue_id TEXT NOT NULL REFERENCES search_messages(queue_id) ON DELETE CASCADE,
  PRIMARY KEY (tag, received_at, queue_id)
) STRICT, WITHOUT ROWID;
-- For the cascade when a message is pruned.
CREATE INDEX search_tags_queue ON search_tags(queue_id);

-- The id of the last event projected; moved in the same commit as the rows it produced.
CREATE TABLE search_cursor (one INTEGER PRIMARY KEY CHECK (one = 1), after_id INTEGER NOT NULL) STRICT;
INSERT INTO search_cursor (one, after_id) VALUES (1, 0);
`,
    },
  ],
};
