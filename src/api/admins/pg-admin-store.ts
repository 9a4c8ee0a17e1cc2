// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { PgStoreOptions } from '../../postgres/index.js';
import type { AdminStore } from './admin-store.js';

export async function openPgAdminStore(_opts: PgStoreOptions): Promise<AdminStore> {
  throw new Error('openPgAdminStore: the PostgreSQL backend is not built yet');
}
