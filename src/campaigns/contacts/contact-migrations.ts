import type { SchemaConcern } from '../../sqlite/index.js';

/**
 * The contacts concern (`schema:contacts`) in the queue's SQLite file: the
 * people a sender mails, their lists and consent, and what happened to mail
 * sent to them. Segments (campaigns/segments/) compile to SQL over exactly
 * these tables, on both backends (pg-contact-migrations.ts has the same rows).
 *
 * - `contacts.address` is suppressionKey() form (lower case "local@domain"),
 *   so a contact joins the suppression table on it.
 * - `attributes` is a JSON object (json_extract on SQLite, jsonb on PostgreSQL).
 * - A contact's status (subscribed, unsubscribed, bounced, complained) is not
 *   stored: it is derived from the suppression store, the one truth.
 * - `list_members.status`: pending (double opt-in, not confirmed yet),
 *   subscribed, unsubscribed (left this list only).
 * - `consents` is an append-only record of who agreed to what, when, from
 *   where (GDPR art. 7(1): the sender must be able to show consent).
 * - `contact_activity` is a projection of the events outbox (delivered,
 *   bounced, unsubscribed, complained, opened, clicked) per address, for
 *   segment conditions on delivery history; `contact_activity_cursor` is
 *   its place in the outbox.
 */
export const CONTACTS_SCHEMA: SchemaConcern = {
  name: 'contacts',
  migrations: [
    {
      version: 1,
      name: 'contacts and lists',
      sql: `
CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  address TEXT NOT NULL UNIQUE,
  attributes TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT;

CREATE TABLE lists (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  opt_in TEXT NOT NULL CHECK (opt_in IN ('single', 'double')),
  description TEXT,
  -- The sender of double opt-in confirmation mail ("local@domain"); absent: the API key's default.
  confirm_from TEXT,
  created_at INTEGER NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT;

CREATE TABLE list_members (
  list_id INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
  contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('pending', 'subscribed', 'unsubscribed')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (list_id, contact_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX list_members_contact ON list_members (contact_id, status);

CREATE TABLE consents (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  list_id INTEGER,
  -- requested (double opt-in mail sent), confirmed, subscribed, unsubscribed, imported
  action TEXT NOT NULL,
  -- api, form, import, cli, link (the confirmation link), one-click
  source TEXT NOT NULL,
  ip TEXT,
  at INTEGER NOT NULL,
  detail TEXT
) STRICT;
CREATE INDEX consents_contact ON consents (contact_id, at);

CREATE TABLE contact_activity (
  address TEXT NOT NULL,
  -- delivered, bounced, unsubscribed, complained, opened, clicked
  event TEXT NOT NULL,
  last_at INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (address, event)
) STRICT, WITHOUT ROWID;
CREATE INDEX contact_activity_recent ON contact_activity (event, last_at);

CREATE TABLE contact_activity_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  event_id INTEGER NOT NULL
) STRICT;
`,
    },
  ],
};
