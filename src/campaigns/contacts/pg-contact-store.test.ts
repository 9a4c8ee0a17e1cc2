import { openTestPgDatabase } from '../../../test/helpers/pg.js';
import { openPgSuppressionStore } from '../../suppression/pg-suppression-store.js';
import { contactStoreContract } from './contact-store.contract.js';
import { openPgContactStore } from './pg-contact-store.js';

contactStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  const suppressions = await openPgSuppressionStore({ db });
  const contacts = await openPgContactStore({ db, now: () => 1_800_000_000_000 });
  return { contacts, suppressions, close: () => db.close() };
});
