import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import { IDEMPOTENCY_SCHEMA } from './idempotency-migrations.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { toRecord, type IdempotencyRow as Row } from './idempotency-rows.js';

/**
 * Idempotency keys in the queue's SQLite file (their own table and schema
 * level). Every write is synchronous = FULL like the queue's: a reservation
 * must be on disk before the message it guards can be, or a power loss could
 * keep the message and forget the key.
 */
export function openSqliteIdempotencyStore(opts: { readonly path: string }): IdempotencyStore {
  const db = openConcernDatabase(opts.path, IDEMPOTENCY_SCHEMA);
  const get = db.prepare('SELECT * FROM idempotency_keys WHERE owner = ? AND key = ?');
  const insert = db.prepare(
    `INSERT INTO idempotency_keys (owner, key, request_hash, queue_id, holder, state, created_at, expires_at, schema_version)
     VALUES (@owner, @key, @requestHash, @queueId, @holder, 'pending', @createdAt, @expiresAt, ${ROW_SCHEMA_VERSION})`,
  );
  const dropExpired = db.prepare('DELETE FROM idempotency_keys WHERE owner = ? AND key = ? AND expires_at <= ?');
  const setAnswer = db.prepare(
    "UPDATE idempotency_keys SET answer_status = @status, answer_body = @body, answer_type = @contentType WHERE owner = @owner AND key = @key AND holder = @holder AND state = 'pending'",
  );
  const finish = db.prepare(
    "UPDATE idempotency_keys SET state = 'done', answer_status = @status, answer_body = @body, answer_type = @contentType WHERE owner = @owner AND key = @key",
  );
  const drop = db.prepare("DELETE FROM idempotency_keys WHERE owner = ? AND key = ? AND holder = ? AND state = 'pending'");
  const move = db.prepare("UPDATE idempotency_keys SET holder = ? WHERE owner = ? AND key = ? AND holder = ? AND state = 'pending'");
  const prune = db.prepare('DELETE FROM idempotency_keys WHERE expires_at <= ?');

  // One transaction: two requests with the same key cannot both reserve it.
  const reserve = db.transaction((r: Parameters<IdempotencyStore['reserve']>[0], now: number) => {
    dropExpired.run(r.owner, r.key, now);
    const row = get.get(r.owner, r.key) as Row | undefined;
    if (row) return { reserved: false as const, existing: toRecord(row) };
    insert.run(r);
    return { reserved: true as const };
  });

  return {
    async reserve(r, now) {
      return reserve.immediate(r, now);
    },
    async prepare(owner, key, holder, answer) {
      setAnswer.run({ owner, key, holder, ...answer });
    },
    async complete(owner, key, answer) {
      finish.run({ owner, key, ...answer });
    },
    async release(owner, key, holder) {
      drop.run(owner, key, holder);
    },
    async takeOver(owner, key, from, to) {
      return move.run(to, owner, key, from).changes === 1;
    },
    async prune(now) {
      return prune.run(now).changes;
    },
    async close() {
      db.close();
    },
  };
}
