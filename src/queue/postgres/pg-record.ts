import type pg from 'pg';
import type { QueueId } from '../../core/index.js';
import { addEvents, eventColumns, eventsSelect, eventValues } from '../../events/postgres/pg-event-rows.js';
import { isPgUnavailable } from '../../postgres/index.js';
import type { RecipientUpdate, RecordResult } from '../store.js';
import { GroupCommit } from './group-commit.js';

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
 * Record outcomes in ONE statement (one round trip, one commit), for the
 * updates of several callers at once (each row with its owner and time):
 * update the rows their owner still leases, count the recipients each
 * message just finalised against its `pending` counter under the message
 * row's lock, and delete a message that is now finished and owes no DSN (its
 * recipients go by ON DELETE CASCADE). Events go in only for updated rows.
 *
 * `gone` and `rest` touch the same message rows with opposite aims; whichever
 * runs first wins and the other skips the row (PostgreSQL ignores a second
 * change of a row by the same command). When `rest` won, or when the row's
 * newest version differed from this statement's snapshot, the caller sees
 * pending = 0 without dsn_due and deletes the message in a second statement.
 */
const RECORD = `WITH x AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::boolean[])
    AS x(owner, now, row_id, status, next_at, reply, error, mta, passed)
), u AS (
  UPDATE recipients r SET status = x.status, attempts = r.attempts + 1, next_attempt_at = x.next_at,
    last_reply = x.reply, last_error = x.error, remote_mta = x.mta, notice_passed_on = x.passed,
    lease_owner = NULL, lease_until = NULL, leased_at = NULL, updated_at = x.now
  FROM x WHERE r.row_id = x.row_id AND r.lease_owner = x.owner AND r.status = 'pending'
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
SELECT 'u' AS k, queue_id AS id, row_id, NULL::integer AS pending, NULL::boolean AS dsn FROM u
UNION ALL SELECT 'gone', id, NULL, NULL, NULL FROM gone
UNION ALL SELECT 'rest', id, NULL, pending, dsn_due FROM rest`;

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

interface RecordItem {
  readonly updates: readonly RecipientUpdate[];
  readonly owner: string;
  readonly now: number;
  resolve(result: RecordResult): void;
  reject(err: Error): void;
}

/**
 * Group commit for outcomes, as for enqueues (pg-enqueue.ts): the delivery
 * side records one message at a time from many workers; while one record
 * statement is in flight the next ones gather and go together, so a busy
 * node pays a fraction of a commit per message. One row appears once per
 * batch (a repeated row waits for the next), so each caller's lost rows are
 * its own; a finished message is reported to the first caller that touched it.
 */
export class RecordBatcher extends GroupCommit<RecordItem> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly maxRows = 500,
  ) {
    super();
  }

  record(updates: readonly RecipientUpdate[], owner: string, now: number): Promise<RecordResult> {
    if (updates.length === 0) return Promise.resolve({ lost: [], removed: [], finished: [] });
    return new Promise((resolve, reject) => {
      this.submitItem({ updates, owner, now, resolve, reject });
    });
  }

  protected take(): RecordItem[] {
    const batch: RecordItem[] = [];
    const rows = new Set<number>();
    const rest: RecordItem[] = [];
    for (const item of this.queue) {
      const clash = item.updates.some((u) => rows.has(u.rowId));
      if (clash || (batch.length > 0 && rows.size + item.updates.length > this.maxRows)) rest.push(item);
      else {
        batch.push(item);
        for (const u of item.updates) rows.add(u.rowId);
      }
    }
    this.queue = rest;
    return batch;
  }

  protected async write(batch: readonly RecordItem[]): Promise<void> {
    let outcome: { kept: Map<number, QueueId>; removed: Set<QueueId>; finished: Set<QueueId> };
    try {
      outcome = await this.run(batch);
    } catch (err) {
      if (batch.length > 1 && !isPgUnavailable(err)) {
        for (const item of batch) await this.write([item]);
        return;
      }
      for (const item of batch) item.reject(err as Error);
      return;
    }
    const told = new Set<QueueId>();
    for (const item of batch) {
      const lost: number[] = [];
      const removed: QueueId[] = [];
      const finished: QueueId[] = [];
      for (const u of item.updates) {
        const id = outcome.kept.get(u.rowId);
        if (id === undefined) lost.push(u.rowId);
        else if (!told.has(id) && (outcome.removed.has(id) || outcome.finished.has(id))) {
          told.add(id);
          (outcome.removed.has(id) ? removed : finished).push(id);
        }
      }
      item.resolve({ lost, removed, finished });
    }
  }

  private async run(batch: readonly RecordItem[]): Promise<{ kept: Map<number, QueueId>; removed: Set<QueueId>; finished: Set<QueueId> }> {
    const x = { owner: [] as string[], now: [] as number[], rowId: [] as number[], status: [] as string[], next: [] as number[], reply: [] as (string | null)[], error: [] as (string | null)[], mta: [] as (string | null)[], passed: [] as boolean[] };
    const ev = eventColumns();
    for (const { updates, owner, now } of batch) {
      for (const u of updates) {
        const deferred = u.kind === 'deferred';
        x.owner.push(owner);
        x.now.push(now);
        x.rowId.push(u.rowId);
        x.status.push(deferred ? 'pending' : u.kind);
        x.next.push(deferred ? u.nextAttemptAt : now);
        x.reply.push(u.reply ? JSON.stringify(u.reply) : null);
        x.error.push(u.kind !== 'delivered' ? noNul(u.error) : null);
        x.mta.push(noNul(u.remoteMta));
        x.passed.push(u.kind === 'delivered' && u.noticePassedOn === true);
        addEvents(ev, u.rowId, u.events);
      }
    }
    const values = [x.owner, x.now, x.rowId, x.status, x.next, x.reply, x.error, x.mta, x.passed, ...eventValues(ev)];
    const res = await withRetry(() =>
      this.pool.query<{ k: string; id: QueueId; row_id: number | null; pending: number | null; dsn: boolean | null }>({ name: 'baton_q_record', text: RECORD, values }),
    );
    const kept = new Map<number, QueueId>();
    const removed = new Set<QueueId>();
    const finished = new Set<QueueId>();
    const toDelete: QueueId[] = [];
    for (const r of res.rows) {
      if (r.k === 'u') kept.set(r.row_id ?? -1, r.id);
      else if (r.k === 'gone') removed.add(r.id);
      else if (r.pending === 0) (r.dsn ? finished.add(r.id) : toDelete.push(r.id));
    }
    if (toDelete.length > 0) {
      const del = await this.pool.query<{ id: QueueId }>('DELETE FROM messages WHERE id = ANY($1::text[]) AND pending = 0 AND NOT dsn_due RETURNING id', [toDelete]);
      for (const r of del.rows) removed.add(r.id);
    }
    return { kept, removed, finished };
  }
}
