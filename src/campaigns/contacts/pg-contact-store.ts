import { migratePg, type PgDatabase, type PgStoreOptions } from '../../postgres/index.js';
import { ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import type { Contact, ContactStatus } from '../types.js';
import { PG_CONTACTS_SCHEMA } from './pg-contact-migrations.js';
import { ActivityCursorMoved, EXPORT_PAGE, mergeAttributes, statusSql, type ContactDetail, type ContactList, type ContactStore, type Membership, type MemberStatus } from './contact-store.js';
import { fromConsentRow, toList } from './sqlite-contact-store.js';

type PgQueryable = Pick<PgDatabase, 'query'>;

interface ContactRow {
  id: number;
  address: string;
  attributes: Record<string, unknown>;
  created_at: number;
  updated_at: number;
  status?: ContactStatus;
}

const toContact = (r: ContactRow): Contact => ({ id: r.id, address: r.address, attributes: r.attributes, createdAt: r.created_at, updatedAt: r.updated_at });
const COLS = 'c.id, c.address, c.attributes, c.created_at, c.updated_at';
const LIST_SELECT = `SELECT l.id, l.name, l.opt_in, l.description, l.confirm_from, l.created_at,
  count(*) FILTER (WHERE m.status = 'subscribed')::int AS subscribed,
  count(*) FILTER (WHERE m.status = 'pending')::int AS pending,
  count(*) FILTER (WHERE m.status = 'unsubscribed')::int AS unsubscribed
  FROM lists l LEFT JOIN list_members m ON m.list_id = l.id`;
const LIST_GROUP = 'GROUP BY l.id';

/**
 * Contacts in PostgreSQL (shared by a cluster). Upserts lock the contact row
 * (SELECT … FOR UPDATE after an INSERT … ON CONFLICT DO NOTHING) so two nodes
 * merging attributes into one contact do not lose either's keys. An import
 * batch is one transaction.
 */
export async function openPgContactStore(opts: PgStoreOptions & { readonly now?: () => number }): Promise<ContactStore> {
  const { db } = opts;
  const now = opts.now ?? Date.now;
  await migratePg(db, PG_CONTACTS_SCHEMA);

  async function upsertOne(q: PgQueryable, address: string, attrs: Readonly<Record<string, unknown>>, t: number) {
    const ins = await q.query<{ id: number }>(
      `INSERT INTO contacts (address, attributes, created_at, updated_at, schema_version) VALUES ($1, $2, $3, $3, ${ROW_SCHEMA_VERSION})
       ON CONFLICT (address) DO NOTHING RETURNING id`,
      [address, JSON.stringify(mergeAttributes({}, attrs)), t],
    );
    const id = ins.rows[0]?.id;
    if (id !== undefined) return { contact: { id, address, attributes: mergeAttributes({}, attrs), createdAt: t, updatedAt: t }, before: null };
    const { rows } = await q.query<ContactRow>(`SELECT ${COLS} FROM contacts c WHERE address = $1 FOR UPDATE`, [address]);
    const row = rows[0];
    if (!row) throw new Error(`contact ${address} vanished during the upsert`);
    const merged = mergeAttributes(row.attributes, attrs);
    await q.query('UPDATE contacts SET attributes = $1, updated_at = $2 WHERE id = $3', [JSON.stringify(merged), t, row.id]);
    return { contact: { id: row.id, address, attributes: merged, createdAt: row.created_at, updatedAt: t }, before: row.attributes };
  }

  async function detail(r: ContactRow | undefined): Promise<ContactDetail | undefined> {
    if (!r) return undefined;
    const status = r.status ?? ((await db.query<{ s: ContactStatus }>(`SELECT ${statusSql(now())} AS s FROM (SELECT $1::text AS address) c`, [r.address])).rows[0]?.s as ContactStatus);
    const lists = (await db.query<Membership>('SELECT l.id, l.name, m.status FROM list_members m JOIN lists l ON l.id = m.list_id WHERE m.contact_id = $1 ORDER BY l.id', [r.id])).rows;
    return { ...toContact(r), status, lists };
  }
  const one = async (where: string, arg: unknown) => detail((await db.query<ContactRow>(`SELECT ${COLS} FROM contacts c WHERE ${where}`, [arg])).rows[0]);
  const listWhere = async (where: string, args: unknown[]) => {
    const { rows } = await db.query(`${LIST_SELECT} ${where} ${LIST_GROUP} ORDER BY l.id`, args);
    return rows.map((r) => toList(r as Parameters<typeof toList>[0]));
  };
  const memberOf = async (q: PgQueryable, listId: number, contactId: number) =>
    (await q.query<{ status: MemberStatus }>('SELECT status FROM list_members WHERE list_id = $1 AND contact_id = $2 FOR UPDATE', [listId, contactId])).rows[0]?.status;
  const putMember = (q: PgQueryable, listId: number, contactId: number, status: MemberStatus, t: number) =>
    q.query(
      `INSERT INTO list_members (list_id, contact_id, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (list_id, contact_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
      [listId, contactId, status, t],
    );
  const putConsent = (q: PgQueryable, contactId: number, c: { listId?: number; action: string; source: string; ip?: string; at: number; detail?: string }) =>
    q.query('INSERT INTO consents (contact_id, list_id, action, source, ip, at, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      contactId, c.listId ?? null, c.action, c.source, c.ip ?? null, c.at, c.detail ?? null,
    ]);

  return {
    async upsert(address, attributes, t) {
      return db.transaction((client) => upsertOne(client, address, attributes, t));
    },
    get: (id) => one('id = $1', id),
    byAddress: (address) => one('address = $1', address.trim().toLowerCase()),
    async list(q) {
      const args: unknown[] = [];
      const arg = (v: unknown) => (args.push(v), `$${args.length}`);
      const where: string[] = [];
      if (q.list !== undefined) where.push(`c.id IN (SELECT m.contact_id FROM list_members m WHERE m.list_id = ${arg(q.list)}${q.afterId !== undefined ? ` AND m.contact_id > ${arg(q.afterId)}` : ''})`);
      if (q.q !== undefined && q.q !== '') where.push(`left(c.address, ${arg(q.q.length)}) = ${arg(q.q.toLowerCase())}`);
      if (q.afterId !== undefined) where.push(`c.id > ${arg(q.afterId)}`);
      const inner = `SELECT ${COLS}, ${statusSql(now())} AS status FROM contacts c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
      const sql = `SELECT * FROM (${inner}) x ${q.status !== undefined ? `WHERE status = ${arg(q.status)}` : ''} ORDER BY id LIMIT ${arg(q.limit)}`;
      const { rows } = await db.query<ContactRow>(sql, args);
      return Promise.all(rows.map(async (r) => (await detail(r)) as ContactDetail));
    },
    async patch(id, attributes, t) {
      const r = (await db.query<{ address: string }>('SELECT address FROM contacts WHERE id = $1', [id])).rows[0];
      return r ? db.transaction((client) => upsertOne(client, r.address, attributes, t)) : undefined;
    },
    async delete(id) {
      return ((await db.query('DELETE FROM contacts WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
    async createList(l, t) {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO lists (name, opt_in, description, confirm_from, created_at, schema_version) VALUES ($1, $2, $3, $4, $5, ${ROW_SCHEMA_VERSION}) RETURNING id`,
        [l.name, l.optIn, l.description ?? null, l.confirmFrom ?? null, t],
      );
      return (await listWhere('WHERE l.id = $1', [rows[0]?.id]))[0] as ContactList;
    },
    getList: async (id) => (await listWhere('WHERE l.id = $1', [id]))[0],
    listByName: async (name) => (await listWhere('WHERE l.name = $1', [name]))[0],
    lists: () => listWhere('', []),
    async deleteList(id) {
      return ((await db.query('DELETE FROM lists WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
    async setMember(listId, contactId, status, t, o = {}) {
      return db.transaction(async (client) => {
        const was = await memberOf(client, listId, contactId);
        if (was === undefined || !(o.keep ?? []).includes(was)) await putMember(client, listId, contactId, status, t);
        return was;
      });
    },
    member: (listId, contactId) => memberOf(db, listId, contactId),
    async addConsent(contactId, c) {
      await putConsent(db, contactId, c);
    },
    async consents(contactId) {
      const { rows } = await db.query('SELECT action, source, list_id, ip, at, detail FROM consents WHERE contact_id = $1 ORDER BY at, id', [contactId]);
      return rows.map((r) => fromConsentRow(r as Parameters<typeof fromConsentRow>[0]));
    },
    async importBatch(rows, t, listId) {
      // Rows repeating an address: merged in order here, so the batch is one statement per table.
      const merged = new Map<string, Record<string, unknown>>();
      for (const r of rows) merged.set(r.address, { ...(merged.get(r.address) ?? {}), ...r.attributes });
      const addresses = [...merged.keys()].sort();
      return db.transaction(async (client) => {
        const existing = await client.query<ContactRow>(`SELECT ${COLS} FROM contacts c WHERE address = ANY($1::text[]) ORDER BY address FOR UPDATE`, [addresses]);
        const before = new Map(existing.rows.map((r) => [r.address, r]));
        const attrs = addresses.map((a) => JSON.stringify(mergeAttributes(before.get(a)?.attributes ?? {}, merged.get(a) ?? {})));
        const { rows: written } = await client.query<ContactRow>(
          `INSERT INTO contacts AS c (address, attributes, created_at, updated_at, schema_version)
           SELECT a, j::jsonb, $3, $3, ${ROW_SCHEMA_VERSION} FROM unnest($1::text[], $2::text[]) AS t(a, j)
           ON CONFLICT (address) DO UPDATE SET attributes = excluded.attributes, updated_at = excluded.updated_at
           RETURNING ${COLS}`,
          [addresses, attrs, t],
        );
        const joined: Contact[] = [];
        if (listId !== undefined && written.length > 0) {
          const ids = written.map((r) => r.id);
          const { rows: newly } = await client.query<{ contact_id: number }>(
            `INSERT INTO list_members AS m (list_id, contact_id, status, created_at, updated_at)
             SELECT $1, id, 'subscribed', $3, $3 FROM unnest($2::bigint[]) AS t(id) ORDER BY id
             ON CONFLICT (list_id, contact_id) DO UPDATE SET status = 'subscribed', updated_at = excluded.updated_at WHERE m.status <> 'subscribed'
             RETURNING contact_id`,
            [listId, ids, t],
          );
          const newIds = newly.map((r) => r.contact_id);
          await client.query(
            `INSERT INTO consents (contact_id, list_id, action, source, at) SELECT id, $1, 'imported', 'import', $3 FROM unnest($2::bigint[]) AS t(id)`,
            [listId, newIds, t],
          );
          const set = new Set(newIds);
          for (const r of written) if (set.has(r.id)) joined.push(toContact(r));
        }
        return { created: addresses.length - before.size, updated: before.size, joined };
      });
    },
    async *exportRows(o) {
      let after = 0;
      for (;;) {
        // The page's ids first, along a primary key with ORDER BY + LIMIT: right after a bulk import the
        // statistics are stale and a one-query plan sorted every remaining member for each page (47 s for 100,000).
        const ids = o.list !== undefined
          ? 'SELECT contact_id AS id FROM list_members WHERE list_id = $3 AND contact_id > $1 ORDER BY contact_id LIMIT $2'
          : 'SELECT id FROM contacts WHERE id > $1 ORDER BY id LIMIT $2';
        const { rows } = await db.query<ContactRow & { lists: string[] | null }>(
          `WITH page AS MATERIALIZED (${ids})
           SELECT ${COLS}, ${statusSql(now())} AS status,
             (SELECT array_agg(l.name ORDER BY l.id) FROM list_members m JOIN lists l ON l.id = m.list_id WHERE m.contact_id = c.id AND m.status = 'subscribed') AS lists
           FROM page JOIN contacts c ON c.id = page.id ORDER BY c.id`,
          o.list !== undefined ? [after, EXPORT_PAGE, o.list] : [after, EXPORT_PAGE],
        );
        if (rows.length === 0) return;
        for (const r of rows) {
          yield { ...toContact(r), status: r.status as ContactStatus, lists: r.lists ?? [] };
          after = r.id;
        }
      }
    },
    async globallySuppressed(addresses) {
      const { rows } = await db.query<{ address: string }>(
        `SELECT address FROM suppressions WHERE address = ANY($1::text[]) AND scope = '' AND (expires_at IS NULL OR expires_at > $2)`,
        [addresses, now()],
      );
      return new Set(rows.map((r) => r.address));
    },
    async recordActivity(address, event, at) {
      await db.query(
        `INSERT INTO contact_activity AS a (address, event, last_at, count) VALUES ($1, $2, $3, 1)
         ON CONFLICT (address, event) DO UPDATE SET last_at = greatest(a.last_at, excluded.last_at), count = a.count + 1`,
        [address.trim().toLowerCase(), event, at],
      );
    },
    async activity(address) {
      const { rows } = await db.query<{ event: string; lastAt: number; count: number }>(
        'SELECT event, last_at AS "lastAt", count FROM contact_activity WHERE address = $1 ORDER BY event',
        [address.trim().toLowerCase()],
      );
      return rows;
    },
    async activityCursor() {
      return (await db.query<{ event_id: number }>('SELECT event_id FROM contact_activity_cursor WHERE id = 1')).rows[0]?.event_id ?? 0;
    },
    async applyActivity(from, to, rows) {
      await db.transaction(async (client) => {
        // Insert-or-lock the one cursor row first: two projectors serialise on it.
        await client.query('INSERT INTO contact_activity_cursor (id, event_id) VALUES (1, 0) ON CONFLICT (id) DO NOTHING');
        const at = (await client.query<{ event_id: number }>('SELECT event_id FROM contact_activity_cursor WHERE id = 1 FOR UPDATE')).rows[0]?.event_id ?? 0;
        if (at !== from) throw new ActivityCursorMoved(at);
        // Summed per (address, event) first: one row each in the upsert (ON CONFLICT cannot touch a row twice).
        const sum = new Map<string, { address: string; event: string; at: number; n: number }>();
        for (const r of rows) {
          const k = `${r.event}\0${r.address}`;
          const e = sum.get(k);
          if (e) (e.n++, (e.at = Math.max(e.at, r.at)));
          else sum.set(k, { address: r.address, event: r.event, at: r.at, n: 1 });
        }
        const list = [...sum.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.event < b.event ? -1 : 1));
        if (list.length > 0) {
          await client.query(
            `INSERT INTO contact_activity AS a (address, event, last_at, count)
             SELECT u.* FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS u(address, event, last_at, count)
             WHERE EXISTS (SELECT 1 FROM contacts c WHERE c.address = u.address)
             ON CONFLICT (address, event) DO UPDATE SET last_at = greatest(a.last_at, excluded.last_at), count = a.count + excluded.count`,
            [list.map((r) => r.address), list.map((r) => r.event), list.map((r) => r.at), list.map((r) => r.n)],
          );
        }
        await client.query('UPDATE contact_activity_cursor SET event_id = $1 WHERE id = 1', [to]);
      });
    },
    async close() {
      // The pool is the process's (stores/postgres-stores.ts); nothing of our own to close.
    },
  };
}
