import { migratePg, type PgQueryable, type PgStoreOptions } from '../../postgres/index.js';
import { ROW_SCHEMA_VERSION, type SchemaConcern } from '../../sqlite/index.js';
import { AdminStoreError, type AdminStore, type StoredAdmin } from './admin-store.js';
import { ADMIN_COLUMNS, SESSION_COLUMNS, toInfo, toSession, type AdminRow, type SessionRow } from './admin-rows.js';

/** The dashboard admins' schema on PostgreSQL: the `admins` concern, numbered like admin-migrations.ts. */
export const PG_ADMINS_SCHEMA: SchemaConcern = {
  name: 'admins',
  migrations: [
    {
      version: 1,
      name: 'admins_and_sessions',
      sql: `
CREATE TABLE admins (
  name text PRIMARY KEY,
  -- scrypt$N$r$p$salt$hash (users/password.ts), never the password.
  password text NOT NULL,
  created_at bigint NOT NULL,
  password_changed_at bigint NOT NULL,
  last_login_at bigint,
  -- Set when api.dashboard.lockout.max failures fell within its window; cleared by "baton admin unlock".
  locked_until bigint,
  schema_version integer NOT NULL
);
-- Failed logins of existing accounts (the lockout counts them); removed by a success, an unlock or age.
CREATE TABLE admin_login_failures (
  name text NOT NULL REFERENCES admins (name) ON DELETE CASCADE,
  at bigint NOT NULL
);
CREATE INDEX admin_login_failures_name ON admin_login_failures (name, at);
CREATE TABLE admin_sessions (
  -- SHA-256 of the 256-bit session id the cookie carries: a stolen database holds no usable session.
  id_hash bytea PRIMARY KEY,
  admin text NOT NULL REFERENCES admins (name) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  ip text NOT NULL,
  user_agent text NOT NULL,
  schema_version integer NOT NULL
);
CREATE INDEX admin_sessions_admin ON admin_sessions (admin);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);
`,
    },
  ],
};

/**
 * Admins and their dashboard sessions in the cluster's PostgreSQL database: a
 * session made on one node is good on every node behind the load balancer,
 * and the lockout counts failures made on any of them.
 *
 * Every write that touches an admin's failures or sessions first takes that
 * admin's row lock (FOR UPDATE, or the UPDATE of the row itself), always in
 * the order admin row, then failures: two nodes recording failed logins at
 * once count both (neither's insert is missed by the other's count), and
 * exactly one of them reports the lock.
 */
export async function openPgAdminStore(opts: PgStoreOptions): Promise<AdminStore> {
  const { db } = opts;
  await migratePg(db, PG_ADMINS_SCHEMA);
  const changed = (r: { rowCount: number | null }): number => r.rowCount ?? 0;
  const clearFailures = (c: PgQueryable, name: string) => c.query('DELETE FROM admin_login_failures WHERE name = $1', [name]);

  return {
    async create(name, passwordHash, at) {
      const done = await db.query(
        `INSERT INTO admins (name, password, created_at, password_changed_at, schema_version) VALUES ($1, $2, $3, $3, ${ROW_SCHEMA_VERSION}) ON CONFLICT DO NOTHING`,
        [name, passwordHash, at],
      );
      if (changed(done) === 0) throw new AdminStoreError(`Admin ${name} already exists (change its password with "baton admin passwd ${name}")`, 'exists');
    },
    async list() {
      // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
      return (await db.query<AdminRow>(`SELECT ${ADMIN_COLUMNS} FROM admins ORDER BY name COLLATE "C"`)).rows.map(toInfo);
    },
    async get(name) {
      const row = (await db.query<AdminRow>(`SELECT ${ADMIN_COLUMNS} FROM admins WHERE name = $1`, [name])).rows[0];
      return row ? { ...toInfo(row), passwordHash: row.password } : undefined;
    },
    async setPassword(name, passwordHash, at) {
      return db.transaction(async (c) => {
        if (changed(await c.query('UPDATE admins SET password = $1, password_changed_at = $2 WHERE name = $3', [passwordHash, at, name])) === 0) return false;
        await c.query('DELETE FROM admin_sessions WHERE admin = $1', [name]);
        return true;
      });
    },
    async remove(name) {
      // Sessions and failures go with it (ON DELETE CASCADE).
      return changed(await db.query('DELETE FROM admins WHERE name = $1', [name])) > 0;
    },
    async loggedIn(name, at) {
      await db.transaction(async (c) => {
        await c.query('UPDATE admins SET last_login_at = $1, locked_until = NULL WHERE name = $2', [at, name]);
        await clearFailures(c, name);
      });
    },
    async failed(name, at, max, windowMs) {
      return db.transaction(async (c) => {
        // The admin's row lock serialises failures of one admin across nodes: the count below sees every earlier one.
        if ((await c.query('SELECT 1 FROM admins WHERE name = $1 FOR UPDATE', [name])).rows.length === 0) return undefined;
        await c.query('INSERT INTO admin_login_failures (name, at) VALUES ($1, $2)', [name, at]);
        const counted = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM admin_login_failures WHERE name = $1 AND at > $2', [name, at - windowMs]);
        if ((counted.rows[0]?.n ?? 0) < max) return undefined;
        await c.query('UPDATE admins SET locked_until = $1 WHERE name = $2', [at + windowMs, name]);
        await clearFailures(c, name);
        return at + windowMs;
      });
    },
    async unlock(name) {
      return db.transaction(async (c) => {
        if (changed(await c.query('UPDATE admins SET locked_until = NULL WHERE name = $1', [name])) === 0) return false;
        await clearFailures(c, name);
        return true;
      });
    },
    async createSession(s) {
      await db.query(`INSERT INTO admin_sessions (${SESSION_COLUMNS}, schema_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ${ROW_SCHEMA_VERSION})`, [
        s.idHash,
        s.admin,
        s.csrfToken,
        s.createdAt,
        s.lastSeenAt,
        s.expiresAt,
        s.ip,
        s.userAgent,
      ]);
    },
    async session(idHash) {
      const row = (await db.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM admin_sessions WHERE id_hash = $1`, [idHash])).rows[0];
      return row ? toSession(row) : undefined;
    },
    async touchSession(idHash, lastSeenAt, expiresAt) {
      // Two nodes may slide one session at once, in either order: the expiry only ever moves forward.
      await db.query('UPDATE admin_sessions SET last_seen_at = GREATEST(last_seen_at, $1), expires_at = GREATEST(expires_at, $2) WHERE id_hash = $3', [lastSeenAt, expiresAt, idHash]);
    },
    async deleteSession(idHash) {
      return changed(await db.query('DELETE FROM admin_sessions WHERE id_hash = $1', [idHash])) > 0;
    },
    async sessions(admin) {
      const rows =
        admin === undefined
          ? await db.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM admin_sessions ORDER BY created_at DESC, admin COLLATE "C"`)
          : await db.query<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM admin_sessions WHERE admin = $1 ORDER BY created_at DESC`, [admin]);
      return rows.rows.map(toSession);
    },
    async deleteSessionsOf(admin) {
      return changed(await db.query('DELETE FROM admin_sessions WHERE admin = $1', [admin]));
    },
    async purge(now, failuresBefore) {
      return db.transaction(async (c) => {
        await c.query('DELETE FROM admin_login_failures WHERE at < $1', [failuresBefore]);
        return changed(await c.query('DELETE FROM admin_sessions WHERE expires_at <= $1', [now]));
      });
    },
    // The pool is the process's (src/stores/postgres-stores.ts closes it).
    async close() {},
  };
}

export type { StoredAdmin };
