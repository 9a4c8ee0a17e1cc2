import { migratePg, type PgStoreOptions } from '../../../../postgres/index.js';
import { ROW_SCHEMA_VERSION } from '../../../../sqlite/index.js';
import { PG_STS_POLICY_SCHEMA } from './sts-policy-migrations.js';
import { toRowValues, toStored, type StsPolicyRow, type StsPolicyStore } from './sts-policy-store.js';

/** The policy cache in the cluster's PostgreSQL database: a policy one node fetched serves every node. */
export async function openPgStsPolicyStore(opts: PgStoreOptions): Promise<StsPolicyStore> {
  const { db } = opts;
  await migratePg(db, PG_STS_POLICY_SCHEMA);
  return {
    async get(domain) {
      const r = await db.query<StsPolicyRow>('SELECT domain, id, mode, mx, max_age, fetched_at, expires_at FROM mta_sts_policies WHERE domain = $1', [domain]);
      const row = r.rows[0];
      return row ? toStored(row) : undefined;
    },
    async put(record) {
      await db.query(
        `INSERT INTO mta_sts_policies (domain, id, mode, mx, max_age, fetched_at, expires_at, schema_version) VALUES ($1, $2, $3, $4, $5, $6, $7, ${ROW_SCHEMA_VERSION})
         ON CONFLICT (domain) DO UPDATE SET id = excluded.id, mode = excluded.mode, mx = excluded.mx, max_age = excluded.max_age,
           fetched_at = excluded.fetched_at, expires_at = excluded.expires_at
         WHERE excluded.fetched_at >= mta_sts_policies.fetched_at`,
        toRowValues(record),
      );
    },
    async prune(before) {
      const r = await db.query('DELETE FROM mta_sts_policies WHERE expires_at < $1', [before]);
      return r.rowCount ?? 0;
    },
    // The pool is the process's (src/stores/postgres-stores.ts closes it).
    async close() {},
  };
}
