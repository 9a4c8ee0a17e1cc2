import type { SchemaConcern } from '../../sqlite/index.js';

/** The dashboard admins' schema (`schema:admins` in the meta table): accounts, failed logins, sessions. */
export const ADMINS_SCHEMA: SchemaConcern = {
  name: 'admins',
  migrations: [
    {
      version: 1,
      name: 'admins_and_sessions',
      sql: `
CREATE TABLE admins (
  name TEXT PRIMARY KEY,
  -- scrypt$N$r$p$salt$hash (users/password.ts), never the password.
  password TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL,
  last_login_at INTEGER,
  -- Set when api.dashboard.lockout.max failures fell within its window; cleared by "baton admin unlock".
  locked_until INTEGER,
  schema_version INTEGER NOT NULL
) STRICT;

-- Failed logins of existing accounts (the lockout counts them); removed by a success, an unlock or age.
CREATE TABLE admin_login_failures (
  name TEXT NOT NULL REFERENCES admins (name) ON DELETE CASCADE,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX admin_login_failures_name ON admin_login_failures (name, at);

CREATE TABLE admin_sessions (
  -- SHA-256 of the 256-bit session id the cookie carries: a stolen database holds no usable session.
  id_hash BLOB PRIMARY KEY,
  admin TEXT NOT NULL REFERENCES admins (name) ON DELETE CASCADE,
  -- The synchronizer token for X-CSRF-Token; useless without the cookie, so kept as it is.
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  schema_version INTEGER NOT NULL
) STRICT;
CREATE INDEX admin_sessions_admin ON admin_sessions (admin);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);
`,
    },
  ],
};
