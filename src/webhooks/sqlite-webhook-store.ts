import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { WEBHOOKS_SCHEMA } from './webhook-migrations.js';
import { DELIVERIES_KEPT, DELIVERY_BODY_KEPT, type WebhookEndpoint, type WebhookStore } from './webhook-store.js';
import { toDelivery, toEndpoint, type DeliveryRow, type EndpointRow } from './webhook-rows.js';

export interface SqliteWebhookStoreOptions {
  /** The database file (`queue.path`): webhooks have their own tables and schema level in it. */
  readonly path: string;
}

const HEALTHY = 'failures = 0, first_failure_at = NULL, next_attempt_at = NULL, last_error = NULL';

/**
 * Webhook endpoints in the same SQLite file as the queue, on this thread.
 * A handful of rows read once per delivery pass and one small write per
 * POST: far off the mail path, which has its own writer thread.
 */
export function openSqliteWebhookStore(opts: SqliteWebhookStoreOptions): WebhookStore {
  // synchronous=NORMAL: in WAL mode a commit is not fsynced, only written to the
  // OS (it survives kill -9, not a power cut). Losing a cursor move to a power
  // cut only sends events again, which at-least-once allows; an fsync per POST
  // on the main thread stalled SMTP sessions (measured: bench/webhooks.mjs,
  // docs/benchmarks.md#webhooks).
  const db = openConcernDatabase(opts.path, WEBHOOKS_SCHEMA, (d) => d.pragma('synchronous = NORMAL'));
  const insert = db.prepare(
    `INSERT INTO webhook_endpoints (id, url, events, secret, description, enabled, cursor, created_at, schema_version)
     VALUES (@id, @url, @events, @secret, @description, 1, @cursor, @createdAt, ${ROW_SCHEMA_VERSION})`,
  );
  const one = db.prepare('SELECT * FROM webhook_endpoints WHERE id = ?');
  const all = db.prepare('SELECT * FROM webhook_endpoints ORDER BY created_at, id');
  const del = db.prepare('DELETE FROM webhook_endpoints WHERE id = ?');
  const enable = db.prepare(`UPDATE webhook_endpoints SET enabled = 1, disabled_reason = NULL, disabled_at = NULL, ${HEALTHY} WHERE id = ?`);
  const disable = db.prepare('UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, disabled_at = ? WHERE id = ?');
  const advance = db.prepare(`UPDATE webhook_endpoints SET cursor = ?, ${HEALTHY} WHERE id = ? AND cursor = ?`);
  const fail = db.prepare(
    `UPDATE webhook_endpoints SET failures = failures + 1, first_failure_at = COALESCE(first_failure_at, @at),
       next_attempt_at = @next, last_error = @error WHERE id = @id`,
  );
  const move = db.prepare(`UPDATE webhook_endpoints SET cursor = ?, ${HEALTHY} WHERE id = ?`);
  const log = db.prepare(
    `INSERT INTO webhook_deliveries (endpoint_id, at, status, ok, duration_ms, event_count, first_event_id, last_event_id, error, response, body, body_length, schema_version)
     VALUES (@endpointId, @at, @status, @ok, @durationMs, @events, @firstEventId, @lastEventId, @error, @response, @body, @bodyLength, ${ROW_SCHEMA_VERSION})`,
  );
  // Keep the newest DELIVERIES_KEPT: everything below the id of the Nth newest goes.
  const trim = db.prepare(
    `DELETE FROM webhook_deliveries WHERE endpoint_id = @endpointId AND id <
       (SELECT id FROM webhook_deliveries WHERE endpoint_id = @endpointId ORDER BY id DESC LIMIT 1 OFFSET ${DELIVERIES_KEPT - 1})`,
  );
  // Without the body: a list of 50 stays a few KiB whatever the batches held.
  const recent = db.prepare(
    `SELECT id, at, status, ok, duration_ms, event_count, first_event_id, last_event_id, error, response, body_length
       FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?`,
  );
  const oneDelivery = db.prepare('SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND id = ?');
  const logAndTrim = db.transaction((row: Record<string, unknown>) => {
    log.run(row);
    trim.run({ endpointId: row['endpointId'] });
  });

  const get = (id: string): WebhookEndpoint | undefined => {
    const row = one.get(id) as EndpointRow | undefined;
    return row ? toEndpoint(row) : undefined;
  };

  return {
    async create(e) {
      insert.run({ id: e.id, url: e.url, events: e.events ? JSON.stringify(e.events) : null, secret: e.secret, description: e.description ?? null, cursor: e.cursor, createdAt: e.createdAt });
      return get(e.id) as WebhookEndpoint;
    },
    async get(id) {
      return get(id);
    },
    async list() {
      return (all.all() as EndpointRow[]).map(toEndpoint);
    },
    async update(id, patch) {
      const sets: string[] = [];
      const args: (string | null)[] = [];
      if (patch.url !== undefined) (sets.push('url = ?'), args.push(patch.url));
      if (patch.events !== undefined) (sets.push('events = ?'), args.push(patch.events === null ? null : JSON.stringify(patch.events)));
      if (patch.description !== undefined) (sets.push('description = ?'), args.push(patch.description));
      if (sets.length > 0) db.prepare(`UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
      return get(id);
    },
    async remove(id) {
      return del.run(id).changes > 0;
    },
    async setEnabled(id, enabled, o) {
      if (enabled) enable.run(id);
      else disable.run(o.reason ?? 'operator', o.at, id);
      return get(id);
    },
    async advance(id, from, to) {
      return advance.run(to, id, from).changes > 0;
    },
    async recordFailure(id, f) {
      fail.run({ id, at: f.at, next: f.nextAttemptAt, error: f.error });
      return get(id);
    },
    async moveCursor(id, cursor) {
      move.run(cursor, id);
      return get(id);
    },
    async addDelivery(id, d) {
      logAndTrim({
        endpointId: id,
        at: d.at,
        status: d.status ?? null,
        ok: d.ok ? 1 : 0,
        durationMs: Math.round(d.durationMs),
        events: d.events,
        firstEventId: d.firstEventId,
        lastEventId: d.lastEventId,
        error: d.error ?? null,
        response: d.response ?? null,
        body: d.body === undefined ? null : d.body.slice(0, DELIVERY_BODY_KEPT),
        bodyLength: d.body === undefined ? null : (d.bodyLength ?? d.body.length),
      });
    },
    async deliveries(id, limit) {
      return (recent.all(id, limit) as DeliveryRow[]).map(toDelivery);
    },
    async delivery(id, deliveryId) {
      const row = oneDelivery.get(id, deliveryId) as DeliveryRow | undefined;
      return row ? toDelivery(row) : undefined;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
