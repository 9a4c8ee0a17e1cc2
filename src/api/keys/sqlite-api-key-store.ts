import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import { applySettingsPatch } from '../../users/index.js';
import { parseSettings } from '../../users/user-settings.js';
import { API_KEYS_SCHEMA } from './api-key-migrations.js';
import { ApiKeyStoreError, type ApiKeyStore, type StoredApiKey } from './api-key-store.js';
import { toInfo, type ApiKeyRow as Row } from './api-key-rows.js';

export interface SqliteApiKeyStoreOptions {
  /** The database file (`queue.path`): API keys have their own table and schema level in it. */
  readonly path: string;
}

const COLUMNS = 'id, name, secret_hash, scopes, domains, settings, created_at, last_used_at, revoked_at';

/** API keys in the same SQLite file as the queue, on this thread: reads are one primary-key lookup, writes rare. */
export function openSqliteApiKeyStore(opts: SqliteApiKeyStoreOptions): ApiKeyStore {
  const db = openConcernDatabase(opts.path, API_KEYS_SCHEMA);
  const insert = db.prepare(
    `INSERT INTO api_keys (id, name, secret_hash, scopes, domains, settings, created_at, schema_version)
     VALUES (@id, @name, @secretHash, @scopes, @domains, @settings, @createdAt, ${ROW_SCHEMA_VERSION})
     ON CONFLICT DO NOTHING`,
  );
  const all = db.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY name`);
  const ofName = db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE name = ?`);
  const ofId = db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`);
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL');
  const touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
  const setSettings = db.prepare('UPDATE api_keys SET settings = ? WHERE name = ?');
  const update = db.transaction((name: string, patch: Parameters<ApiKeyStore['updateSettings']>[1]) => {
    const row = ofName.get(name) as Row | undefined;
    if (!row) return undefined;
    const next = applySettingsPatch(parseSettings(row.settings), patch);
    setSettings.run(JSON.stringify(next), name);
    return next;
  });

  return {
    async create(key) {
      const done = insert.run({
        id: key.id,
        name: key.name,
        secretHash: key.secretHash,
        scopes: JSON.stringify(key.scopes),
        domains: JSON.stringify(key.domains),
        settings: JSON.stringify(key.settings),
        createdAt: key.createdAt,
      });
      if (done.changes === 0) throw new ApiKeyStoreError(`An API key named ${key.name} already exists (names stay taken after a revoke; pick another name)`, 'exists');
    },
    async list() {
      return (all.all() as Row[]).map(toInfo);
    },
    async byName(name) {
      const row = ofName.get(name) as Row | undefined;
      return row ? toInfo(row) : undefined;
    },
    async byId(id) {
      const row = ofId.get(id) as Row | undefined;
      return row ? { ...toInfo(row), secretHash: row.secret_hash } : undefined;
    },
    async revoke(name, at) {
      return revoke.run(at, name).changes > 0;
    },
    async touch(id, at) {
      touch.run(at, id);
    },
    async updateSettings(name, patch) {
      return update.immediate(name, patch);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

export type { StoredApiKey };
