import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { openPgDatabase, schemaLevels } from '../postgres/index.js';
import { latestVersion } from '../sqlite/index.js';
import { PG_WEBHOOKS_SCHEMA } from './pg-webhook-migrations.js';
import { openPgWebhookStore } from './pg-webhook-store.js';
import { DELIVERIES_KEPT } from './webhook-store.js';
import { webhookStoreContract } from './webhook-store.contract.js';

webhookStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgWebhookStore({ db }), db);
});

const T = 1_800_000_000_000;

test('the webhooks concern migrates its own tables to its latest level, and no other concern', async () => {
  const db = await openTestPgDatabase();
  try {
    await openPgWebhookStore({ db });
    assert.deepEqual(await schemaLevels(db), { webhooks: latestVersion(PG_WEBHOOKS_SCHEMA) });
  } finally {
    await db.close();
  }
});

test('two nodes racing on one endpoint: one advance wins per cursor, every failure counts, the log stays trimmed', async () => {
  const a = await openTestPgDatabase({ poolSize: 4 });
  const b = openPgDatabase({ url: TEST_PG_URL, schema: a.schema, poolSize: 4 });
  try {
    const sa = await openPgWebhookStore({ db: a });
    const sb = await openPgWebhookStore({ db: b });
    await sa.create({ id: 'wh_a', url: 'http://127.0.0.1:9/', secret: 's', cursor: 0, createdAt: T });
    // Both nodes sent the same batch (0 → 10) and both report success: the cursor moves once.
    for (let from = 0; from < 200; from += 10) {
      const won = await Promise.all([sa.advance('wh_a', from, from + 10), sb.advance('wh_a', from, from + 10), sa.advance('wh_a', from, from + 10)]);
      assert.equal(won.filter(Boolean).length, 1, `exactly one advance from ${from}`);
    }
    assert.equal((await sb.get('wh_a'))?.cursor, 200);
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? sa : sb).recordFailure('wh_a', { at: T + i, nextAttemptAt: T + 100, error: `e${i}` })));
    assert.equal((await sa.get('wh_a'))?.failures, 40, 'no failure lost to a concurrent one');
    const log = (i: number) => ({ at: T + i, ok: true, durationMs: 1, events: 1, firstEventId: i, lastEventId: i });
    await Promise.all(Array.from({ length: 3 * DELIVERIES_KEPT }, (_, i) => (i % 2 ? sa : sb).addDelivery('wh_a', log(i))));
    const { rows } = await a.query<{ n: number }>("SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = 'wh_a'");
    assert.equal(rows[0]?.n, DELIVERIES_KEPT);
  } finally {
    await b.close();
    await a.close();
  }
});
