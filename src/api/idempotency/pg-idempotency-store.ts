// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { PgStoreOptions } from '../../postgres/index.js';
import type { IdempotencyStore } from './idempotency-store.js';

export async function openPgIdempotencyStore(_opts: PgStoreOptions): Promise<IdempotencyStore> {
  throw new Error('openPgIdempotencyStore: the PostgreSQL backend is not built yet');
}
