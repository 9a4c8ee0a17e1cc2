// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { PgStoreOptions } from '../postgres/index.js';
import type { GreylistStore } from './greylist-store.js';

export async function openPgGreylistStore(_opts: PgStoreOptions): Promise<GreylistStore> {
  throw new Error('openPgGreylistStore: the PostgreSQL backend is not built yet');
}
