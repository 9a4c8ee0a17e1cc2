import type pg from 'pg';
import type { QueueId } from '../../core/index.js';
import type { BatonEvent } from '../../events/index.js';
import { addEvents, eventColumns, eventsSelect, eventValues } from '../../events/postgres/pg-event-rows.js';
import type { ClaimedMessage, ClaimOptions } from '../store.js';
import { RECIPIENT_COLUMNS, toRecipientRow, toSummary, type PgQueueReader, type RecipientDbRow } from './pg-rows.js';

/**
 * Claim: pick due rows and lease them in ONE statement. `FOR UPDATE OF r SKIP
 * LOCKED` (PostgreSQL docs, SELECT "The Locking Clause") makes a node skip
 * rows another node is claiming right now instead of waiting for them; a row
 * another claim leased and committed since this statement's snapshot is
 * re-checked on its newest version (READ COMMITTED) and dropped, since its
 * next_attempt_at is now the lease end. So two claims never lease one row.
 */
const CLAIM = `WITH due AS (
  SELECT r.row_id FROM recipients r JOIN messages m ON m.id = r.queue_id
  WHERE r.status = 'pending' AND r.next_attempt_at <= $2 AND (r.lease_until IS NULL OR r.lease_until <= $2) AND NOT m.held
  ORDER BY r.next_attempt_at LIMIT $4
  FOR UPDATE OF r SKIP LOCKED
)
UPDATE recipients r SET lease_owner = $1, lease_until = $3, leased_at = $2, next_attempt_at = $3
FROM due WHERE r.row_id = due.row_id AND r.status = 'pending'
RETURNING ${RECIPIENT_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')}`;

export class PgQueueWrites {
  constructor(
    private readonly pool: pg.Pool,
    private readonly reader: PgQueueReader,
  ) {}

  async claim(o: ClaimOptions): Promise<ClaimedMessage[]> {
    if (o.limit <= 0) return [];
    const until = o.now + o.leaseMs;
    const res = await this.pool.query<RecipientDbRow>({ name: 'baton_q_claim', text: CLAIM, values: [o.owner, o.now, until, o.limit] });
    const rows = res.rows.sort((a, b) => a.row_id - b.row_id);
    if (rows.length === 0) return [];
    const ids = [...new Set(rows.map((r) => r.queue_id))];
    const [messages, all] = await Promise.all([this.reader.messageRows(ids), this.reader.recipientRows(ids)]);
    const byId = new Map(messages.map((m) => [m.id, m]));
    const out: ClaimedMessage[] = [];
    for (const id of ids) {
      const m = byId.get(id);
      if (!m) continue; // Deleted by an operator between the claim and this read: nothing to send.
      out.push({ message: toSummary(m, all.get(id) ?? []), recipients: rows.filter((r) => r.queue_id === id).map(toRecipientRow), leaseUntil: until });
    }
    return out;
  }

  async renew(rowIds: readonly number[], owner: string, until: number): Promise<number[]> {
    if (rowIds.length === 0) return [];
    const res = await this.pool.query<{ row_id: number }>({
      name: 'baton_q_renew_ids',
      text: `UPDATE recipients SET lease_until = $3, next_attempt_at = $3 WHERE row_id = ANY($1::bigint[]) AND lease_owner = $2 AND status = 'pending' RETURNING row_id`,
      values: [rowIds, owner, until],
    });
    return res.rows.map((r) => r.row_id);
  }

  async releaseLeases(rowIds: readonly number[], owner: string): Promise<void> {
    if (rowIds.length === 0) return;
    await this.pool.query({
      name: 'baton_q_release',
      text: `UPDATE recipients SET lease_owner = NULL, lease_until = NULL, next_attempt_at = COALESCE(leased_at, next_attempt_at), leased_at = NULL
             WHERE row_id = ANY($1::bigint[]) AND lease_owner = $2 AND status = 'pending'`,
      values: [rowIds, owner],
    });
  }

  async releaseOwners(owners: readonly string[]): Promise<number> {
    if (owners.length === 0) return 0;
    const res = await this.pool.query(
      `UPDATE recipients SET lease_owner = NULL, lease_until = NULL, next_attempt_at = COALESCE(leased_at, next_attempt_at), leased_at = NULL
       WHERE lease_owner = ANY($1::text[]) AND status = 'pending'`,
      [owners],
    );
    return res.rowCount ?? 0;
  }

  /** A queue action on one message, with its events written only when it found the message. */
  async act(kind: 'delete' | 'hold' | 'release', id: QueueId, events: readonly BatonEvent[]): Promise<boolean> {
    const ev = eventColumns();
    addEvents(ev, id, events);
    const change = kind === 'delete' ? 'DELETE FROM messages WHERE id = $1 RETURNING id' : `UPDATE messages SET held = ${kind === 'hold'} WHERE id = $1 RETURNING id`;
    const res = await this.pool.query<{ n: number }>(
      `WITH m AS (${change}), ev AS (INSERT INTO events (at, type, queue_id, data, schema_version) ${eventsSelect(2, 'text', 'EXISTS (SELECT 1 FROM m)')})
       SELECT count(*) AS n FROM m`,
      [id, ...eventValues(ev)],
    );
    return (res.rows[0]?.n ?? 0) > 0;
  }

  async append(events: readonly BatonEvent[]): Promise<void> {
    const ev = eventColumns();
    addEvents(ev, '', events);
    await this.pool.query(`INSERT INTO events (at, type, queue_id, data, schema_version) ${eventsSelect(1, 'text', 'true')}`, eventValues(ev));
  }

  async retry(target: { readonly id: string } | { readonly domain: string } | { readonly all: true }, now: number): Promise<number> {
    // Live leases are left alone: those rows are being attempted right now.
    const base = `UPDATE recipients SET next_attempt_at = LEAST(next_attempt_at, $1), updated_at = $1
      WHERE status = 'pending' AND (lease_until IS NULL OR lease_until <= $1)`;
    const res =
      'id' in target
        ? await this.pool.query(`${base} AND queue_id = $2`, [now, target.id])
        : 'domain' in target
          ? await this.pool.query(`${base} AND domain = $2`, [now, target.domain.toLowerCase()])
          : await this.pool.query(base, [now]);
    return res.rowCount ?? 0;
  }
}
