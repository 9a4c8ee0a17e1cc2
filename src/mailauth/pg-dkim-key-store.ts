// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { PgStoreOptions } from '../postgres/index.js';
import type { DkimKeyStore } from './dkim-key-store.js';

export async function openPgDkimKeyStore(_opts: PgStoreOptions): Promise<DkimKeyStore> {
  throw new Error('openPgDkimKeyStore: the PostgreSQL backend is not built yet');
}
