import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import { ADMINS_SCHEMA } from './admin-migrations.js';
import { AdminStoreError, type AdminStore, type StoredAdmin } from './admin-store.js';
import { ADMIN_COLUMNS, SESSION_COLUMNS, toInfo, toSession, type AdminRow, type SessionRow } from './admin-rows.js';

export interface SqliteAdminStoreOptions {
  /** The database file (`queue.path`): admins have their own tables and schema level in it. */
  readonly path: string;
}

/**
 * Admins and their sessions in the same SQLite file as the queue, on this
 * thread: a session check is one primary-key read, and writes (logins, the
 * once-a-minute expiry slide) are rare and tiny. Sessions live in the file so
 * a restart does not log everyone out, and so the CLI (another process) can
 * end them (`baton admin passwd|remove`).
 */
export function openSqliteAdminStore(opts: SqliteAdminStoreOptions): AdminStore {
  const db = openConcernDatabase(opts.path, ADMINS_SCHEMA);
  const insert = db.prepare(
    `INSERT INTO admins (name, password, created_at, password_changed_at, schema_version) VALUES (?, ?, ?, ?, ${ROW_SCHEMA_VERSION}) ON CONFLICT DO NOTHING`,
  );
  const all = db.prepare(`SELECT ${ADMIN_COLUMNS} FROM admins ORDER BY name`);
  const one = db.prepare(`SELECT ${ADMIN_COLUMNS} FROM admins WHERE name = ?`);
  const setPassword = db.prepare('UPDATE admins SET password = ?, password_changed_at = ? WHERE name = ?');
  const remove = db.prepare('DELETE FROM admins WHERE name = ?');
  const loggedIn = db.prepare('UPDATE admins SET last_login_at = ?, locked_until = NULL WHERE name = ?');
  const clearFailures = db.prepare('DELETE FROM admin_login_failures WHERE name = ?');
  const addFailure = db.prepare('INSERT INTO admin_login_failures (name, at) VALUES (?, ?)');
  const countFailures = db.prepare('SELECT count(*) FROM admin_login_failures WHERE name = ? AND at > ?').pluck();
  const lock = db.prepare('UPDATE admins SET locked_until = ? WHERE name = ?');
  const unlock = db.prepare('UPDATE admins SET locked_until = NULL WHERE name = ?');
  const insertSession = db.prepare(
    `INSERT INTO admin_sessions (${SESSION_COLUMNS}, schema_version) VALUES (@idHash, @admin, @csrfToken, @createdAt, @lastSeenAt, @expiresAt, @ip, @userAgent, ${ROW_SCHEMA_VERSION})`,
  );
  const sessionOf = db.prepare(`SELECT ${SESSION_COLUMNS} FROM admin_sessions WHERE id_hash = ?`);
  const touch = db.prepare('UPDATE admin_sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?');
  const deleteSession = db.prepare('DELETE FROM admin_sessions WHERE id_hash = ?');
  const allSessions = db.prepare(`SELECT ${SESSION_COLUMNS} FROM admin_sessions ORDER BY created_at DESC, admin`);
  const sessionsOf = db.prepare(`SELECT ${SESSION_COLUMNS} FROM admin_sessions WHERE admin = ? ORDER BY created_at DESC`);
  const deleteSessionsOf = db.prepare('DELETE FROM admin_sessions WHERE admin = ?');
  const purgeSessions = db.prepare('DELETE FROM admin_sessions WHERE expires_at <= ?');
  const purgeFailures = db.prepare('DELETE FROM admin_login_failures WHERE at < ?');

  const passwd = db.transaction((name: string, hash: string, at: number) => {
    if (setPassword.run(hash, at, name).changes === 0) return false;
    deleteSessionsOf.run(name);
    return true;
  });
  const fail = db.transaction((name: string, at: number, max: number, windowMs: number): number | undefined => {
    if (!one.get(name)) return undefined;
    addFailure.run(name, at);
    if ((countFailures.get(name, at - windowMs) as number) < max) return undefined;
    lock.run(at + windowMs, name);
    clearFailures.run(name);
    return at + windowMs;
  });
  const succeed = db.transaction((name: string, at: number) => {
    loggedIn.run(at, name);
    clearFailures.run(name);
  });
  const release = db.transaction((name: string) => {
    if (unlock.run(name).changes === 0) return false;
    clearFailures.run(name);
    return true;
  });
  const purge = db.transaction((now: number, failuresBefore: number) => {
    purgeFailures.run(failuresBefore);
    return purgeSessions.run(now).changes;
  });

  return {
    async create(name, passwordHash, at) {
      if (insert.run(name, passwordHash, at, at).changes === 0) throw new AdminStoreError(`Admin ${name} already exists (change its password with "baton admin passwd ${name}")`, 'exists');
    },
    async list() {
      return (all.all() as AdminRow[]).map(toInfo);
    },
    async get(name) {
      const row = one.get(name) as AdminRow | undefined;
      return row ? { ...toInfo(row), passwordHash: row.password } : undefined;
    },
    async setPassword(name, passwordHash, at) {
      return passwd.immediate(name, passwordHash, at);
    },
    async remove(name) {
      // Sessions and failures go with it (ON DELETE CASCADE, foreign_keys is on).
      return remove.run(name).changes > 0;
    },
    async loggedIn(name, at) {
      succeed.immediate(name, at);
    },
    async failed(name, at, max, windowMs) {
      return fail.immediate(name, at, max, windowMs);
    },
    async unlock(name) {
      return release.immediate(name);
    },
    async createSession(s) {
      insertSession.run({ ...s });
    },
    async session(idHash) {
      const row = sessionOf.get(idHash) as SessionRow | undefined;
      return row ? toSession(row) : undefined;
    },
    async touchSession(idHash, lastSeenAt, expiresAt) {
      touch.run(lastSeenAt, expiresAt, idHash);
    },
    async deleteSession(idHash) {
      return deleteSession.run(idHash).changes > 0;
    },
    async sessions(admin) {
      return ((admin === undefined ? allSessions.all() : sessionsOf.all(admin)) as SessionRow[]).map(toSession);
    },
    async deleteSessionsOf(admin) {
      return deleteSessionsOf.run(admin).changes;
    },
    async purge(now, failuresBefore) {
      return purge.immediate(now, failuresBefore);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

export type { StoredAdmin };
