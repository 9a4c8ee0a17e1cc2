import { migratePg, type PgStoreOptions } from '../../postgres/index.js';
import { ROW_SCHEMA_VERSION, type SchemaConcern } from '../../sqlite/index.js';
import { applySettingsPatch } from '../../users/index.js';
import { parseSettings } from '../../users/user-settings.js';
import { ApiKeyStoreError, type ApiKeyStore, type StoredApiKey } from './api-key-store.js';
import { toInfo, type ApiKeyRow as Row } from './api-key-rows.js';

/** The API key store's schema on PostgreSQL: the `apikeys` concern, numbered like api-key-migrations.ts. */
export const PG_API_KEYS_SCHEMA: SchemaConcern = {
  name: 'apikeys',
  migrations: [
    {
      version: 1,
      name: 'api_keys',
      sql: `
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  -- Unique among revoked keys too: its mail is counted as "api:NAME".
  name text NOT NULL UNIQUE,
  -- SHA-256 of the secret part of the key; the key itself is never stored.
  secret_hash bytea NOT NULL,
  -- JSON arrays and a JSON object (UserSettings), never queried inside: text.
  scopes text NOT NULL,
  domains text NOT NULL,
  settings text NOT NULL DEFAULT '{}',
  created_at bigint NOT NULL,
  last_used_at bigint,
  revoked_at bigint,
  schema_version integer NOT NULL
)`,
    },
  ],
};

const COLUMNS = 'id, name, secret_hash, scopes, domains, settings, created_at, last_used_at, revoked_at';

/**
 * API keys in the cluster's PostgreSQL database: a key made on one node
 * authenticates on every node. Both the id and the name are unique
 * constraints; `ON CONFLICT DO NOTHING` without a target covers either, so a
 * clash (also two nodes creating one name at once) is 'exists', as on SQLite.
 */
export async function openPgApiKeyStore(opts: PgStoreOptions): Promise<ApiKeyStore> {
  const { db } = opts;
  await migratePg(db, PG_API_KEYS_SCHEMA);
  const one = async (where: string, value: string): Promise<Row | undefined> => (await db.query<Row>(`SELECT ${COLUMNS} FROM api_keys WHERE ${where} = $1`, [value])).rows[0];

  return {
    async create(key) {
      const done = await db.query(
        `INSERT INTO api_keys (id, name, secret_hash, scopes, domains, settings, created_at, schema_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, ${ROW_SCHEMA_VERSION}) ON CONFLICT DO NOTHING`,
        [key.id, key.name, key.secretHash, JSON.stringify(key.scopes), JSON.stringify(key.domains), JSON.stringify(key.settings), key.createdAt],
      );
      if (done.rowCount === 0) throw new ApiKeyStoreError(`An API key named ${key.name} already exists (names stay taken after a revoke; pick another name)`, 'exists');
    },
    async list() {
      // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
      return (await db.query<Row>(`SELECT ${COLUMNS} FROM api_keys ORDER BY name COLLATE "C"`)).rows.map(toInfo);
    },
    async byName(name) {
      const row = await one('name', name);
      return row ? toInfo(row) : undefined;
    },
    async byId(id) {
      const row = await one('id', id);
      return row ? { ...toInfo(row), secretHash: row.secret_hash } : undefined;
    },
    async revoke(name, at) {
      // One statement: of two nodes revoking at once, one gets true.
      return ((await db.query('UPDATE api_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL', [at, name])).rowCount ?? 0) > 0;
    },
    async touch(id, at) {
      // Nodes touch a shared key in any order: the last use only moves forward.
      await db.query('UPDATE api_keys SET last_used_at = GREATEST(last_used_at, $1) WHERE id = $2', [at, id]);
    },
    async updateSettings(name, patch) {
      // Read-modify-write under the row's lock (SQLite relied on its single writer).
      return db.transaction(async (c) => {
        const row = (await c.query<{ settings: string }>('SELECT settings FROM api_keys WHERE name = $1 FOR UPDATE', [name])).rows[0];
        if (!row) return undefined;
        const next = applySettingsPatch(parseSettings(row.settings), patch);
        await c.query('UPDATE api_keys SET settings = $1 WHERE name = $2', [JSON.stringify(next), name]);
        return next;
      });
    },
    // The pool is the process's (src/stores/postgres-stores.ts closes it).
    async close() {},
  };
}

export type { StoredApiKey };
