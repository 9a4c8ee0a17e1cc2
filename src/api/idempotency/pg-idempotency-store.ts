import { migratePg, type PgStoreOptions } from '../../postgres/index.js';
import { ROW_SCHEMA_VERSION, type SchemaConcern } from '../../sqlite/index.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { toRecord, type IdempotencyRow as Row } from './idempotency-rows.js';

/** The idempotency store's schema on PostgreSQL: the `idempotency` concern, numbered like idempotency-migrations.ts. */
export const PG_IDEMPOTENCY_SCHEMA: SchemaConcern = {
  name: 'idempotency',
  migrations: [
    {
      version: 1,
      name: 'idempotency_keys',
      sql: `
CREATE TABLE idempotency_keys (
  owner text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  queue_id text NOT NULL,
  holder text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'done')),
  answer_status integer,
  answer_body text,
  answer_type text,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  schema_version integer NOT NULL,
  PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
`,
    },
  ],
};

/**
 * Reserve a key: insert it, or take over a row that has expired, in one
 * statement. When a live row holds the key, ON CONFLICT DO UPDATE still locks
 * it although its WHERE keeps it unchanged (PostgreSQL docs, INSERT, "ON
 * CONFLICT Clause"): the SELECT that follows in the same transaction reads
 * that row as it is, and nobody can release or complete it in between.
 */
const RESERVE = `
INSERT INTO idempotency_keys (owner, key, request_hash, queue_id, holder, state, created_at, expires_at, schema_version)
VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, ${ROW_SCHEMA_VERSION})
ON CONFLICT (owner, key) DO UPDATE SET
  request_hash = excluded.request_hash, queue_id = excluded.queue_id, holder = excluded.holder, state = 'pending',
  answer_status = NULL, answer_body = NULL, answer_type = NULL,
  created_at = excluded.created_at, expires_at = excluded.expires_at, schema_version = excluded.schema_version
WHERE idempotency_keys.expires_at <= $8
RETURNING 1`;

/**
 * Idempotency keys in the cluster's PostgreSQL database: a client that
 * retries through another node behind the load balancer gets the first
 * answer. Durable before the message it guards (synchronous_commit = on on
 * every connection, src/postgres/database.ts), as the SQLite store is.
 */
export async function openPgIdempotencyStore(opts: PgStoreOptions): Promise<IdempotencyStore> {
  const { db } = opts;
  await migratePg(db, PG_IDEMPOTENCY_SCHEMA);
  const changed = (r: { rowCount: number | null }): number => r.rowCount ?? 0;

  return {
    async reserve(r, now) {
      return db.transaction(async (c) => {
        const won = await c.query(RESERVE, [r.owner, r.key, r.requestHash, r.queueId, r.holder, r.createdAt, r.expiresAt, now]);
        if (changed(won) === 1) return { reserved: true as const };
        const row = (await c.query<Row>('SELECT * FROM idempotency_keys WHERE owner = $1 AND key = $2', [r.owner, r.key])).rows[0];
        // Locked by the statement above, so it is there; if PostgreSQL ever says otherwise, fail rather than send twice.
        if (!row) throw new Error(`idempotency key ${r.owner}/${r.key}: conflicting row vanished while locked`);
        return { reserved: false as const, existing: toRecord(row) };
      });
    },
    async prepare(owner, key, holder, answer) {
      await db.query(
        "UPDATE idempotency_keys SET answer_status = $1, answer_body = $2, answer_type = $3 WHERE owner = $4 AND key = $5 AND holder = $6 AND state = 'pending'",
        [answer.status, answer.body, answer.contentType, owner, key, holder],
      );
    },
    async complete(owner, key, answer) {
      await db.query("UPDATE idempotency_keys SET state = 'done', answer_status = $1, answer_body = $2, answer_type = $3 WHERE owner = $4 AND key = $5", [
        answer.status,
        answer.body,
        answer.contentType,
        owner,
        key,
      ]);
    },
    async release(owner, key, holder) {
      await db.query("DELETE FROM idempotency_keys WHERE owner = $1 AND key = $2 AND holder = $3 AND state = 'pending'", [owner, key, holder]);
    },
    async takeOver(owner, key, from, to) {
      // One conditional UPDATE: of two nodes taking over from one dead holder, one matches.
      return changed(await db.query("UPDATE idempotency_keys SET holder = $1 WHERE owner = $2 AND key = $3 AND holder = $4 AND state = 'pending'", [to, owner, key, from])) === 1;
    },
    async prune(now) {
      return changed(await db.query('DELETE FROM idempotency_keys WHERE expires_at <= $1', [now]));
    },
    // The pool is the process's (src/stores/postgres-stores.ts closes it).
    async close() {},
  };
}
