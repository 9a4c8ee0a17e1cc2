import { migratePg, type PgStoreOptions } from '../postgres/index.js';
import { ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { PG_WEBHOOKS_SCHEMA } from './pg-webhook-migrations.js';
import { DELIVERIES_KEPT, DELIVERY_BODY_KEPT, type WebhookEndpoint, type WebhookStore } from './webhook-store.js';
import { toDelivery, toEndpoint, type DeliveryRow, type EndpointRow } from './webhook-rows.js';

const HEALTHY = 'failures = 0, first_failure_at = NULL, next_attempt_at = NULL, last_error = NULL';
const ENDPOINT_COLUMNS =
  'id, url, events, secret, description, enabled, disabled_reason, disabled_at, cursor, failures, first_failure_at, next_attempt_at, last_error, created_at';

/**
 * Webhook endpoints and their delivery log in PostgreSQL, shared by a
 * cluster. Every change is one statement (UPDATE … RETURNING), so two nodes
 * never lose each other's writes: `advance` moves the cursor only if it is
 * still where the sender read it (a compare-and-set in one UPDATE), and a
 * failure counts up in place (`failures = failures + 1`).
 */
export async function openPgWebhookStore(opts: PgStoreOptions): Promise<WebhookStore> {
  const { db } = opts;
  await migratePg(db, PG_WEBHOOKS_SCHEMA);

  const one = async (sql: string, args: readonly unknown[]): Promise<WebhookEndpoint | undefined> => {
    const row = (await db.query<EndpointRow>(sql, args)).rows[0];
    return row ? toEndpoint(row) : undefined;
  };
  const get = (id: string) => one(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1`, [id]);

  return {
    async create(e) {
      const made = await one(
        `INSERT INTO webhook_endpoints (id, url, events, secret, description, enabled, cursor, created_at, schema_version)
         VALUES ($1, $2, $3, $4, $5, true, $6, $7, ${ROW_SCHEMA_VERSION}) RETURNING ${ENDPOINT_COLUMNS}`,
        [e.id, e.url, e.events ? JSON.stringify(e.events) : null, e.secret, e.description ?? null, e.cursor, e.createdAt],
      );
      return made as WebhookEndpoint;
    },
    get,
    async list() {
      return (await db.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id`)).rows.map(toEndpoint);
    },
    async update(id, patch) {
      const sets: string[] = [];
      const args: (string | null)[] = [id];
      const arg = (v: string | null): string => (args.push(v), `$${args.length}`);
      if (patch.url !== undefined) sets.push(`url = ${arg(patch.url)}`);
      if (patch.events !== undefined) sets.push(`events = ${arg(patch.events === null ? null : JSON.stringify(patch.events))}`);
      if (patch.description !== undefined) sets.push(`description = ${arg(patch.description)}`);
      if (sets.length === 0) return get(id);
      return one(`UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`, args);
    },
    async remove(id) {
      return ((await db.query('DELETE FROM webhook_endpoints WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
    async setEnabled(id, enabled, o) {
      return enabled
        ? one(`UPDATE webhook_endpoints SET enabled = true, disabled_reason = NULL, disabled_at = NULL, ${HEALTHY} WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`, [id])
        : one(`UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, disabled_at = $3 WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`, [id, o.reason ?? 'operator', o.at]);
    },
    async advance(id, from, to) {
      // One statement: under READ COMMITTED a concurrent move makes this one re-check `cursor = $3` on the new row and match nothing.
      return ((await db.query(`UPDATE webhook_endpoints SET cursor = $2, ${HEALTHY} WHERE id = $1 AND cursor = $3`, [id, to, from])).rowCount ?? 0) > 0;
    },
    async recordFailure(id, f) {
      return one(
        `UPDATE webhook_endpoints SET failures = failures + 1, first_failure_at = COALESCE(first_failure_at, $2), next_attempt_at = $3, last_error = $4
         WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
        [id, f.at, f.nextAttemptAt, f.error],
      );
    },
    async moveCursor(id, cursor) {
      return one(`UPDATE webhook_endpoints SET cursor = $2, ${HEALTHY} WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`, [id, cursor]);
    },
    async addDelivery(id, d) {
      await db.transaction(async (client) => {
        // Serialises the log writes of one endpoint, so each trim sees every row logged before it (the log never grows past DELIVERIES_KEPT).
        await client.query('SELECT 1 FROM webhook_endpoints WHERE id = $1 FOR NO KEY UPDATE', [id]);
        await client.query(
          `INSERT INTO webhook_deliveries (endpoint_id, at, status, ok, duration_ms, event_count, first_event_id, last_event_id, error, response, body, body_length, schema_version)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ${ROW_SCHEMA_VERSION})`,
          [
            id,
            d.at,
            d.status ?? null,
            d.ok,
            Math.round(d.durationMs),
            d.events,
            d.firstEventId,
            d.lastEventId,
            d.error ?? null,
            d.response ?? null,
            d.body === undefined ? null : d.body.slice(0, DELIVERY_BODY_KEPT),
            d.body === undefined ? null : (d.bodyLength ?? d.body.length),
          ],
        );
        // Keep the newest DELIVERIES_KEPT: everything below the id of the Nth newest goes.
        await client.query(
          `DELETE FROM webhook_deliveries WHERE endpoint_id = $1 AND id <
             (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id DESC LIMIT 1 OFFSET ${DELIVERIES_KEPT - 1})`,
          [id],
        );
      });
    },
    async deliveries(id, limit) {
      // Without the body: a list of 50 stays a few KiB whatever the batches held.
      const { rows } = await db.query<DeliveryRow>(
        `SELECT id, at, status, ok, duration_ms, event_count, first_event_id, last_event_id, error, response, body_length
           FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2`,
        [id, limit],
      );
      return rows.map(toDelivery);
    },
    async delivery(id, deliveryId) {
      const row = (await db.query<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE endpoint_id = $1 AND id = $2', [id, deliveryId])).rows[0];
      return row ? toDelivery(row) : undefined;
    },
    async close() {
      // The pool is the process's (src/stores closes it).
    },
  };
}
