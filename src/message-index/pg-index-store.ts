// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { PgStoreOptions } from '../postgres/index.js';
import type { MessageIndexStore } from './index-store.js';

export async function openPgMessageIndex(_opts: PgStoreOptions): Promise<MessageIndexStore> {
  throw new Error('openPgMessageIndex: the PostgreSQL backend is not built yet');
}
