import { systemClock, type Clock } from '../core/index.js';
import { migratePg, type PgStoreOptions } from '../postgres/index.js';
import { ROW_SCHEMA_VERSION, type SchemaConcern } from '../sqlite/index.js';
import { hashPassword, verifyHash } from './password.js';
import { applySettingsPatch, parseSettings } from './user-settings.js';
import { checkNewUser, toInfo, type UserRow } from './user-rows.js';
import { UserStoreError, type UserInfo, type UserStore } from './user-store.js';

/**
 * The users concern on PostgreSQL, numbered like the SQLite one
 * (sqlite-migrations.ts) so a later change gets the same level on both.
 * Domains and settings are JSON kept as text: nothing queries inside them.
 */
export const PG_USERS_SCHEMA: SchemaConcern = {
  name: 'users',
  migrations: [
    {
      version: 1,
      name: 'users',
      sql: `
CREATE TABLE users (
  name text PRIMARY KEY,
  -- Self-describing hash: scrypt$N$r$p$salt$hash (base64).
  password text NOT NULL,
  -- JSON array of lower-case domains.
  domains text NOT NULL,
  created_at bigint NOT NULL,
  schema_version integer NOT NULL
)`,
    },
    { version: 2, name: 'user settings', sql: `ALTER TABLE users ADD COLUMN settings text NOT NULL DEFAULT '{}'` },
  ],
};

/**
 * SMTP AUTH users in the cluster's PostgreSQL database: every node sees a
 * user the CLI adds on any of them. The name is the primary key, so two
 * nodes adding one name at once get one row and one 'exists' (INSERT … ON
 * CONFLICT DO NOTHING, like SQLite). scrypt runs on the thread pool.
 */
export async function openPgUserStore(opts: PgStoreOptions & { readonly clock?: Clock }): Promise<UserStore> {
  const { db } = opts;
  const clock = opts.clock ?? systemClock;
  await migratePg(db, PG_USERS_SCHEMA);
  // Unknown users are checked against this so their answer takes as long as a wrong password.
  const dummy = hashPassword('\u0000 no such user');
  dummy.catch(() => undefined);

  return {
    async addUser(name, password, domains) {
      const list = checkNewUser(name, password, domains);
      const hash = await hashPassword(password);
      const done = await db.query(
        `INSERT INTO users (name, password, domains, created_at, schema_version) VALUES ($1, $2, $3, $4, ${ROW_SCHEMA_VERSION})
         ON CONFLICT (name) DO NOTHING`,
        [name, hash, JSON.stringify(list), clock.now()],
      );
      if (done.rowCount === 0) throw new UserStoreError(`User ${name} already exists (remove it first to change the password)`, 'exists');
    },
    async removeUser(name) {
      return ((await db.query('DELETE FROM users WHERE name = $1', [name])).rowCount ?? 0) > 0;
    },
    async listUsers() {
      return (await db.query<UserRow>('SELECT name, domains, created_at, settings FROM users ORDER BY name COLLATE "C"')).rows.map(toInfo);
    },
    async getUser(name) {
      const row = (await db.query<UserRow>('SELECT name, domains, created_at, settings FROM users WHERE name = $1', [name])).rows[0];
      return row ? toInfo(row) : undefined;
    },
    async updateSettings(name, patch) {
      // Read-modify-write under the row's lock: two nodes patching one user at once both land, in turn.
      return db.transaction(async (c) => {
        const row = (await c.query<{ settings: string }>('SELECT settings FROM users WHERE name = $1 FOR UPDATE', [name])).rows[0];
        if (!row) return undefined;
        const next = applySettingsPatch(parseSettings(row.settings), patch);
        await c.query('UPDATE users SET settings = $1 WHERE name = $2', [JSON.stringify(next), name]);
        return next;
      });
    },
    async verifyPassword(name, password) {
      const row = (await db.query<{ name: string; password: string; domains: string; settings: string }>('SELECT name, password, domains, settings FROM users WHERE name = $1', [name])).rows[0];
      if (!row) {
        await verifyHash(password, await dummy);
        return undefined;
      }
      if (!(await verifyHash(password, row.password))) return undefined;
      return { name: row.name, domains: JSON.parse(row.domains) as string[], settings: parseSettings(row.settings) };
    },
    // The pool is the process's (src/stores/postgres-stores.ts closes it): nothing of our own to close.
    async close() {},
  };
}
