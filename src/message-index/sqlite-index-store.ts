import type Database from 'better-sqlite3';
import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { MESSAGE_INDEX_SCHEMA } from './index-migrations.js';
import { toIndexedMessages, type IndexMessageRow, type IndexRecipientRow } from './index-rows.js';
import { IndexCursorMoved, type IndexChange, type IndexedMessage, type MessageIndexStore, type SearchQuery } from './index-store.js';

export interface SqliteMessageIndexOptions {
  /** The database file (`queue.path`): the index has its own tables and schema level in it. */
  readonly path: string;
}

type MessageRow = IndexMessageRow & { held: number };

const MESSAGE_COLUMNS = 'm.queue_id, m.received_at, m.sender, m.subject, m.size, m.origin_kind, m.user, m.api_key, m.tags, m.metadata, m.held, m.deleted_at';
/** Rows pruned per transaction: a prune never holds the file's write lock for long. */
const PRUNE_BATCH = 2000;

/**
 * The message index in the queue's SQLite file, on this thread. Its commits
 * use synchronous=NORMAL: the projection can always be rebuilt from the
 * events, and the cursor commits with the rows, so a commit lost to a power
 * failure is projected again; no fsync on the main thread.
 */
export function openSqliteMessageIndex(opts: SqliteMessageIndexOptions): MessageIndexStore {
  const db = openConcernDatabase(opts.path, MESSAGE_INDEX_SCHEMA, (d) => d.pragma('synchronous = NORMAL'));
  const readCursor = db.prepare('SELECT after_id FROM search_cursor WHERE one = 1').pluck();
  const moveCursor = db.prepare('UPDATE search_cursor SET after_id = ? WHERE one = 1');
  const insertMessage = db.prepare(
    `INSERT OR IGNORE INTO search_messages (queue_id, received_at, sender, sender_domain, subject, size, origin_kind, user, api_key, tags, metadata, schema_version)
     VALUES (@queueId, @receivedAt, @sender, @senderDomain, @subject, @size, @originKind, @user, @apiKey, @tags, @metadata, ${ROW_SCHEMA_VERSION})`,
  );
  const insertTag = db.prepare('INSERT OR IGNORE INTO search_tags (tag, received_at, queue_id) VALUES (?, ?, ?)');
  // A recipient change for a message the index never saw (accepted before the index existed and already pruned) finds no row and is dropped.
  const upsertRecipient = db.prepare(
    `INSERT INTO search_recipients (queue_id, address, domain, state, attempts, last_reply, remote_mta, updated_at, received_at, schema_version)
     SELECT @queueId, @address, @domain, @state, @attempt, @lastReply, @remoteMta, @at, m.received_at, ${ROW_SCHEMA_VERSION}
       FROM search_messages m WHERE m.queue_id = @queueId
     ON CONFLICT (queue_id, address) DO UPDATE SET state = excluded.state, attempts = MAX(attempts, excluded.attempts),
       last_reply = COALESCE(excluded.last_reply, last_reply), remote_mta = COALESCE(excluded.remote_mta, remote_mta), updated_at = excluded.updated_at`,
  );
  const setHeld = db.prepare('UPDATE search_messages SET held = ? WHERE queue_id = ?');
  const setDeleted = db.prepare('UPDATE search_messages SET deleted_at = ? WHERE queue_id = ?');
  const byId = db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM search_messages m WHERE m.queue_id = ?`);
  const recipientsOf = db.prepare(
    'SELECT queue_id, address, domain, state, attempts, last_reply, remote_mta, updated_at FROM search_recipients WHERE queue_id IN (SELECT value FROM json_each(?))',
  );
  const pruneSome = db.prepare(
    `DELETE FROM search_messages WHERE queue_id IN (SELECT queue_id FROM search_messages WHERE received_at < ? ORDER BY received_at LIMIT ${PRUNE_BATCH})`,
  );
  const countAll = db.prepare('SELECT count(*) FROM search_messages').pluck();
  const searches = new Map<string, Database.Statement>();
  const counters = new Map<string, Database.Statement>();
  // An estimate (pruning leaves gaps): enough to weigh a scan against a lookup.
  const messagesEstimate = db.prepare('SELECT COALESCE(MAX(rowid), 0) FROM search_messages').pluck();

  /** Rows matching a filter, counted up to COUNT_CAP on the filter's own index. */
  const countUpTo = (p: Probe, bound: number | undefined): number => {
    const sql = `SELECT count(*) FROM (SELECT 1 FROM ${p.table} WHERE ${p.column} = ?${bound !== undefined ? ' AND received_at <= ?' : ''} LIMIT ${COUNT_CAP})`;
    let stmt = counters.get(sql);
    if (!stmt) counters.set(sql, (stmt = db.prepare(sql).pluck()));
    return (bound !== undefined ? stmt.get(p.value, bound) : stmt.get(p.value)) as number;
  };

  /**
   * The filter to drive the search with, if any: reading its c matching rows
   * costs about c; walking messages and probing costs about limit × total / c.
   */
  const chooseDriver = (q: SearchQuery): Probe | undefined => {
    let best: { probe: Probe; count: number } | undefined;
    for (const probe of probesOf(q)) {
      const count = countUpTo(probe, q.after?.receivedAt);
      if (!best || count < best.count) best = { probe, count };
    }
    if (!best || best.count >= COUNT_CAP) return undefined;
    return best.count * best.count < q.limit * (messagesEstimate.get() as number) ? best.probe : undefined;
  };

  const write = (c: IndexChange): void => {
    switch (c.kind) {
      case 'message': {
        const m = c.message;
        const added = insertMessage.run({
          queueId: m.queueId,
          receivedAt: m.receivedAt,
          sender: m.sender,
          senderDomain: domainOf(m.sender),
          subject: m.subject ?? null,
          size: m.size,
          originKind: m.originKind,
          user: m.user ?? null,
          apiKey: m.apiKey ?? null,
          tags: JSON.stringify(m.tags),
          metadata: JSON.stringify(m.metadata),
        }).changes;
        if (added === 0) return;
        for (const tag of m.tags) insertTag.run(tag, m.receivedAt, m.queueId);
        for (const address of c.recipients) {
          upsertRecipient.run({ queueId: m.queueId, address, domain: domainOf(address), state: 'queued', attempt: 0, lastReply: null, remoteMta: null, at: m.receivedAt });
        }
        return;
      }
      case 'recipient':
        upsertRecipient.run({
          queueId: c.queueId,
          address: c.address,
          domain: domainOf(c.address),
          state: c.state,
          attempt: c.attempt ?? 0,
          lastReply: c.lastReply ?? null,
          remoteMta: c.remoteMta ?? null,
          at: c.at,
        });
        return;
      case 'held':
        setHeld.run(c.held ? 1 : 0, c.queueId);
        return;
      case 'deleted':
        setDeleted.run(c.at, c.queueId);
        return;
    }
  };

  const applyTx = db.transaction((from: number, to: number, changes: readonly IndexChange[]) => {
    const at = readCursor.get() as number;
    if (at !== from) throw new IndexCursorMoved(from, at);
    for (const c of changes) write(c);
    moveCursor.run(to);
  });

  const withRecipients = (rows: readonly MessageRow[]): IndexedMessage[] => {
    if (rows.length === 0) return [];
    return toIndexedMessages(rows, recipientsOf.all(JSON.stringify(rows.map((m) => m.queue_id))) as IndexRecipientRow[]);
  };

  return {
    async cursor() {
      return readCursor.get() as number;
    },
    async apply(from, to, changes) {
      applyTx.immediate(from, to, changes);
    },
    async get(queueId) {
      const row = byId.get(queueId) as MessageRow | undefined;
      return row ? withRecipients([row])[0] : undefined;
    },
    async search(q) {
      const { sql, args } = searchSql(q, chooseDriver(q));
      let stmt = searches.get(sql);
      if (!stmt) searches.set(sql, (stmt = db.prepare(sql)));
      const rows = stmt.all(...args, q.limit + 1) as MessageRow[];
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        messages: withRecipients(page),
        ...(rows.length > q.limit && last ? { next: { receivedAt: last.received_at, queueId: last.queue_id } } : {}),
      };
    },
    async prune(before) {
      let gone = 0;
      for (;;) {
        const n = db.transaction(() => pruneSome.run(before).changes).immediate();
        gone += n;
        if (n < PRUNE_BATCH) return gone;
      }
    },
    async count() {
      return countAll.get() as number;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

/** A filter answered by another table (recipients, tags): a subquery on its own index. */
interface Probe {
  readonly table: 'search_recipients' | 'search_tags';
  readonly column: 'address' | 'domain' | 'state' | 'tag';
  readonly value: string;
}

/** Counting stops here: beyond it a filter is common enough to scan for. */
const COUNT_CAP = 20_000;

function probesOf(q: SearchQuery): Probe[] {
  const out: Probe[] = [];
  if (q.recipient !== undefined) out.push({ table: 'search_recipients', column: 'address', value: q.recipient });
  if (q.domain !== undefined) out.push({ table: 'search_recipients', column: 'domain', value: q.domain });
  if (q.state !== undefined) out.push({ table: 'search_recipients', column: 'state', value: q.state });
  if (q.tag !== undefined) out.push({ table: 'search_tags', column: 'tag', value: q.tag });
  return out;
}

/**
 * The search as one statement, newest first from the page position. A
 * recipient or tag filter is either the driver (an IN subquery: every
 * matching row is read, then the page is sorted) or a probe (EXISTS on the
 * message's own rows while messages are walked newest first, stopping at the
 * limit). Which is cheaper depends on how common the value is, which SQLite
 * cannot know for one value, so `chooseDriver` counts (capped) and picks:
 * a rare value drives, a common one is probed.
 */
function searchSql(q: SearchQuery, driver: Probe | undefined): { sql: string; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.sender !== undefined) (where.push('m.sender = ?'), args.push(q.sender));
  if (q.senderDomain !== undefined) (where.push('m.sender_domain = ?'), args.push(q.senderDomain));
  for (const p of probesOf(q)) {
    if (p.column === driver?.column) {
      where.push(`m.queue_id IN (SELECT queue_id FROM ${p.table} WHERE ${p.column} = ?${q.after ? ' AND received_at <= ?' : ''})`);
      args.push(p.value);
      if (q.after) args.push(q.after.receivedAt);
    } else if (p.table === 'search_tags') {
      where.push('EXISTS (SELECT 1 FROM search_tags t WHERE t.tag = ? AND t.received_at = m.received_at AND t.queue_id = m.queue_id)');
      args.push(p.value);
    } else {
      // Unary + keeps SQLite on the primary key (the message's own 1-3 rows), off the filter's index.
      where.push(`EXISTS (SELECT 1 FROM search_recipients r WHERE r.queue_id = m.queue_id AND +r.${p.column} = ?)`);
      args.push(p.value);
    }
  }
  if (q.since !== undefined) (where.push('m.received_at >= ?'), args.push(q.since));
  if (q.until !== undefined) (where.push('m.received_at < ?'), args.push(q.until));
  if (q.after) (where.push('(m.received_at, m.queue_id) < (?, ?)'), args.push(q.after.receivedAt, q.after.queueId));
  const sql = `SELECT ${MESSAGE_COLUMNS} FROM search_messages m ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY m.received_at DESC, m.queue_id DESC LIMIT ?`;
  return { sql, args };
}

/** The domain part, lower case ("" for the null sender). */
function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}
