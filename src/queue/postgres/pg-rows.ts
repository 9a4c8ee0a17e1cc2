import type pg from 'pg';
import type { ListFilter, MessageDetail, QueueStats, RecipientStatus } from '../store.js';
import { groupByQueueId, MESSAGE_COLUMNS, RECIPIENT_COLUMNS, toRecipientRow, toSummary } from '../row-mapping.js';
import type { MessageDbRow as MessageRowOf, RecipientDbRow as RecipientRowOf } from '../row-mapping.js';

export { MESSAGE_COLUMNS, RECIPIENT_COLUMNS, senderToText, toRecipientRow, toSummary } from '../row-mapping.js';
/** Row shapes as node-postgres returns them (int8 parsed to numbers: src/postgres/database.ts; flags boolean). */
export type MessageDbRow = MessageRowOf<boolean>;
export type RecipientDbRow = RecipientRowOf<boolean>;

/** Read queries of the queue, each one statement on any pooled connection (named: parsed once per connection). */
export class PgQueueReader {
  constructor(private readonly pool: pg.Pool) {}

  /** Recipient rows of the given messages, by queue id, in insertion order. */
  async recipientRows(ids: readonly string[]): Promise<Map<string, RecipientDbRow[]>> {
    if (ids.length === 0) return new Map();
    const res = await this.pool.query<RecipientDbRow>({
      name: 'baton_q_rcpts_of',
      text: `SELECT ${RECIPIENT_COLUMNS} FROM recipients WHERE queue_id = ANY($1::text[]) ORDER BY row_id`,
      values: [ids],
    });
    return groupByQueueId(res.rows);
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
