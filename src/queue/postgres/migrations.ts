import type { SchemaConcern } from '../../sqlite/index.js';

/**
 * The queue's tables on PostgreSQL (concern `queue`, applied by migratePg),
 * the same rows as the SQLite backend (src/queue/sqlite/migrations.ts) with
 * PostgreSQL types:
 *
 * - Text keys compare bytewise (COLLATE "C"), as SQLite's do, whatever the
 *   database's collation: listIds pages by `id > after` in id order.
 * - `recipients.row_id` is an identity column: a sequence never hands a
 *   value out twice, so row ids are never reused (QueueStore contract).
 * - `messages.pending` counts pending recipients and `dsn_due` says whether a
 *   final recipient asked for a DSN. Both are kept by recordOutcomes in the
 *   statement that finalises recipients, under the message row's lock, so two
 *   nodes finishing the last two recipients of one message at once cannot
 *   both see the other's recipient as still pending (READ COMMITTED).
 * - Partial indexes serve the claim and the scheduler (pending rows by due
 *   time), the finisher (messages with nothing pending) and takeover (leases).
 */
export const PG_QUEUE_SCHEMA: SchemaConcern = {
  name: 'queue',
  migrations: [
    {
      version: 1,
      name: 'queue',
      sql: `
CREATE TABLE messages (
  id text COLLATE "C" PRIMARY KEY,
  -- NULL is the null reverse-path "<>"; otherwise "local@domain".
  sender text COLLATE "C",
  params text NOT NULL,
  origin text NOT NULL,
  size integer NOT NULL,
  received_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  held boolean NOT NULL DEFAULT false,
  pending integer NOT NULL,
  dsn_due boolean NOT NULL DEFAULT false,
  schema_version integer NOT NULL,
  body bytea NOT NULL
);
-- body keeps bytea's default storage (EXTENDED: out of line, compressed when
-- that saves at least 25%): mail text shrinks about 4x in the table and in the
-- WAL at no measurable cost, attachments are left as they are. Not large
-- objects, and not STORAGE EXTERNAL: bench/pg-body-storage.mjs and
-- docs/cluster.md give the numbers. default_toast_compression = lz4 on
-- the server makes the compression cheaper still.
CREATE INDEX messages_received ON messages (received_at);
CREATE INDEX messages_finished ON messages (received_at) WHERE pending = 0;

CREATE TABLE recipients (
  row_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue_id text COLLATE "C" NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  local text NOT NULL,
  domain text COLLATE "C" NOT NULL,
  notify text,
  orcpt text,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'bounced', 'expired')),
  attempts integer NOT NULL DEFAULT 0,
  -- For a leased row this is the lease end: if the owner dies, that is when the row is due again.
  next_attempt_at bigint NOT NULL,
  lease_owner text COLLATE "C",
  lease_until bigint,
  -- When the lease was taken: the row was due then, so releasing makes it due from then.
  leased_at bigint,
  last_reply text,
  last_error text,
  remote_mta text,
  -- RFC 3461 §5.2.2: a DSN-capable next hop took NOTIFY on and reports success itself.
  notice_passed_on boolean NOT NULL DEFAULT false,
  updated_at bigint NOT NULL,
  schema_version integer NOT NULL
);
CREATE INDEX recipients_due ON recipients (next_attempt_at) WHERE status = 'pending';
CREATE INDEX recipients_queue ON recipients (queue_id);
CREATE INDEX recipients_domain ON recipients (domain) WHERE status = 'pending';
CREATE INDEX recipients_lease_owner ON recipients (lease_owner) WHERE lease_owner IS NOT NULL;
`,
    },
    {
      // EnqueueRequest.sendLog (as SQLite's queue migration 4): at most one message per
      // (scope, key), inserted by the enqueue statement itself; outlives the message.
      version: 2,
      name: 'send log',
      sql: `
CREATE TABLE send_log (
  scope text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  queue_id text COLLATE "C" NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX send_log_queue ON send_log (queue_id);
`,
    },
  ],
};
