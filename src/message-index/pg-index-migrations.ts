import type { SchemaConcern } from '../sqlite/index.js';

/**
 * The message index's schema on PostgreSQL (concern `message-index`, as on
 * SQLite). The same tables and one index per search filter ending in
 * received_at. SQLite's NOCASE columns become: a lower-case key column for
 * recipient addresses (the primary key, so `Bob@x` and `bob@x` are one
 * recipient, as there), lower(sender) in an expression index, and domains
 * stored in lower case. Queue ids are COLLATE "C" so ties on received_at
 * page in the same (byte) order as on SQLite.
 */
export const PG_MESSAGE_INDEX_SCHEMA: SchemaConcern = {
  name: 'message-index',
  migrations: [
    {
      version: 1,
      name: 'message index',
      sql: `
CREATE TABLE search_messages (
  queue_id text COLLATE "C" PRIMARY KEY,
  received_at bigint NOT NULL,
  -- '' for the null reverse-path.
  sender text NOT NULL,
  -- Lower case.
  sender_domain text NOT NULL,
  subject text,
  size bigint NOT NULL,
  origin_kind text NOT NULL,
  user_name text,
  api_key text,
  -- JSON (never queried inside: tags are searched through search_tags): an array of strings, an object of strings.
  tags text NOT NULL,
  metadata text NOT NULL,
  held boolean NOT NULL DEFAULT false,
  deleted_at bigint,
  schema_version integer NOT NULL
);
CREATE INDEX search_messages_received ON search_messages(received_at, queue_id);
CREATE INDEX search_messages_sender ON search_messages(lower(sender), received_at);
CREATE INDEX search_messages_sender_domain ON search_messages(sender_domain, received_at);

CREATE TABLE search_recipients (
  queue_id text COLLATE "C" NOT NULL REFERENCES search_messages(queue_id) ON DELETE CASCADE,
  -- As queued, and in lower case (what it is found and told apart by).
  address text NOT NULL,
  address_key text COLLATE "C" NOT NULL,
  domain text NOT NULL,
  state text NOT NULL CHECK (state IN ('queued', 'deferred', 'delivered', 'bounced', 'expired', 'suppressed')),
  attempts integer NOT NULL DEFAULT 0,
  last_reply text,
  remote_mta text,
  updated_at bigint NOT NULL,
  received_at bigint NOT NULL,
  schema_version integer NOT NULL,
  PRIMARY KEY (queue_id, address_key)
);
CREATE INDEX search_recipients_address ON search_recipients(address_key, received_at);
CREATE INDEX search_recipients_domain ON search_recipients(domain, received_at);
CREATE INDEX search_recipients_state ON search_recipients(state, received_at);

CREATE TABLE search_tags (
  tag text COLLATE "C" NOT NULL,
  received_at bigint NOT NULL,
  queue_id text COLLATE "C" NOT NULL REFERENCES search_messages(queue_id) ON DELETE CASCADE,
  PRIMARY KEY (tag, received_at, queue_id)
);
-- For the cascade when a message is pruned, and to probe a message's tags.
CREATE INDEX search_tags_queue ON search_tags(queue_id);

-- The id of the last event projected; moved in the same commit as the rows it produced.
CREATE TABLE search_cursor (one integer PRIMARY KEY CHECK (one = 1), after_id bigint NOT NULL);
INSERT INTO search_cursor (one, after_id) VALUES (1, 0);
`,
    },
  ],
};
