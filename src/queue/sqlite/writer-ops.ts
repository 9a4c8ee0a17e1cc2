import type { Database, Statement } from 'better-sqlite3';
import { finalStateWantsNotice, type Notify, type QueueId } from '../../core/index.js';
import { ALREADY_SENT, type ClaimedMessage, type RecipientStatus, type RecipientUpdate, type RecordResult } from '../store.js';
import { EventWriter, type BatonEvent } from '../../events/index.js';
import { ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import type { WriteRequest } from './protocol.js';
import { QueueReader, RECIPIENT_COLUMNS, toRecipientRow, toSummary, type RecipientDbRow } from './rows.js';

/**
 * The write operations, run only by the writer worker (one writer per process:
 * DESIGN §5). Each runs inside the batch's transaction, under its own savepoint.
 */
export class WriterOps {
  private readonly reader: QueueReader;
  private readonly insertMessage: Statement;
  private readonly insertRecipient: Statement;
  private readonly insertLeasedRecipient: Statement;
  private readonly claimRows: Statement;
  private readonly renewRow: Statement;
  private readonly recordRow: Statement;
  private readonly releaseRow: Statement;
  private readonly releaseOwner: Statement;
  private readonly deleteMessage: Statement;
  private readonly setHeld: Statement;
  private readonly messageState: Statement;
  private readonly events: EventWriter;
  private readonly insertSendLog: Statement;

  constructor(private readonly db: Database) {
    this.reader = new QueueReader(db);
    this.events = new EventWriter(db);
    this.insertMessage = db.prepare(
      `INSERT INTO messages (id, sender, params, origin, size, received_at, expires_at, held, schema_version, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ${ROW_SCHEMA_VERSION}, ?)`,
    );
    this.insertRecipient = db.prepare(
      `INSERT INTO recipients (queue_id, local, domain, notify, orcpt, status, attempts, next_attempt_at, updated_at, schema_version)
       VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ${ROW_SCHEMA_VERSION})`,
    );
    // As claimRows leaves a claimed row: next_attempt_at is the lease end, leased_at the due time.
    this.insertLeasedRecipient = db.prepare(
      `INSERT INTO recipients (queue_id, local, domain, notify, orcpt, status, attempts, next_attempt_at, updated_at,
         lease_owner, lease_until, leased_at, schema_version)
       VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?, ${ROW_SCHEMA_VERSION})`,
    );
    // The leased row's next_attempt_at becomes the lease end, so a dead owner's work
    // falls due again by itself and nextDueAt never points at in-flight rows.
    this.claimRows = db.prepare(
      `UPDATE recipients SET lease_owner = @owner, lease_until = @until, leased_at = @now, next_attempt_at = @until
       WHERE row_id IN (
         SELECT r.row_id FROM recipients r JOIN messages m ON m.id = r.queue_id
         WHERE r.status = 'pending' AND r.next_attempt_at <= @now
           AND (r.lease_until IS NULL OR r.lease_until <= @now) AND m.held = 0
         ORDER BY r.next_attempt_at LIMIT @limit)
       RETURNING ${RECIPIENT_COLUMNS}`,
    );
    this.renewRow = db.prepare(
      `UPDATE recipients SET lease_until = @until, next_attempt_at = @until
       WHERE row_id = @rowId AND lease_owner = @owner AND status = 'pending'`,
    );
    this.recordRow = db.prepare(
      `UPDATE recipients SET status = @status, attempts = attempts + 1, next_attempt_at = @next,
         last_reply = @reply, last_error = @error, remote_mta = @mta, notice_passed_on = @passedOn,
         lease_owner = NULL, lease_until = NULL, leased_at = NULL, updated_at = @now
       WHERE row_id = @rowId AND lease_owner = @owner AND status = 'pending'
       RETURNING queue_id`,
    );
    // Enough to tell whether a message is finished and whether it owes a DSN.
    this.messageState = db.prepare(
      `SELECT m.sender, r.status, r.notify, r.notice_passed_on FROM recipients r JOIN messages m ON m.id = r.queue_id WHERE r.queue_id = ?`,
    );
    this.releaseRow = db.prepare(
      `UPDATE recipients SET lease_owner = NULL, lease_until = NULL, next_attempt_at = COALESCE(leased_at, next_attempt_at), leased_at = NULL
       WHERE row_id = @rowId AND lease_owner = @owner AND status = 'pending'`,
    );
    this.releaseOwner = db.prepare(
      `UPDATE recipients SET lease_owner = NULL, lease_until = NULL, next_attempt_at = COALESCE(leased_at, next_attempt_at), leased_at = NULL
       WHERE lease_owner = @owner AND status = 'pending'`,
    );
    this.insertSendLog = db.prepare('INSERT INTO send_log (scope, key, queue_id, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.deleteMessage = db.prepare('DELETE FROM messages WHERE id = ?');
    this.setHeld = db.prepare('UPDATE messages SET held = ? WHERE id = ?');
  }

  run(req: WriteRequest): unknown {
    switch (req.op) {
      case 'enqueue': {
        // First, so a repeat writes nothing (the savepoint would undo it anyway).
        if (req.sendLog && this.insertSendLog.run(req.sendLog.scope, req.sendLog.key, req.id, req.receivedAt).changes === 0) {
          throw Object.assign(new Error(`already sent: ${req.sendLog.scope} ${req.sendLog.key}`), { code: ALREADY_SENT });
        }
        this.events.write(req.events);
        this.insertMessage.run(req.id, req.sender, req.params, req.origin, req.body.byteLength, req.receivedAt, req.expiresAt, req.held ? 1 : 0, req.body);
        const lease = req.lease;
        if (!lease) {
          for (const r of req.recipients) {
            this.insertRecipient.run(req.id, r.local, r.domain, r.notify, r.orcpt, req.firstAttemptAt, req.receivedAt);
          }
          return req.id;
        }
        return req.recipients.map((r) =>
          Number(
            this.insertLeasedRecipient.run(req.id, r.local, r.domain, r.notify, r.orcpt, lease.until, req.receivedAt, lease.owner, lease.until, req.firstAttemptAt)
              .lastInsertRowid,
          ),
        );
      }
      case 'claim':
        return this.claim(req.now, req.limit, req.leaseMs, req.owner);
      case 'renew':
        // The rows still this owner's (renewed), for the caller to keep.
        return req.rowIds.filter((rowId) => this.renewRow.run({ rowId, owner: req.owner, until: req.now + req.leaseMs }).changes > 0);
      case 'record':
        return this.record(req.updates, req.owner, req.now);
      case 'release-leases':
        for (const rowId of req.rowIds) this.releaseRow.run({ rowId, owner: req.owner });
        return undefined;
      case 'release-owners': {
        let changes = 0;
        for (const owner of req.owners) changes += this.releaseOwner.run({ owner }).changes;
        return changes;
      }
      case 'delete':
        return this.changed(this.deleteMessage.run(req.id).changes, req.events);
      case 'hold':
        return this.changed(this.setHeld.run(req.held ? 1 : 0, req.id).changes, req.events);
      case 'append-events':
        this.events.write(req.events);
        return undefined;
      case 'prune-events':
        return this.events.prune(req.before);
      case 'retry':
        return this.retry(req.target, req.now);
    }
  }

  /** An action on one message: its events are written only when it found the message. */
  private changed(changes: number, events: readonly BatonEvent[]): boolean {
    if (changes > 0) this.events.write(events);
    return changes > 0;
  }

  private claim(now: number, limit: number, leaseMs: number, owner: string): ClaimedMessage[] {
    if (limit <= 0) return [];
    const until = now + leaseMs;
    const rows = (this.claimRows.all({ owner, until, now, limit }) as RecipientDbRow[]).sort((a, b) => a.row_id - b.row_id);
    if (rows.length === 0) return [];
    const ids = [...new Set(rows.map((r) => r.queue_id))];
    const messages = new Map(this.reader.messageRows(ids).map((m) => [m.id, m]));
    const all = this.reader.recipientRows(ids);
    const out: ClaimedMessage[] = [];
    for (const id of ids) {
      const m = messages.get(id);
      if (!m) continue; // Cannot happen inside one transaction (FK), kept for type safety.
      out.push({
        message: toSummary(m, all.get(id) ?? []),
        recipients: rows.filter((r) => r.queue_id === id).map(toRecipientRow),
        leaseUntil: until,
      });
    }
    return out;
  }

  private record(updates: readonly RecipientUpdate[], owner: string, now: number): RecordResult {
    const lost: number[] = [];
    const touched = new Set<QueueId>();
    for (const u of updates) {
      const deferred = u.kind === 'deferred';
      const row = this.recordRow.get({
        rowId: u.rowId,
        owner,
        now,
        status: deferred ? 'pending' : u.kind,
        next: deferred ? u.nextAttemptAt : now,
        reply: u.reply ? JSON.stringify(u.reply) : null,
        error: u.kind !== 'delivered' && u.error !== undefined ? u.error : null,
        mta: u.remoteMta ?? null,
        passedOn: u.kind === 'delivered' && u.noticePassedOn ? 1 : 0,
      }) as { queue_id: QueueId } | undefined;
      if (!row) {
        lost.push(u.rowId);
        continue;
      }
      touched.add(row.queue_id);
      this.events.write(u.events);
    }
    const removed: QueueId[] = [];
    const finished: QueueId[] = [];
    for (const id of touched) {
      const state = this.messageState.all(id) as { sender: string | null; status: RecipientStatus; notify: string | null; notice_passed_on: number }[];
      if (state.some((r) => r.status === 'pending')) continue;
      const owesDsn = state.some(
        (r) => r.sender !== null && finalStateWantsNotice(r.status, r.notify === null ? undefined : (JSON.parse(r.notify) as Notify), r.notice_passed_on === 1),
      );
      if (owesDsn) finished.push(id);
      else {
        // Retired here rather than by the finisher: one transaction less per message.
        this.deleteMessage.run(id);
        removed.push(id);
      }
    }
    return { lost, removed, finished };
  }

  private retry(target: { id: string } | { domain: string } | { all: true }, now: number): number {
    // Live leases are left alone: those rows are being attempted right now.
    const base = `UPDATE recipients SET next_attempt_at = MIN(next_attempt_at, @now), updated_at = @now
      WHERE status = 'pending' AND (lease_until IS NULL OR lease_until <= @now)`;
    if ('id' in target) return this.db.prepare(`${base} AND queue_id = @id`).run({ now, id: target.id }).changes;
    if ('domain' in target) {
      return this.db.prepare(`${base} AND domain = @domain`).run({ now, domain: target.domain.toLowerCase() }).changes;
    }
    return this.db.prepare(base).run({ now }).changes;
  }
}
