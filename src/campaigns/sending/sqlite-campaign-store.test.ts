import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openSqliteQueueStore } from '../../queue/index.js';
import { campaignStoreContract } from './campaign-store.contract.js';
import { openSqliteCampaignStore } from './sqlite-campaign-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-campaigns-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

campaignStoreContract('sqlite', async () => {
  const path = join(dir, `c${++n}.db`);
  // The queue's own migrations make send_log, as in a node (the queue store opens first).
  const queue = await openSqliteQueueStore({ path });
  const store = openSqliteCampaignStore({ path });
  const raw = new Database(path);
  return {
    store,
    async addContacts(rows) {
      const ins = raw.prepare("INSERT INTO contacts (address, attributes, created_at, updated_at, schema_version) VALUES (?, ?, 1, 1, 1) RETURNING id").pluck();
      return rows.map((r) => Number(ins.get(r.address, JSON.stringify(r.attributes ?? {}))));
    },
    async logSend(scope, key, queueId) {
      raw.prepare('INSERT INTO send_log (scope, key, queue_id, at) VALUES (?, ?, ?, 1)').run(scope, key, queueId);
    },
    planIs: (plan) => ({ where: "json_extract(c.attributes, '$.plan') = ?", params: [plan] }),
    async close() {
      raw.close();
      await store.close();
      await queue.close();
    },
  };
});
