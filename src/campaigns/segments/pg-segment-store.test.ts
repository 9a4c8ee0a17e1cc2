import { openTestPgDatabase } from '../../../test/helpers/pg.js';
import { closingWith } from '../../postgres/index.js';
import { seedPgContacts } from './contact-seed.js';
import { openPgSegmentStore } from './pg-segment-store.js';
import { segmentStoreContract } from './segment-store.contract.js';

segmentStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return { store: closingWith(await openPgSegmentStore({ db }), db), seed: (s) => seedPgContacts(db, s) };
});
