import type pg from 'pg';
import type { Envelope, Mailbox, MailParams, Notify, Origin, QueueId, Recipient, SmtpReply } from '../../core/index.js';
import type { ListFilter, MessageDetail, MessageSummary, QueueStats, RecipientRow, RecipientStatus } from '../store.js';

/** Row shapes as node-postgres returns them (int8 parsed to numbers: src/postgres/database.ts). */
export interface MessageDbRow {
  id: string;
  sender: string | null;
  params: string;
  origin: string;
  size: number;
  received_at: number;
  expires_at: number;
  held: boolean;
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
  notice_passed_on: boolean;
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
function textToMailbox(text: string): Mailbox {
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
    ...(r.notice_passed_on ? { noticePassedOn: true as const } : {}),
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
    held: m.held,
  };
}

/** Read queries of the queue, each one statement on any pooled connection (named: parsed once per connection). */
export class PgQueueReader {
  constructor(private readonly pool: pg.Pool) {}

  /** Recipient rows of the given messages, by queue id, in insertion order. */
  async recipientRows(ids: readonly string[]): Promise<Map<string, RecipientDbRow[]>> {
    const out = new Map<string, RecipientDbRow[]>();
    if (ids.length === 0) return out;
    const res = await this.pool.query<RecipientDbRow>({
      name: 'baton_q_rcpts_of',
      text: `SELECT ${RECIPIENT_COLUMNS} FROM recipients WHERE queue_id = ANY($1::text[]) ORDER BY row_id`,
      values: [ids],
    });
    for (const r of res.rows) {
      const list = out.get(r.queue_id);
      if (list) list.push(r);
      else out.set(r.queue_id, [r]);
    }
    return out;
  }

  async messageRows(ids: readonly string[]): Promise<MessageDbRow[]> {
    if (ids.length === 0) return [];
    const res = await this.pool.query<MessageDbRow>({
      name: 'baton_q_msgs_of',
      text: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ANY($1::text[])`,
      values: [ids],
    });
    return res.rows;
  }

  async details(rows: readonly MessageDbRow[]): Promise<MessageDetail[]> {
    const rcpts = await this.recipientRows(rows.map((m) => m.id));
    return rows.map((m) => {
      const all = rcpts.get(m.id) ?? [];
      return { ...toSummary(m, all), recipients: all.map(toRecipientRow) };
    });
  }

  async readBody(id: string): Promise<Buffer | undefined> {
    const res = await this.pool.query<{ body: Buffer }>({ name: 'baton_q_body', text: 'SELECT body FROM messages WHERE id = $1', values: [id] });
    return res.rows[0]?.body;
  }

  async getMessage(id: string): Promise<MessageDetail | undefined> {
    return (await this.details(await this.messageRows([id])))[0];
  }

  async list(filter: ListFilter = {}): Promise<MessageDetail[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.held !== undefined) where.push(`held = $${args.push(filter.held)}`);
    if (filter.status !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM recipients r WHERE r.queue_id = messages.id AND r.status = $${args.push(filter.status)})`);
    }
    const sql =
      `SELECT ${MESSAGE_COLUMNS} FROM messages` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY received_at DESC, id DESC LIMIT $${args.push(filter.limit ?? null)}`;
    return this.details((await this.pool.query<MessageDbRow>(sql, args)).rows);
  }

  async listFinished(limit: number): Promise<MessageDetail[]> {
    const res = await this.pool.query<MessageDbRow>({
      name: 'baton_q_finished',
      text: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE pending = 0 AND NOT held ORDER BY received_at LIMIT $1`,
      values: [limit],
    });
    return this.details(res.rows);
  }

  async stats(): Promise<QueueStats> {
    const [m, r] = await Promise.all([
      this.pool.query<{ n: number; held: number; bytes: number; oldest: number | null }>(
        'SELECT count(*) AS n, count(*) FILTER (WHERE held) AS held, COALESCE(sum(size), 0)::bigint AS bytes, min(received_at) AS oldest FROM messages',
      ),
      this.pool.query<{ status: RecipientStatus; n: number }>('SELECT status, count(*) AS n FROM recipients GROUP BY status'),
    ]);
    const row = m.rows[0] ?? { n: 0, held: 0, bytes: 0, oldest: null };
    const recipients: Record<RecipientStatus, number> = { pending: 0, delivered: 0, bounced: 0, expired: 0 };
    for (const x of r.rows) recipients[x.status] = x.n;
    return { messages: row.n, held: row.held, recipients, bytes: row.bytes, ...(row.oldest !== null ? { oldestReceivedAt: row.oldest } : {}) };
  }

  /** Walks recipients_due in order and stops at the first row of a message that is not held. */
  async nextDueAt(): Promise<number | undefined> {
    const res = await this.pool.query<{ t: number }>({
      name: 'baton_q_next_due',
      text: `SELECT r.next_attempt_at AS t FROM recipients r JOIN messages m ON m.id = r.queue_id
             WHERE r.status = 'pending' AND NOT m.held ORDER BY r.next_attempt_at LIMIT 1`,
    });
    return res.rows[0]?.t;
  }

  async leaseOwners(): Promise<string[]> {
    const res = await this.pool.query<{ o: string }>('SELECT DISTINCT lease_owner AS o FROM recipients WHERE lease_owner IS NOT NULL');
    return res.rows.map((r) => r.o);
  }
}
