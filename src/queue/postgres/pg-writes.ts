import type pg from 'pg';
import type { QueueId } from '../../core/index.js';
import type { BatonEvent } from '../../events/index.js';
import { addEvents, eventColumns, eventsSelect, eventValues } from '../../events/postgres/pg-event-rows.js';
import type { ClaimedMessage, ClaimOptions, RecipientUpdate, RecordResult } from '../store.js';
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

/**
 * Whether a recipient in its final state owes the sender a DSN, as
 * finalStateWantsNotice (src/core/envelope.ts) decides it, on the stored
 * NOTIFY (JSON text: NULL, "NEVER" or a list). RFC 3461 §4.1: no NOTIFY means
 * failures (and delays) only; §5.2.2: success handed on to a DSN-capable next
 * hop is reported by it. The sender being <> is checked on the message.
 */
const WANTS_NOTICE = `CASE WHEN u.status = 'pending' THEN false
  WHEN u.status = 'delivered' THEN NOT u.notice_passed_on AND COALESCE(u.notify LIKE '%"SUCCESS"%', false)
  ELSE u.notify IS NULL OR u.notify LIKE '%"FAILURE"%' END`;

/**
 * Record outcomes in ONE statement (one round trip, one commit): update the
 * rows this owner still leases, count the recipients each message just
 * finalised against its `pending` counter under the message row's lock, and
 * delete a message that is now finished and owes no DSN (its recipients go
 * by ON DELETE CASCADE). Events go in only for rows that were updated.
 *
 * `gone` and `rest` touch the same message rows with opposite aims; whichever
 * runs first wins and the other skips the row (PostgreSQL ignores a second
 * change of a row by the same command). When `rest` won, or when the row's
 * newest version differed from this statement's snapshot, the caller sees
 * pending = 0 without dsn_due and deletes the message in a second statement.
 */
const RECORD = `WITH x AS (
  SELECT * FROM unnest($3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::boolean[])
    AS x(row_id, status, next_at, reply, error, mta, passed)
), u AS (
  UPDATE recipients r SET status = x.status, attempts = r.attempts + 1, next_attempt_at = x.next_at,
    last_reply = x.reply, last_error = x.error, remote_mta = x.mta, notice_passed_on = x.passed,
    lease_owner = NULL, lease_until = NULL, leased_at = NULL, updated_at = $2
  FROM x WHERE r.row_id = x.row_id AND r.lease_owner = $1 AND r.status = 'pending'
  RETURNING r.row_id, r.queue_id, r.status, r.notify, r.notice_passed_on
), c AS (
  SELECT u.queue_id, (count(*) FILTER (WHERE u.status <> 'pending'))::integer AS done, bool_or(${WANTS_NOTICE}) AS wants
  FROM u GROUP BY u.queue_id
), gone AS (
  DELETE FROM messages m USING c
  WHERE m.id = c.queue_id AND c.done > 0 AND m.pending = c.done AND NOT m.dsn_due AND NOT (c.wants AND m.sender IS NOT NULL)
  RETURNING m.id
), rest AS (
  UPDATE messages m SET pending = m.pending - c.done, dsn_due = m.dsn_due OR (c.wants AND m.sender IS NOT NULL)
  FROM c WHERE m.id = c.queue_id AND c.done > 0
  RETURNING m.id, m.pending, m.dsn_due
), ev AS (
  INSERT INTO events (at, type, queue_id, data, schema_version) ${eventsSelect(10, 'bigint', 'ev.key IN (SELECT row_id FROM u)')}
)
SELECT 'u' AS k, row_id::text AS v, NULL::integer AS pending, NULL::boolean AS dsn FROM u
UNION ALL SELECT 'gone', id, NULL, NULL FROM gone
UNION ALL SELECT 'rest', id, pending, dsn_due FROM rest`;

/** PostgreSQL does not take NUL in text: error texts from the wire lose theirs rather than fail the record. */
const noNul = (s: string | undefined): string | null => (s === undefined ? null : s.includes('\0') ? s.replaceAll('\0', '') : s);

/** 40P01 deadlock_detected, 40001 serialization_failure: the statement was rolled back whole and is safe to run again. */
const RETRYABLE = new Set(['40P01', '40001']);

async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 5 || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
    }
  }
}

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

  async record(updates: readonly RecipientUpdate[], owner: string, now: number): Promise<RecordResult> {
    if (updates.length === 0) return { lost: [], removed: [], finished: [] };
    const x = { rowId: [] as number[], status: [] as string[], next: [] as number[], reply: [] as (string | null)[], error: [] as (string | null)[], mta: [] as (string | null)[], passed: [] as boolean[] };
    const ev = eventColumns();
    for (const u of updates) {
      const deferred = u.kind === 'deferred';
      x.rowId.push(u.rowId);
      x.status.push(deferred ? 'pending' : u.kind);
      x.next.push(deferred ? u.nextAttemptAt : now);
      x.reply.push(u.reply ? JSON.stringify(u.reply) : null);
      x.error.push(u.kind !== 'delivered' ? noNul(u.error) : null);
      x.mta.push(noNul(u.remoteMta));
      x.passed.push(u.kind === 'delivered' && u.noticePassedOn === true);
      addEvents(ev, u.rowId, u.events);
    }
    const values = [owner, now, x.rowId, x.status, x.next, x.reply, x.error, x.mta, x.passed, ...eventValues(ev)];
    const res = await withRetry(() => this.pool.query<{ k: string; v: string; pending: number | null; dsn: boolean | null }>({ name: 'baton_q_record', text: RECORD, values }));
    const kept = new Set<number>();
    const removed: QueueId[] = [];
    const finished: QueueId[] = [];
    const toDelete: QueueId[] = [];
    for (const r of res.rows) {
      if (r.k === 'u') kept.add(Number(r.v));
      else if (r.k === 'gone') removed.push(r.v as QueueId);
      else if (r.pending === 0) (r.dsn ? finished : toDelete).push(r.v as QueueId);
    }
    if (toDelete.length > 0) {
      const del = await this.pool.query<{ id: QueueId }>('DELETE FROM messages WHERE id = ANY($1::text[]) AND pending = 0 AND NOT dsn_due RETURNING id', [toDelete]);
      removed.push(...del.rows.map((r) => r.id));
    }
    return { lost: updates.map((u) => u.rowId).filter((id) => !kept.has(id)), removed, finished };
  }

  async renew(rowIds: readonly number[], owner: string, until: number): Promise<void> {
    if (rowIds.length === 0) return;
    await this.pool.query({
      name: 'baton_q_renew',
      text: `UPDATE recipients SET lease_until = $3, next_attempt_at = $3 WHERE row_id = ANY($1::bigint[]) AND lease_owner = $2 AND status = 'pending'`,
      values: [rowIds, owner, until],
    });
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
