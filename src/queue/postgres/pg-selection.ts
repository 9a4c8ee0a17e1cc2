import type pg from 'pg';
import type { QueueId } from '../../core/index.js';
import { toDestination, type DestinationDbRow, type LastFailureDbRow } from '../row-mapping.js';
import type { DestinationStats, QueueSelector } from '../store.js';

/**
 * Bulk selection and per-destination reads (QueueStore.listIds, countIds,
 * destinations), as the SQLite backend answers them (src/queue/sqlite/selection.ts).
 * Pages go by message id (bytewise, COLLATE "C"), so each page is one short read.
 */
export class PgQueueSelection {
  constructor(private readonly pool: pg.Pool) {}

  async listIds(sel: QueueSelector, page: { readonly after?: QueueId; readonly limit: number }): Promise<QueueId[]> {
    const { where, args } = whereOf(sel, page.after);
    const res = await this.pool.query<{ id: QueueId }>(`SELECT m.id FROM messages m ${where} ORDER BY m.id LIMIT $${args.length + 1}`, [...args, page.limit]);
    return res.rows.map((r) => r.id);
  }

  async countIds(sel: QueueSelector): Promise<number> {
    const { where, args } = whereOf(sel, undefined);
    const res = await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM messages m ${where}`, args);
    return res.rows[0]?.n ?? 0;
  }

  async destinations(limit: number): Promise<DestinationStats[]> {
    if (limit <= 0) return [];
    const res = await this.pool.query<DestinationDbRow>(
      `SELECT r.domain, count(*) AS pending, count(*) FILTER (WHERE m.held) AS held, min(m.received_at) AS oldest
       FROM recipients r JOIN messages m ON m.id = r.queue_id
       WHERE r.status = 'pending' GROUP BY r.domain ORDER BY pending DESC, r.domain LIMIT $1`,
      [limit],
    );
    return Promise.all(
      res.rows.map(async (r) => {
        // recipients_domain (pending rows by domain) narrows it to the domain's pending rows.
        const lastRes = await this.pool.query<LastFailureDbRow>(
          `SELECT last_reply, last_error, updated_at FROM recipients
           WHERE domain = $1 AND status = 'pending' AND (last_reply IS NOT NULL OR last_error IS NOT NULL)
           ORDER BY updated_at DESC LIMIT 1`,
          [r.domain],
        );
        return toDestination(r, lastRes.rows[0]);
      }),
    );
  }
}

/** The WHERE clause of a selection (shared by the page and the count, so they never disagree). */
function whereOf(sel: QueueSelector, after: QueueId | undefined): { where: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  const p = (v: unknown): string => `$${args.push(v)}`;
  if (after !== undefined) where.push(`m.id > ${p(after)}`);
  if (sel.sender !== undefined) {
    if (sel.sender === '') where.push('m.sender IS NULL');
    else where.push(`lower(m.sender) = ${p(sel.sender.toLowerCase())}`);
  }
  // As SQLite's instr(): the domain is what follows the first "@".
  if (sel.senderDomain !== undefined) where.push(`lower(substr(m.sender, strpos(m.sender, '@') + 1)) = ${p(sel.senderDomain.toLowerCase())}`);
  if (sel.recipientDomain !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM recipients r WHERE r.queue_id = m.id AND r.domain = ${p(sel.recipientDomain.toLowerCase())})`);
  }
  if (sel.recipient !== undefined) {
    const at = sel.recipient.lastIndexOf('@');
    const domain = p(sel.recipient.slice(at + 1).toLowerCase());
    const local = p(sel.recipient.slice(0, Math.max(at, 0)).toLowerCase());
    where.push(`EXISTS (SELECT 1 FROM recipients r WHERE r.queue_id = m.id AND r.domain = ${domain} AND lower(r.local) = ${local})`);
  }
  if (sel.receivedBefore !== undefined) where.push(`m.received_at < ${p(sel.receivedBefore)}`);
  if (sel.held !== undefined) where.push(`m.held = ${p(sel.held)}`);
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}
