import { existsSync } from 'node:fs';
import { systemClock, type Clock } from '../core/index.js';
import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { USERS_SCHEMA } from './sqlite-migrations.js';
import { hashPassword, verifyHash } from './password.js';
import { applySettingsPatch, parseSettings } from './user-settings.js';
import { checkNewUser, toInfo, type UserRow } from './user-rows.js';
import { UserStoreError, type UserInfo, type UserStore } from './user-store.js';

export interface SqliteUserStoreOptions {
  /** The database file (`queue.path`): users have their own table and schema level in it. */
  readonly path: string;
  readonly clock?: Clock;
  readonly mustExist?: boolean;
}

export { normaliseDomains } from './user-rows.js';

/**
 * Users in the same SQLite file as the queue. Writes are rare (the CLI) and tiny,
 * so they run on this thread; scrypt runs on the thread pool.
 */
export async function openSqliteUserStore(opts: SqliteUserStoreOptions): Promise<UserStore> {
  const clock = opts.clock ?? systemClock;
  if (opts.mustExist && !existsSync(opts.path)) {
    throw new UserStoreError(`No database at ${opts.path} (check queue.path and dataDir in the config)`, 'missing-database');
  }
  const db = openConcernDatabase(opts.path, USERS_SCHEMA);
  const insert = db.prepare(
    `INSERT INTO users (name, password, domains, created_at, schema_version) VALUES (?, ?, ?, ?, ${ROW_SCHEMA_VERSION})
     ON CONFLICT (name) DO NOTHING`,
  );
  const remove = db.prepare('DELETE FROM users WHERE name = ?');
  const all = db.prepare('SELECT name, domains, created_at, settings FROM users ORDER BY name');
  const info = db.prepare('SELECT name, domains, created_at, settings FROM users WHERE name = ?');
  const one = db.prepare('SELECT name, password, domains, settings FROM users WHERE name = ?');
  const setSettings = db.prepare('UPDATE users SET settings = ? WHERE name = ?');
  const update = db.transaction((name: string, patch: Parameters<UserStore['updateSettings']>[1]) => {
    const row = info.get(name) as UserRow | undefined;
    if (!row) return undefined;
    const next = applySettingsPatch(parseSettings(row.settings), patch);
    setSettings.run(JSON.stringify(next), name);
    return next;
  });
  // Unknown users are checked against this so their answer takes as long as a wrong password.
  const dummy = hashPassword('\u0000 no such user');

  return {
    async addUser(name, password, domains) {
      const list = checkNewUser(name, password, domains);
      const hash = await hashPassword(password);
      if (insert.run(name, hash, JSON.stringify(list), clock.now()).changes === 0) {
        throw new UserStoreError(`User ${name} already exists (remove it first to change the password)`, 'exists');
      }
    },
    async removeUser(name) {
      return remove.run(name).changes > 0;
    },
    async listUsers(): Promise<UserInfo[]> {
      return (all.all() as UserRow[]).map(toInfo);
    },
    async getUser(name) {
      const row = info.get(name) as UserRow | undefined;
      return row ? toInfo(row) : undefined;
    },
    async updateSettings(name, patch) {
      return update.immediate(name, patch);
    },
    async verifyPassword(name, password) {
      const row = one.get(name) as { name: string; password: string; domains: string; settings: string } | undefined;
      if (!row) {
        await verifyHash(password, await dummy);
        return undefined;
      }
      if (!(await verifyHash(password, row.password))) return undefined;
      return { name: row.name, domains: JSON.parse(row.domains) as string[], settings: parseSettings(row.settings) };
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
