import type { Database, Statement } from 'better-sqlite3';
import type { ListFilter, MessageDetail, QueueStats, RecipientStatus } from '../store.js';
import { groupByQueueId, MESSAGE_COLUMNS, RECIPIENT_COLUMNS, toRecipientRow, toSummary } from '../row-mapping.js';
import type { MessageDbRow as MessageRowOf, RecipientDbRow as RecipientRowOf } from '../row-mapping.js';

export { MESSAGE_COLUMNS, RECIPIENT_COLUMNS, senderToText, textToMailbox, toRecipientRow, toSummary } from '../row-mapping.js';
/** Row shapes as SQLite returns them (see migrations.ts): flags are 0/1. */
export type MessageDbRow = MessageRowOf<number>;
export type RecipientDbRow = RecipientRowOf<number>;

/**
 * Read queries, shared by the main thread's read-only connection and the writer
 * (claims return message summaries). All are prepared once.
 */
export class QueueReader {
  private readonly byIds: Statement;
  private readonly recipientsOf: Statement;
  private readonly body: Statement;
  private readonly finished: Statement;
  private readonly due: Statement;

  constructor(private readonly db: Database) {
    this.byIds = db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id IN (SELECT value FROM json_each(?))`);
    this.recipientsOf = db.prepare(
      `SELECT ${RECIPIENT_COLUMNS} FROM recipients WHERE queue_id IN (SELECT value FROM json_each(?)) ORDER BY row_id`,
    );
    this.body = db.prepare('SELECT body FROM messages WHERE id = ?').pluck();
    this.finished = db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE pending = 0 AND held = 0 ORDER BY received_at LIMIT ?`,
    );
    // Walks recipients_due in order and stops at the first row of a message that is not held.
    this.due = db
      .prepare(
        `SELECT r.next_attempt_at FROM recipients r JOIN messages m ON m.id = r.queue_id
         WHERE r.status = 'pending' AND m.held = 0 ORDER BY r.next_attempt_at LIMIT 1`,
      )
      .pluck();
  }

  /** Recipient rows of the given messages, by queue id, in insertion order. */
  recipientRows(ids: readonly string[]): Map<string, RecipientDbRow[]> {
    return groupByQueueId(this.recipientsOf.all(JSON.stringify(ids)) as RecipientDbRow[]);
  }

  /** Message rows by id (any order). */
  messageRows(ids: readonly string[]): MessageDbRow[] {
    return this.byIds.all(JSON.stringify(ids)) as MessageDbRow[];
  }

  private details(rows: readonly MessageDbRow[]): MessageDetail[] {
    const rcpts = this.recipientRows(rows.map((m) => m.id));
    return rows.map((m) => {
      const all = rcpts.get(m.id) ?? [];
      return { ...toSummary(m, all), recipients: all.map(toRecipientRow) };
    });
  }

  readBody(id: string): Buffer | undefined {
    return this.body.get(id) as Buffer | undefined;
  }

  getMessage(id: string): MessageDetail | undefined {
    return this.details(this.messageRows([id]))[0];
  }

  list(filter: ListFilter = {}): MessageDetail[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.held !== undefined) {
      where.push('held = ?');
      args.push(filter.held ? 1 : 0);
    }
    if (filter.status !== undefined) {
      where.push('EXISTS (SELECT 1 FROM recipients r WHERE r.queue_id = messages.id AND r.status = ?)');
      args.push(filter.status);
    }
    const sql =
      `SELECT ${MESSAGE_COLUMNS} FROM messages` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY received_at DESC, id DESC LIMIT ?';
    args.push(filter.limit ?? -1);
    return this.details(this.db.prepare(sql).all(...args) as MessageDbRow[]);
  }

  listFinished(limit: number): MessageDetail[] {
    return this.details(this.finished.all(limit) as MessageDbRow[]);
  }

  stats(): QueueStats {
    const m = this.db
      .prepare('SELECT COUNT(*) AS n, COALESCE(SUM(held), 0) AS held, COALESCE(SUM(size), 0) AS bytes, MIN(received_at) AS oldest FROM messages')
      .get() as { n: number; held: number; bytes: number; oldest: number | null };
    const recipients: Record<RecipientStatus, number> = { pending: 0, delivered: 0, bounced: 0, expired: 0 };
    for (const r of this.db.prepare('SELECT status, COUNT(*) AS n FROM recipients GROUP BY status').all() as {
      status: RecipientStatus;
      n: number;
    }[]) {
      recipients[r.status] = r.n;
    }
    return {
      messages: m.n,
      held: m.held,
      recipients,
      bytes: m.bytes,
      ...(m.oldest !== null ? { oldestReceivedAt: m.oldest } : {}),
    };
  }

  nextDueAt(): number | undefined {
    return (this.due.get() as number | undefined) ?? undefined;
  }

  leaseOwners(): string[] {
    return this.db.prepare('SELECT DISTINCT lease_owner FROM recipients WHERE lease_owner IS NOT NULL').pluck().all() as string[];
  }
}
