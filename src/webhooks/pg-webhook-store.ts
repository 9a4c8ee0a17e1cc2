// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { PgStoreOptions } from '../postgres/index.js';
import type { WebhookStore } from './webhook-store.js';

export async function openPgWebhookStore(_opts: PgStoreOptions): Promise<WebhookStore> {
  throw new Error('openPgWebhookStore: the PostgreSQL backend is not built yet');
}
