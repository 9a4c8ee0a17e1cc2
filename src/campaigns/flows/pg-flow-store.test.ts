import { openTestPgDatabase } from '../../../test/helpers/pg.js';
import { flowStoreContract } from './flow-store.contract.js';
import { pgFlowFixture } from './test-fixtures.js';

flowStoreContract('postgres', async () => pgFlowFixture(await openTestPgDatabase()));
