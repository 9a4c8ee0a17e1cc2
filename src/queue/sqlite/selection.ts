import type { Database, Statement } from 'better-sqlite3';
import type { QueueId } from '../../core/index.js';
import { toDestination, type DestinationDbRow, type LastFailureDbRow } from '../row-mapping.js';
import type { DestinationStats, QueueSelector } from '../store.js';

/**
 * The queue's bulk-selection and per-destination reads (QueueStore.listIds,
 * destinations), on the reading connection. A selection pages by message id
 * (the primary key), so each page is one short read however large the queue.
 */
export class QueueSelection {
  private readonly statements = new Map<string, Statement>();
  private readonly byDomain: Statement;
  private readonly lastFailure: Statement;

  constructor(private readonly db: Database) {
    this.byDomain = db.prepare(
      `SELECT r.domain, count(*) AS pending, SUM(m.held) AS held, MIN(m.received_at) AS oldest
       FROM recipients r JOIN messages m ON m.id = r.queue_id
       WHERE r.status = 'pending' GROUP BY r.domain ORDER BY pending DESC, r.domain LIMIT ?`,
    );
    // recipients_domain (domain, status) narrows it to the domain's pending rows.
    this.lastFailure = db.prepare(
      `SELECT last_reply, last_error, updated_at FROM recipients
       WHERE domain = ? AND status = 'pending' AND (last_reply IS NOT NULL OR last_error IS NOT NULL)
       ORDER BY updated_at DESC LIMIT 1`,
    );
  }

  listIds(sel: QueueSelector, page: { readonly after?: QueueId; readonly limit: number }): QueueId[] {
    const { where, args } = whereOf(sel, page.after);
    return this.prepared(`SELECT m.id FROM messages m ${where} ORDER BY m.id LIMIT ?`).all(...args, page.limit) as QueueId[];
  }

  countIds(sel: QueueSelector): number {
    const { where, args } = whereOf(sel, undefined);
    return this.prepared(`SELECT count(*) FROM messages m ${where}`).get(...args) as number;
  }

  /** One cached statement per filter combination (a handful: each filter is present or not). */
  private prepared(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) this.statements.set(sql, (stmt = this.db.prepare(sql).pluck()));
    return stmt;
  }

  destinations(limit: number): DestinationStats[] {
    const rows = this.byDomain.all(limit) as DestinationDbRow[];
    return rows.map((r) => toDestination(r, this.lastFailure.get(r.domain) as LastFailureDbRow | undefined));
  }
}

/** The WHERE clause of a selection (shared by the page and the count, so they never disagree). */
function whereOf(sel: QueueSelector, after: QueueId | undefined): { where: string; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (after !== undefined) (where.push('m.id > ?'), args.push(after));
  if (sel.sender !== undefined) {
    if (sel.sender === '') where.push('m.sender IS NULL');
    else (where.push('lower(m.sender) = ?'), args.push(sel.sender.toLowerCase()));
  }
  if (sel.senderDomain !== undefined) (where.push("lower(substr(m.sender, instr(m.sender, '@') + 1)) = ?"), args.push(sel.senderDomain.toLowerCase()));
  if (sel.recipientDomain !== undefined) {
    where.push('EXISTS (SELECT 1 FROM recipients r WHERE r.queue_id = m.id AND r.domain = ?)');
    args.push(sel.recipientDomain.toLowerCase());
  }
  if (sel.recipient !== undefined) {
    const at = sel.recipient.lastIndexOf('@');
    where.push('EXISTS (SELECT 1 FROM recipients r WHERE r.queue_id = m.id AND r.domain = ? AND lower(r.local) = ?)');
    args.push(sel.recipient.slice(at + 1).toLowerCase(), sel.recipient.slice(0, Math.max(at, 0)).toLowerCase());
  }
  if (sel.receivedBefore !== undefined) (where.push('m.received_at < ?'), args.push(sel.receivedBefore));
  if (sel.held !== undefined) (where.push('m.held = ?'), args.push(sel.held ? 1 : 0));
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}
