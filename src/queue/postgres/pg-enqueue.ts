import type pg from 'pg';
import { isPgUnavailable } from '../../postgres/index.js';
import { QueueStoreError } from '../sqlite/sqlite-store.js';
import { ALREADY_SENT, type EnqueueRequest } from '../store.js';
import { addEvents, eventColumns, eventsSelect, eventValues } from '../../events/postgres/pg-event-rows.js';
import { GroupCommit } from './group-commit.js';
import { senderToText } from './pg-rows.js';

/** One enqueue waiting for its group commit. */
export interface EnqueueItem {
  readonly req: EnqueueRequest;
  /** Lease the recipients to this owner until `until` (enqueueClaimed). */
  readonly lease?: { readonly owner: string; readonly until: number };
  /** The recipients' row ids, in envelope order, once committed. */
  resolve(rowIds: number[]): void;
  reject(err: Error): void;
}

/** SQLSTATE unique_violation: the code a refused duplicate queue id carries (QueueStoreError.code). */
export const DUPLICATE_ID = '23505';

/**
 * Group commit (DESIGN §5): while one enqueue statement is in flight, the
 * enqueues that arrive wait and go together in the next one. A batch is ONE
 * statement (multi-row INSERTs fed by unnest) run outside any explicit
 * transaction, so N sessions cost one round trip and one synchronous commit
 * (synchronous_commit = on: the promise resolves only after the WAL flush).
 *
 * A duplicate queue id fails only its own request: `ON CONFLICT DO NOTHING`
 * leaves it out, and its recipients and events with it. Any other error fails
 * the batch, which is then retried one request at a time so a bad request
 * fails alone; an unreachable database fails them all at once.
 */
export class EnqueueBatcher extends GroupCommit<EnqueueItem> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly maxBatch = 100,
    /** Bodies in one statement stay under this many bytes (a large message goes alone). */
    private readonly maxBatchBytes = 16 * 1024 * 1024,
  ) {
    super();
  }

  submit(item: EnqueueItem): void {
    this.submitItem(item);
  }

  /** The next batch: in arrival order, one request per queue id (a repeated id waits for the next batch and is refused there). */
  protected take(): EnqueueItem[] {
    const batch: EnqueueItem[] = [];
    const ids = new Set<string>();
    const rest: EnqueueItem[] = [];
    let bytes = 0;
    for (const item of this.queue) {
      const full = batch.length >= this.maxBatch || (batch.length > 0 && bytes + item.req.message.byteLength > this.maxBatchBytes);
      if (full || ids.has(item.req.id)) rest.push(item);
      else {
        batch.push(item);
        ids.add(item.req.id);
        bytes += item.req.message.byteLength;
      }
    }
    this.queue = rest;
    return batch;
  }

  protected async write(batch: readonly EnqueueItem[]): Promise<void> {
    let rows: { queue_id: string; row_id: number | null }[];
    try {
      rows = (await this.pool.query<{ queue_id: string; row_id: number | null }>(statement(batch))).rows;
    } catch (err) {
      if (batch.length > 1 && !isPgUnavailable(err)) {
        for (const item of batch) await this.write([item]);
        return;
      }
      for (const item of batch) item.reject(err as Error);
      return;
    }
    const inserted = new Map<string, number[]>();
    for (const r of rows) if (r.row_id === null) inserted.set(r.queue_id, []);
    for (const r of rows) if (r.row_id !== null) inserted.get(r.queue_id)?.push(r.row_id);
    for (const item of batch) {
      const rowIds = inserted.get(item.req.id);
      // Identity values are drawn in insert order, which follows the envelope.
      if (rowIds) item.resolve(rowIds.sort((a, b) => a - b));
      else if (item.req.sendLog) item.reject(new QueueStoreError(`already sent: ${item.req.sendLog.scope} ${item.req.sendLog.key} (or queue id ${item.req.id} is taken)`, ALREADY_SENT));
      else item.reject(new QueueStoreError(`A message with queue id ${item.req.id} is already queued`, DUPLICATE_ID));
    }
  }
}

const sqlBySize = new Map<number, string>();

/** The statement text for `k` messages: fixed per k, so it is prepared once per connection under its own name. */
function sqlFor(k: number): string {
  let sql = sqlBySize.get(k);
  if (sql) return sql;
  const bodies = Array.from({ length: k }, (_, i) => `$${26 + i}::bytea`).join(', ');
  // The send log first: a message whose (scope, key) is already there is left out,
  // with its recipients and events (EnqueueRequest.sendLog).
  sql = `WITH sent AS (
  INSERT INTO send_log (scope, key, queue_id, at)
  SELECT s.scope, s.key, s.id, s.at FROM unnest($1::text[], $24::text[], $25::text[], $5::bigint[]) AS s(id, scope, key, at)
  WHERE s.scope IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING queue_id
), msg AS (
  INSERT INTO messages (id, sender, params, origin, size, received_at, expires_at, held, pending, schema_version, body)
  SELECT x.id, x.sender, x.params, x.origin, octet_length(x.body), x.received_at, x.expires_at, x.held, x.pending, 1, x.body
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::boolean[], $8::integer[], ARRAY[${bodies}], $24::text[])
    AS x(id, sender, params, origin, received_at, expires_at, held, pending, body, scope)
  WHERE x.scope IS NULL OR x.id IN (SELECT queue_id FROM sent)
  ON CONFLICT (id) DO NOTHING
  RETURNING id
), rcpt AS (
  INSERT INTO recipients (queue_id, local, domain, notify, orcpt, status, next_attempt_at, updated_at, lease_owner, lease_until, leased_at, schema_version)
  SELECT r.queue_id, r.local, r.domain, r.notify, r.orcpt, 'pending', r.next_at, r.updated_at, r.owner, r.until, r.leased_at, 1
  FROM unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::bigint[], $16::text[], $17::bigint[], $18::bigint[])
    WITH ORDINALITY AS r(queue_id, local, domain, notify, orcpt, next_at, updated_at, owner, until, leased_at, ord)
  WHERE r.queue_id IN (SELECT id FROM msg) ORDER BY r.ord
  RETURNING row_id, queue_id
), ev AS (
  INSERT INTO events (at, type, queue_id, data, schema_version) ${eventsSelect(19, 'text', 'ev.key IN (SELECT id FROM msg)')}
)
SELECT id AS queue_id, NULL::bigint AS row_id FROM msg UNION ALL SELECT queue_id, row_id FROM rcpt`;
  sqlBySize.set(k, sql);
  return sql;
}

function statement(batch: readonly EnqueueItem[]): pg.QueryConfig {
  const log = { scope: [] as (string | null)[], key: [] as (string | null)[] };
  const m = { id: [] as string[], sender: [] as (string | null)[], params: [] as string[], origin: [] as string[], received: [] as number[], expires: [] as number[], held: [] as boolean[], pending: [] as number[] };
  const r = { queue: [] as string[], local: [] as string[], domain: [] as string[], notify: [] as (string | null)[], orcpt: [] as (string | null)[], next: [] as number[], updated: [] as number[], owner: [] as (string | null)[], until: [] as (number | null)[], leasedAt: [] as (number | null)[] };
  const ev = eventColumns();
  const bodies: Buffer[] = [];
  for (const { req, lease } of batch) {
    const first = req.firstAttemptAt ?? req.receivedAt;
    m.id.push(req.id);
    m.sender.push(senderToText(req.envelope.mailFrom));
    m.params.push(JSON.stringify(req.envelope.params));
    m.origin.push(JSON.stringify(req.origin));
    m.received.push(req.receivedAt);
    m.expires.push(req.expiresAt);
    m.held.push(req.held === true);
    m.pending.push(req.envelope.recipients.length);
    log.scope.push(req.sendLog?.scope ?? null);
    log.key.push(req.sendLog?.key ?? null);
    // A Buffer parameter travels in binary, not as hex text.
    bodies.push(Buffer.isBuffer(req.message) ? req.message : Buffer.from(req.message));
    for (const rc of req.envelope.recipients) {
      r.queue.push(req.id);
      r.local.push(rc.address.local);
      r.domain.push(rc.address.domain.toLowerCase());
      r.notify.push(rc.notify !== undefined ? JSON.stringify(rc.notify) : null);
      r.orcpt.push(rc.orcpt ?? null);
      // As a claim leaves a row: next_attempt_at is the lease end, leased_at the due time.
      r.next.push(lease ? lease.until : first);
      r.updated.push(req.receivedAt);
      r.owner.push(lease ? lease.owner : null);
      r.until.push(lease ? lease.until : null);
      r.leasedAt.push(lease ? first : null);
    }
    addEvents(ev, req.id, req.events);
  }
  return {
    name: `baton_q_enqueue_${batch.length}`,
    text: sqlFor(batch.length),
    values: [
      m.id, m.sender, m.params, m.origin, m.received, m.expires, m.held, m.pending,
      r.queue, r.local, r.domain, r.notify, r.orcpt, r.next, r.updated, r.owner, r.until, r.leasedAt,
      ...eventValues(ev),
      log.scope, log.key,
      ...bodies,
    ],
  };
}
