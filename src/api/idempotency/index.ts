export type { IdempotencyRecord, IdempotencyStore, NewReservation, Reservation, StoredAnswer } from './idempotency-store.js';
export { openSqliteIdempotencyStore } from './sqlite-idempotency-store.js';
export { Idempotency, IDEMPOTENCY_TTL_MS, type IdempotencyDeps } from './idempotent.js';
