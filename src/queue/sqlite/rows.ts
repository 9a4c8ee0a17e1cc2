import type { Database, Statement } from 'better-sqlite3';
import type { Envelope, Mailbox, MailParams, Notify, Origin, QueueId, Recipient, SmtpReply } from '../../core/index.js';
import type { ListFilter, MessageDetail, MessageSummary, QueueStats, RecipientRow, RecipientStatus } from '../store.js';

/** Row shapes as SQLite returns them (see migrations.ts). */
export interface MessageDbRow {
  id: string;
  sender: string | null;
  params: string;
  origin: string;
  size: number;
  received_at: number;
  expires_at: number;
  held: number;
}

export interface RecipientDbRow {
  row_id: number;
  queue_id: string;
  local: string;
  domain: string;
  notify: string | null;
  orcpt: string | null;
  status: RecipientStatus;
  attempts: number;
  next_attempt_at: number;
  last_reply: string | null;
  last_error: string | null;
  remote_mta: string | null;
  notice_passed_on: number;
  updated_at: number;
}

/** Columns of `messages` without the body (listing never reads it). */
export const MESSAGE_COLUMNS = 'id, sender, params, origin, size, received_at, expires_at, held';
export const RECIPIENT_COLUMNS =
  'row_id, queue_id, local, domain, notify, orcpt, status, attempts, next_attempt_at, last_reply, last_error, remote_mta, notice_passed_on, updated_at';

export function senderToText(m: Mailbox | null): string | null {
  return m === null ? null : `${m.local}@${m.domain}`;
}

/** The domain never contains "@", so the last one splits (quoted local parts may hold "@"). */
export function textToMailbox(text: string): Mailbox {
  const at = text.lastIndexOf('@');
  return { local: text.slice(0, at), domain: text.slice(at + 1) };
}

export function toRecipientRow(r: RecipientDbRow): RecipientRow {
  return {
    rowId: r.row_id,
    queueId: r.queue_id as QueueId,
    address: { local: r.local, domain: r.domain },
    ...(r.notify !== null ? { notify: JSON.parse(r.notify) as Notify } : {}),
    ...(r.orcpt !== null ? { orcpt: r.orcpt } : {}),
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    ...(r.last_reply !== null ? { lastReply: JSON.parse(r.last_reply) as SmtpReply } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    ...(r.remote_mta !== null ? { remoteMta: r.remote_mta } : {}),
    ...(r.notice_passed_on === 1 ? { noticePassedOn: true as const } : {}),
    updatedAt: r.updated_at,
  };
}

function toRecipient(r: RecipientDbRow): Recipient {
  return {
    address: { local: r.local, domain: r.domain },
    ...(r.notify !== null ? { notify: JSON.parse(r.notify) as Notify } : {}),
    ...(r.orcpt !== null ? { orcpt: r.orcpt } : {}),
  };
}

export function toSummary(m: MessageDbRow, all: readonly RecipientDbRow[]): MessageSummary {
  const envelope: Envelope = {
    mailFrom: m.sender === null ? null : textToMailbox(m.sender),
    recipients: all.map(toRecipient),
    params: JSON.parse(m.params) as MailParams,
  };
  return {
    id: m.id as QueueId,
    envelope,
    origin: JSON.parse(m.origin) as Origin,
    size: m.size,
    receivedAt: m.received_at,
    expiresAt: m.expires_at,
    held: m.held !== 0,
  };
}

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
    const out = new Map<string, RecipientDbRow[]>();
    for (const r of this.recipientsOf.all(JSON.stringify(ids)) as RecipientDbRow[]) {
      const list = out.get(r.queue_id);
      if (list) list.push(r);
      else out.set(r.queue_id, [r]);
    }
    return out;
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
