import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../../test/helpers/pg.js';
import { openPgDatabase } from '../../postgres/index.js';
import { openPgWarmupCounters } from './pg-warmup-store.js';
import { warmupCountersContract } from './warmup-store.contract.js';

// Two pools on one fresh schema: two nodes of a cluster.
warmupCountersContract('postgres', async () => {
  const dbA = await openTestPgDatabase({ poolSize: 4 });
  const dbB = openPgDatabase({ url: TEST_PG_URL, schema: dbA.schema, poolSize: 4 });
  const a = closingWith(await openPgWarmupCounters({ db: dbA }), dbA);
  const b = closingWith(await openPgWarmupCounters({ db: dbB }), dbB);
  return [a, b] as const;
});
