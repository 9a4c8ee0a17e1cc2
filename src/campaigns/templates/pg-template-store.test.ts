import { openTestPgDatabase } from '../../../test/helpers/pg.js';
import { closingWith } from '../../postgres/index.js';
import { openPgTemplateStore } from './pg-template-store.js';
import { templateStoreContract } from './template-store.contract.js';

templateStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgTemplateStore({ db }), db);
});
