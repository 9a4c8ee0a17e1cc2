import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../../../../sqlite/index.js';
import { STS_POLICY_SCHEMA } from './sts-policy-migrations.js';
import { toRowValues, toStored, type StsPolicyRow, type StsPolicyStore } from './sts-policy-store.js';

/** The policy cache in the queue's SQLite file (`queue.path`), on this thread: a primary-key read per domain per process. */
export function openSqliteStsPolicyStore(opts: { readonly path: string }): StsPolicyStore {
  const db = openConcernDatabase(opts.path, STS_POLICY_SCHEMA);
  const read = db.prepare('SELECT domain, id, mode, mx, max_age, fetched_at, expires_at FROM mta_sts_policies WHERE domain = ?');
  const upsert = db.prepare(
    `INSERT INTO mta_sts_policies (domain, id, mode, mx, max_age, fetched_at, expires_at, schema_version) VALUES (?, ?, ?, ?, ?, ?, ?, ${ROW_SCHEMA_VERSION})
     ON CONFLICT (domain) DO UPDATE SET id = excluded.id, mode = excluded.mode, mx = excluded.mx, max_age = excluded.max_age,
       fetched_at = excluded.fetched_at, expires_at = excluded.expires_at
     WHERE excluded.fetched_at >= mta_sts_policies.fetched_at`,
  );
  const prune = db.prepare('DELETE FROM mta_sts_policies WHERE expires_at < ?');
  return {
    async get(domain) {
      const row = read.get(domain) as StsPolicyRow | undefined;
      return row ? toStored(row) : undefined;
    },
    async put(record) {
      upsert.run(...toRowValues(record));
    },
    async prune(before) {
      return prune.run(before).changes;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
