import type { IdempotencyRecord, StoredAnswer } from './idempotency-store.js';

/** The `idempotency_keys` row and its mapping, shared by the SQLite and PostgreSQL stores (same columns in both). */
export interface IdempotencyRow {
  readonly owner: string;
  readonly key: string;
  readonly request_hash: string;
  readonly queue_id: string;
  readonly holder: string;
  readonly state: string;
  readonly answer_status: number | null;
  readonly answer_body: string | null;
  readonly answer_type: string | null;
  readonly created_at: number;
  readonly expires_at: number;
}

export function toRecord(row: IdempotencyRow): IdempotencyRecord {
  const answer: StoredAnswer | undefined =
    row.answer_status !== null && row.answer_body !== null ? { status: row.answer_status, body: row.answer_body, contentType: row.answer_type ?? 'application/json' } : undefined;
  return {
    owner: row.owner,
    key: row.key,
    requestHash: row.request_hash,
    queueId: row.queue_id,
    holder: row.holder,
    state: row.state === 'done' ? 'done' : 'pending',
    ...(answer ? { answer } : {}),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}
