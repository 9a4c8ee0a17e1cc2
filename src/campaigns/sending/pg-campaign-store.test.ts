import { openTestPgDatabase } from '../../../test/helpers/pg.js';
import { openPgQueueStore } from '../../queue/postgres/index.js';
import { campaignStoreContract } from './campaign-store.contract.js';
import { openPgCampaignStore } from './pg-campaign-store.js';

campaignStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  // The queue's own migrations make send_log, as in a node (the queue store opens first).
  const queue = await openPgQueueStore({ db });
  const store = await openPgCampaignStore({ db });
  return {
    store,
    async addContacts(rows) {
      const ids: number[] = [];
      for (const r of rows) {
        const res = await db.query<{ id: string }>("INSERT INTO contacts (address, attributes, created_at, updated_at, schema_version) VALUES ($1, $2, 1, 1, 1) RETURNING id", [r.address, JSON.stringify(r.attributes ?? {})]);
        ids.push(Number(res.rows[0]?.id));
      }
      return ids;
    },
    async logSend(scope, key, queueId) {
      await db.query('INSERT INTO send_log (scope, key, queue_id, at) VALUES ($1, $2, $3, 1)', [scope, key, queueId]);
    },
    planIs: (plan) => ({ where: "c.attributes->>'plan' = $1", params: [plan] }),
    async close() {
      await store.close();
      await queue.close();
      await db.close();
    },
  };
});
