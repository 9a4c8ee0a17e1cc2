import type { PgClient } from '../postgres/index.js';
import { ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import type { IndexChange, IndexState } from './index-store.js';

type MessageChange = Extract<IndexChange, { kind: 'message' }>;
type RecipientChange = Extract<IndexChange, { kind: 'recipient' }>;

/**
 * A run of changes written with one statement per kind. Inside a segment the
 * new messages go first, then the other changes: the same result as in event
 * order, because a segment never holds a change for a message followed by
 * that message's own `message` change (that starts the next segment: the
 * earlier change must still find no message and be dropped, as on SQLite).
 */
interface Segment {
  readonly messages: MessageChange[];
  readonly others: Exclude<IndexChange, MessageChange>[];
  readonly touched: Set<string>;
}

/**
 * Write a projector batch in a few set-based statements instead of one per
 * change: a batch of 500 events is about six round trips to the database,
 * not a thousand. Changes of one recipient are folded first into the one
 * change that, applied once, leaves what applying them in turn would: the
 * last state and time, the highest attempt, the last reply and MTA given.
 */
export async function writeChanges(client: PgClient, changes: readonly IndexChange[]): Promise<void> {
  for (const s of segmentsOf(changes)) {
    await writeMessages(client, s.messages);
    await writeOthers(client, s.others);
  }
}

function segmentsOf(changes: readonly IndexChange[]): Segment[] {
  const out: Segment[] = [];
  let cur: Segment = { messages: [], others: [], touched: new Set() };
  for (const c of changes) {
    if (c.kind === 'message') {
      if (cur.touched.has(c.message.queueId)) {
        out.push(cur);
        cur = { messages: [], others: [], touched: new Set() };
      }
      cur.messages.push(c);
    } else {
      cur.others.push(c);
      cur.touched.add(c.queueId);
    }
  }
  if (cur.messages.length > 0 || cur.others.length > 0) out.push(cur);
  return out;
}

async function writeMessages(client: PgClient, changes: readonly MessageChange[]): Promise<void> {
  if (changes.length === 0) return;
  // The first of a queue id wins, as INSERT OR IGNORE does on SQLite; a message already indexed is left as it is.
  const first = new Map<string, MessageChange>();
  for (const c of changes) if (!first.has(c.message.queueId)) first.set(c.message.queueId, c);
  const list = [...first.values()].map((c) => c.message);
  const added = await client.query<{ queue_id: string }>(
    `INSERT INTO search_messages (queue_id, received_at, sender, sender_domain, subject, size, origin_kind, user_name, api_key, tags, metadata, schema_version)
     SELECT q, r, s, sd, sub, sz, ok, u, k, t, md, ${ROW_SCHEMA_VERSION}
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
         AS d(q, r, s, sd, sub, sz, ok, u, k, t, md)
     ON CONFLICT (queue_id) DO NOTHING RETURNING queue_id`,
    [
      list.map((m) => m.queueId),
      list.map((m) => m.receivedAt),
      list.map((m) => m.sender),
      list.map((m) => domainOf(m.sender)),
      list.map((m) => m.subject ?? null),
      list.map((m) => m.size),
      list.map((m) => m.originKind),
      list.map((m) => m.user ?? null),
      list.map((m) => m.apiKey ?? null),
      list.map((m) => JSON.stringify(m.tags)),
      list.map((m) => JSON.stringify(m.metadata)),
    ],
  );
  const fresh = added.rows.map((r) => first.get(r.queue_id)).filter((c): c is MessageChange => c !== undefined);
  const tags = fresh.flatMap((c) => c.message.tags.map((tag) => ({ tag, at: c.message.receivedAt, queueId: c.message.queueId })));
  if (tags.length > 0) {
    await client.query(
      `INSERT INTO search_tags (tag, received_at, queue_id) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING`,
      [tags.map((t) => t.tag), tags.map((t) => t.at), tags.map((t) => t.queueId)],
    );
  }
  const rcpts = fresh.flatMap((c) => c.recipients.map((address) => ({ queueId: c.message.queueId, address, at: c.message.receivedAt })));
  if (rcpts.length > 0) {
    // An address listed twice (in any case) is one recipient: the first spelling is kept.
    await client.query(
      `INSERT INTO search_recipients (queue_id, address, address_key, domain, state, attempts, updated_at, received_at, schema_version)
       SELECT q, a, ak, dm, 'queued', 0, r, r, ${ROW_SCHEMA_VERSION} FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS d(q, a, ak, dm, r)
       ON CONFLICT (queue_id, address_key) DO NOTHING`,
      [rcpts.map((r) => r.queueId), rcpts.map((r) => r.address), rcpts.map((r) => r.address.toLowerCase()), rcpts.map((r) => domainOf(r.address)), rcpts.map((r) => r.at)],
    );
  }
}

interface FoldedRecipient {
  readonly queueId: string;
  readonly address: string;
  state: IndexState;
  at: number;
  attempt: number;
  lastReply: string | null;
  remoteMta: string | null;
}

async function writeOthers(client: PgClient, changes: readonly Exclude<IndexChange, MessageChange>[]): Promise<void> {
  const recipients = new Map<string, FoldedRecipient>();
  const held = new Map<string, boolean>();
  const deleted = new Map<string, number>();
  for (const c of changes) {
    if (c.kind === 'recipient') fold(recipients, c);
    else if (c.kind === 'held') held.set(c.queueId, c.held);
    else deleted.set(c.queueId, c.at);
  }
  if (recipients.size > 0) {
    const list = [...recipients.values()];
    // A change for a message the index never saw (accepted before the index existed and already pruned) joins no row and is dropped.
    await client.query(
      `INSERT INTO search_recipients AS t (queue_id, address, address_key, domain, state, attempts, last_reply, remote_mta, updated_at, received_at, schema_version)
       SELECT d.q, d.a, d.ak, d.dm, d.st, d.n, d.lr, d.mta, d.at, m.received_at, ${ROW_SCHEMA_VERSION}
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::text[], $8::text[], $9::bigint[]) AS d(q, a, ak, dm, st, n, lr, mta, at)
         JOIN search_messages m ON m.queue_id = d.q
       ON CONFLICT (queue_id, address_key) DO UPDATE SET state = excluded.state, attempts = GREATEST(t.attempts, excluded.attempts),
         last_reply = COALESCE(excluded.last_reply, t.last_reply), remote_mta = COALESCE(excluded.remote_mta, t.remote_mta), updated_at = excluded.updated_at`,
      [
        list.map((r) => r.queueId),
        list.map((r) => r.address),
        list.map((r) => r.address.toLowerCase()),
        list.map((r) => domainOf(r.address)),
        list.map((r) => r.state),
        list.map((r) => r.attempt),
        list.map((r) => r.lastReply),
        list.map((r) => r.remoteMta),
        list.map((r) => r.at),
      ],
    );
  }
  if (held.size > 0) {
    await client.query('UPDATE search_messages m SET held = d.h FROM unnest($1::text[], $2::boolean[]) AS d(q, h) WHERE m.queue_id = d.q', [[...held.keys()], [...held.values()]]);
  }
  if (deleted.size > 0) {
    await client.query('UPDATE search_messages m SET deleted_at = d.at FROM unnest($1::text[], $2::bigint[]) AS d(q, at) WHERE m.queue_id = d.q', [[...deleted.keys()], [...deleted.values()]]);
  }
}

/** One more change of a recipient, folded into what its earlier ones in the batch made. */
function fold(into: Map<string, FoldedRecipient>, c: RecipientChange): void {
  const key = `${c.queueId}\0${c.address.toLowerCase()}`;
  const had = into.get(key);
  if (!had) {
    into.set(key, { queueId: c.queueId, address: c.address, state: c.state, at: c.at, attempt: c.attempt ?? 0, lastReply: c.lastReply ?? null, remoteMta: c.remoteMta ?? null });
    return;
  }
  had.state = c.state;
  had.at = c.at;
  had.attempt = Math.max(had.attempt, c.attempt ?? 0);
  had.lastReply = c.lastReply ?? had.lastReply;
  had.remoteMta = c.remoteMta ?? had.remoteMta;
}

/** The domain part, lower case ("" for the null sender). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}
