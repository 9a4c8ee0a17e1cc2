// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { PgStoreOptions } from '../postgres/index.js';
import type { SuppressionStore } from './suppression-store.js';

export async function openPgSuppressionStore(_opts: PgStoreOptions): Promise<SuppressionStore> {
  throw new Error('openPgSuppressionStore: the PostgreSQL backend is not built yet');
}
