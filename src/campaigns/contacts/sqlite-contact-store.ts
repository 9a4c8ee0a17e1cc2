import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import type { Contact, ContactStatus } from '../types.js';
import { CONTACTS_SCHEMA } from './contact-migrations.js';
import {
  EXPORT_PAGE,
  mergeAttributes,
  statusSql,
  type Consent,
  type ContactDetail,
  type ContactList,
  type ContactStore,
  type ExportRow,
  type Membership,
  type MemberStatus,
  ActivityCursorMoved,
  type ActivityRow,
} from './contact-store.js';

export interface SqliteContactStoreOptions {
  /** The queue's file (`queue.path`): the suppression store must have been opened on it first (status reads its table). */
  readonly path: string;
  readonly now?: () => number;
}

interface ContactRow {
  id: number;
  address: string;
  attributes: string;
  created_at: number;
  updated_at: number;
  status?: ContactStatus;
}
interface ListRow {
  id: number;
  name: string;
  opt_in: 'single' | 'double';
  description: string | null;
  confirm_from: string | null;
  created_at: number;
  subscribed: number;
  pending: number;
  unsubscribed: number;
}

const toContact = (r: ContactRow): Contact => ({ id: r.id, address: r.address, attributes: JSON.parse(r.attributes) as Record<string, unknown>, createdAt: r.created_at, updatedAt: r.updated_at });
export const toList = (r: ListRow): ContactList => ({
  id: r.id,
  name: r.name,
  optIn: r.opt_in,
  ...(r.description !== null ? { description: r.description } : {}),
  ...(r.confirm_from !== null ? { confirmFrom: r.confirm_from } : {}),
  createdAt: r.created_at,
  counts: { subscribed: r.subscribed ?? 0, pending: r.pending ?? 0, unsubscribed: r.unsubscribed ?? 0 },
});

const LIST_SELECT = `SELECT l.id, l.name, l.opt_in, l.description, l.confirm_from, l.created_at,
  (SELECT count(*) FROM list_members m WHERE m.list_id = l.id AND m.status = 'subscribed') AS subscribed,
  (SELECT count(*) FROM list_members m WHERE m.list_id = l.id AND m.status = 'pending') AS pending,
  (SELECT count(*) FROM list_members m WHERE m.list_id = l.id AND m.status = 'unsubscribed') AS unsubscribed
  FROM lists l`;

/** Contacts in the queue's SQLite file, on this thread (writes are small transactions; imports one per batch). */
export function openSqliteContactStore(opts: SqliteContactStoreOptions): ContactStore {
  const db = openConcernDatabase(opts.path, CONTACTS_SCHEMA);
  const now = opts.now ?? Date.now;
  const byAddr = db.prepare('SELECT id, address, attributes, created_at, updated_at FROM contacts WHERE address = ?');
  const byId = db.prepare('SELECT id, address, attributes, created_at, updated_at FROM contacts WHERE id = ?');
  const insert = db.prepare(`INSERT INTO contacts (address, attributes, created_at, updated_at, schema_version) VALUES (?, ?, ?, ?, ${ROW_SCHEMA_VERSION}) RETURNING id`).pluck();
  const update = db.prepare('UPDATE contacts SET attributes = ?, updated_at = ? WHERE id = ?');
  const memberships = db.prepare('SELECT l.id, l.name, m.status FROM list_members m JOIN lists l ON l.id = m.list_id WHERE m.contact_id = ? ORDER BY l.id');
  const memberOf = db.prepare('SELECT status FROM list_members WHERE list_id = ? AND contact_id = ?').pluck();
  const upsertMember = db.prepare(
    `INSERT INTO list_members (list_id, contact_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (list_id, contact_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
  );
  const insertConsent = db.prepare('INSERT INTO consents (contact_id, list_id, action, source, ip, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const activityUp = db.prepare(
    `INSERT INTO contact_activity (address, event, last_at, count) VALUES (?, ?, ?, 1)
     ON CONFLICT (address, event) DO UPDATE SET last_at = max(last_at, excluded.last_at), count = count + 1`,
  );

  // The projection keeps activity of contacts only: mail to anyone else (most of a relay's
  // traffic) costs one primary-key probe and leaves no row, so the table does not grow with
  // every address ever mailed.
  const contactActivityUp = db.prepare(
    `INSERT INTO contact_activity (address, event, last_at, count) SELECT @address, @event, @at, 1 WHERE EXISTS (SELECT 1 FROM contacts WHERE address = @address)
     ON CONFLICT (address, event) DO UPDATE SET last_at = max(last_at, excluded.last_at), count = count + 1`,
  );
  const readCursor = db.prepare('SELECT event_id FROM contact_activity_cursor WHERE id = 1').pluck();
  const applyTx = db.transaction((from: number, to: number, rows: readonly ActivityRow[]) => {
    const at = (readCursor.get() as number | undefined) ?? 0;
    if (at !== from) throw new ActivityCursorMoved(at);
    for (const r of rows) contactActivityUp.run({ address: r.address, event: r.event, at: r.at });
    db.prepare('INSERT INTO contact_activity_cursor (id, event_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET event_id = excluded.event_id').run(to);
  });

  const statusOf = (address: string): ContactStatus =>
    db.prepare(`SELECT ${statusSql(now())} FROM (SELECT ? AS address) c`).pluck().get(address) as ContactStatus;
  const detail = (r: ContactRow | undefined): ContactDetail | undefined =>
    r && { ...toContact(r), status: r.status ?? statusOf(r.address), lists: memberships.all(r.id) as Membership[] };

  const upsertOne = (address: string, attrs: Readonly<Record<string, unknown>>, t: number) => {
    const row = byAddr.get(address) as ContactRow | undefined;
    if (!row) {
      const merged = mergeAttributes({}, attrs);
      const id = insert.get(address, JSON.stringify(merged), t, t) as number;
      return { contact: { id, address, attributes: merged, createdAt: t, updatedAt: t }, before: null };
    }
    const before = JSON.parse(row.attributes) as Record<string, unknown>;
    const merged = mergeAttributes(before, attrs);
    update.run(JSON.stringify(merged), t, row.id);
    return { contact: { id: row.id, address, attributes: merged, createdAt: row.created_at, updatedAt: t }, before };
  };
  const upsertTx = db.transaction(upsertOne);

  const importTx = db.transaction((rows: readonly { address: string; attributes: Readonly<Record<string, unknown>> }[], t: number, listId?: number) => {
    let created = 0;
    let updated = 0;
    const joined: Contact[] = [];
    for (const r of rows) {
      const res = upsertOne(r.address, r.attributes, t);
      if (res.before === null) created++;
      else updated++;
      if (listId !== undefined) {
        const was = memberOf.get(listId, res.contact.id) as MemberStatus | undefined;
        if (was !== 'subscribed') {
          upsertMember.run(listId, res.contact.id, 'subscribed', t, t);
          insertConsent.run(res.contact.id, listId, 'imported', 'import', null, t, null);
          joined.push(res.contact);
        }
      }
    }
    return { created, updated, joined };
  });

  const setMemberTx = db.transaction((listId: number, contactId: number, status: MemberStatus, t: number, keep: readonly MemberStatus[]) => {
    const was = memberOf.get(listId, contactId) as MemberStatus | undefined;
    if (was === undefined || !keep.includes(was)) upsertMember.run(listId, contactId, status, t, t);
    return was;
  });

  return {
    async upsert(address, attributes, t) {
      return upsertTx.immediate(address, attributes, t);
    },
    async get(id) {
      return detail(byId.get(id) as ContactRow | undefined);
    },
    async byAddress(address) {
      return detail(byAddr.get(address.trim().toLowerCase()) as ContactRow | undefined);
    },
    async list(q) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (q.list !== undefined) (where.push('EXISTS (SELECT 1 FROM list_members m WHERE m.contact_id = c.id AND m.list_id = ?)'), args.push(q.list));
      if (q.q !== undefined && q.q !== '') (where.push('substr(c.address, 1, ?) = ?'), args.push(q.q.length, q.q.toLowerCase()));
      if (q.afterId !== undefined) (where.push('c.id > ?'), args.push(q.afterId));
      const inner = `SELECT c.id, c.address, c.attributes, c.created_at, c.updated_at, ${statusSql(now())} AS status FROM contacts c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
      const sql = `SELECT * FROM (${inner}) ${q.status !== undefined ? 'WHERE status = ?' : ''} ORDER BY id LIMIT ?`;
      if (q.status !== undefined) args.push(q.status);
      return (db.prepare(sql).all(...args, q.limit) as ContactRow[]).map((r) => detail(r) as ContactDetail);
    },
    async patch(id, attributes, t) {
      const row = byId.get(id) as ContactRow | undefined;
      return row ? upsertTx.immediate(row.address, attributes, t) : undefined;
    },
    async delete(id) {
      return db.prepare('DELETE FROM contacts WHERE id = ?').run(id).changes > 0;
    },
    async createList(l, t) {
      const id = db
        .prepare(`INSERT INTO lists (name, opt_in, description, confirm_from, created_at, schema_version) VALUES (?, ?, ?, ?, ?, ${ROW_SCHEMA_VERSION}) RETURNING id`)
        .pluck()
        .get(l.name, l.optIn, l.description ?? null, l.confirmFrom ?? null, t) as number;
      return toList(db.prepare(`${LIST_SELECT} WHERE l.id = ?`).get(id) as ListRow);
    },
    async getList(id) {
      const r = db.prepare(`${LIST_SELECT} WHERE l.id = ?`).get(id) as ListRow | undefined;
      return r && toList(r);
    },
    async listByName(name) {
      const r = db.prepare(`${LIST_SELECT} WHERE l.name = ?`).get(name) as ListRow | undefined;
      return r && toList(r);
    },
    async lists() {
      return (db.prepare(`${LIST_SELECT} ORDER BY l.id`).all() as ListRow[]).map(toList);
    },
    async deleteList(id) {
      return db.prepare('DELETE FROM lists WHERE id = ?').run(id).changes > 0;
    },
    async setMember(listId, contactId, status, t, o = {}) {
      return setMemberTx.immediate(listId, contactId, status, t, o.keep ?? []);
    },
    async member(listId, contactId) {
      return memberOf.get(listId, contactId) as MemberStatus | undefined;
    },
    async addConsent(contactId, c: Consent) {
      insertConsent.run(contactId, c.listId ?? null, c.action, c.source, c.ip ?? null, c.at, c.detail ?? null);
    },
    async consents(contactId) {
      const rows = db.prepare('SELECT action, source, list_id, ip, at, detail FROM consents WHERE contact_id = ? ORDER BY at, id').all(contactId) as {
        action: string; source: string; list_id: number | null; ip: string | null; at: number; detail: string | null;
      }[];
      return rows.map(fromConsentRow);
    },
    async importBatch(rows, t, listId) {
      return importTx.immediate(rows, t, listId);
    },
    async *exportRows(o) {
      let after = 0;
      for (;;) {
        const filter = o.list !== undefined ? `AND EXISTS (SELECT 1 FROM list_members m WHERE m.contact_id = c.id AND m.list_id = ${Number(o.list)})` : '';
        const rows = db
          .prepare(`SELECT c.id, c.address, c.attributes, c.created_at, c.updated_at, ${statusSql(now())} AS status FROM contacts c WHERE c.id > ? ${filter} ORDER BY c.id LIMIT ?`)
          .all(after, EXPORT_PAGE) as ContactRow[];
        if (rows.length === 0) return;
        for (const r of rows) {
          const lists = (memberships.all(r.id) as Membership[]).filter((m) => m.status === 'subscribed').map((m) => m.name);
          yield { ...toContact(r), status: r.status as ContactStatus, lists } satisfies ExportRow;
          after = r.id;
        }
      }
    },
    async globallySuppressed(addresses) {
      const found = new Set<string>();
      const stmt = db.prepare(`SELECT 1 FROM suppressions WHERE address = ? AND scope = '' AND (expires_at IS NULL OR expires_at > ?)`).pluck();
      const t = now();
      for (const a of addresses) if (stmt.get(a, t) !== undefined) found.add(a);
      return found;
    },
    async recordActivity(address, event, at) {
      activityUp.run(address.trim().toLowerCase(), event, at);
    },
    async activity(address) {
      return db.prepare('SELECT event, last_at AS lastAt, count FROM contact_activity WHERE address = ? ORDER BY event').all(address.trim().toLowerCase()) as {
        event: string; lastAt: number; count: number;
      }[];
    },
    async activityCursor() {
      return (readCursor.get() as number | undefined) ?? 0;
    },
    async applyActivity(from, to, rows) {
      // A projection commits with NORMAL sync: WAL survives kill -9, and after a power loss
      // the rows and their cursor are lost together and projected again from the outbox.
      db.pragma('synchronous = NORMAL');
      try {
        applyTx.immediate(from, to, rows);
      } finally {
        db.pragma('synchronous = FULL');
      }
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

export function fromConsentRow(r: { action: string; source: string; list_id: number | null; ip: string | null; at: number; detail: string | null }): Consent {
  return {
    action: r.action,
    source: r.source,
    ...(r.list_id !== null ? { listId: r.list_id } : {}),
    ...(r.ip !== null ? { ip: r.ip } : {}),
    at: r.at,
    ...(r.detail !== null ? { detail: r.detail } : {}),
  };
}
