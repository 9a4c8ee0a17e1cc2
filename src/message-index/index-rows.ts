import type { IndexedMessage, IndexedRecipient, IndexState } from './index-store.js';

/**
 * Row → object mapping shared by the SQLite and PostgreSQL message indexes. The schemas differ in two
 * spots only, which the backends bridge: `held` comes back 0/1 from SQLite and boolean from
 * node-postgres, and the sender's user column is `user` on SQLite but `user_name` on PostgreSQL
 * (where USER is a reserved word), so the PostgreSQL store renames it before calling `toIndexedMessages`.
 */
export interface IndexMessageRow {
  queue_id: string;
  received_at: number;
  sender: string;
  subject: string | null;
  size: number;
  origin_kind: string;
  user: string | null;
  api_key: string | null;
  tags: string;
  metadata: string;
  held: number | boolean;
  deleted_at: number | null;
}

export interface IndexRecipientRow {
  queue_id: string;
  address: string;
  domain: string;
  state: IndexState;
  attempts: number;
  last_reply: string | null;
  remote_mta: string | null;
  updated_at: number;
}

function toRecipient(r: IndexRecipientRow): IndexedRecipient {
  return {
    address: r.address,
    domain: r.domain,
    state: r.state,
    attempts: r.attempts,
    ...(r.last_reply !== null ? { lastReply: r.last_reply } : {}),
    ...(r.remote_mta !== null ? { remoteMta: r.remote_mta } : {}),
    updatedAt: r.updated_at,
  };
}

function toMessage(m: IndexMessageRow, recipients: IndexedRecipient[]): IndexedMessage {
  return {
    queueId: m.queue_id,
    receivedAt: m.received_at,
    sender: m.sender,
    ...(m.subject !== null ? { subject: m.subject } : {}),
    size: m.size,
    originKind: m.origin_kind,
    ...(m.user !== null ? { user: m.user } : {}),
    ...(m.api_key !== null ? { apiKey: m.api_key } : {}),
    tags: JSON.parse(m.tags) as string[],
    metadata: JSON.parse(m.metadata) as Record<string, string>,
    held: m.held === true || m.held === 1,
    ...(m.deleted_at !== null ? { deletedAt: m.deleted_at } : {}),
    recipients,
  };
}

/** The messages in their given order, each with its recipients (in the order the recipient rows come). */
export function toIndexedMessages(rows: readonly IndexMessageRow[], recipients: Iterable<IndexRecipientRow>): IndexedMessage[] {
  const byMessage = new Map<string, IndexedRecipient[]>();
  for (const r of recipients) {
    const list = byMessage.get(r.queue_id) ?? [];
    list.push(toRecipient(r));
    byMessage.set(r.queue_id, list);
  }
  return rows.map((m) => toMessage(m, byMessage.get(m.queue_id) ?? []));
}
