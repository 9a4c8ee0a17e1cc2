// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { PgStoreOptions } from '../postgres/index.js';
import type { TrafficStore } from './traffic-store.js';

export async function openPgTrafficStore(_opts: PgStoreOptions): Promise<TrafficStore> {
  throw new Error('openPgTrafficStore: the PostgreSQL backend is not built yet');
}
