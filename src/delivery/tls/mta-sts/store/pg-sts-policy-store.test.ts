import { closingWith, openTestPgDatabase } from '../../../../../test/helpers/pg.js';
import { openPgStsPolicyStore } from './pg-sts-policy-store.js';
import { stsPolicyStoreContract } from './sts-policy-store.contract.js';

stsPolicyStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgStsPolicyStore({ db }), db);
});
