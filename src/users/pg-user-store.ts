// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { PgStoreOptions } from '../postgres/index.js';
import type { UserStore } from './user-store.js';

export async function openPgUserStore(_opts: PgStoreOptions & { readonly clock?: import('../core/index.js').Clock }): Promise<UserStore> {
  throw new Error('openPgUserStore: the PostgreSQL backend is not built yet');
}
