// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { PgStoreOptions } from '../../postgres/index.js';
import type { ApiKeyStore } from './api-key-store.js';

export async function openPgApiKeyStore(_opts: PgStoreOptions): Promise<ApiKeyStore> {
  throw new Error('openPgApiKeyStore: the PostgreSQL backend is not built yet');
}
