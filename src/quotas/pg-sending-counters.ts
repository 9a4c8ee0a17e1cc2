// PLACEHOLDER (issue 13, being built): the PostgreSQL backend replaces this file.
import type { PgStoreOptions } from '../postgres/index.js';
import type { SendingCounters } from './sending-counters.js';

export async function openPgSendingCounters(_opts: PgStoreOptions): Promise<SendingCounters> {
  throw new Error('openPgSendingCounters: the PostgreSQL backend is not built yet');
}
