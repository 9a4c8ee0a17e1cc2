import { closingWith, openTestPgDatabase } from '../../../test/helpers/pg.js';
import { queueEventsContract } from '../store-events.contract.js';
import { queueSelectionContract } from '../store-selection.contract.js';
import { queueStoreContract } from '../store.contract.js';
import { openPgQueueStore } from './index.js';

// The same contract suites as the SQLite backend (src/queue/sqlite/sqlite-store.test.ts), unchanged, on PostgreSQL.
queueStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgQueueStore({ db }), db);
});
queueEventsContract('postgres', async (bus) => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgQueueStore({ db, bus }), db);
});
queueSelectionContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgQueueStore({ db }), db);
});
