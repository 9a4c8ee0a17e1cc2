import type { Database } from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTACTS_SCHEMA } from '../contacts/contact-migrations.js';
import { PG_CONTACTS_SCHEMA } from '../contacts/pg-contact-migrations.js';
import { migratePg, type PgDatabase } from '../../postgres/index.js';
import { openConcernDatabase } from '../../sqlite/index.js';
import type { FlowStoreFixture } from './flow-store.contract.js';
import { openPgFlowStore } from './pg-flow-store.js';
import { openSqliteFlowStore } from './sqlite-flow-store.js';

/** Test fixtures: a flow store beside the contacts tables, contacts added with SQL (the contacts store is another part's). */

export function tempDir(prefix: string): { path: (name?: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return { path: (name) => join(dir, name ?? `f${++n}.db`), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sqliteFlowFixture(path: string): FlowStoreFixture & { readonly db: Database } {
  const db = openConcernDatabase(path, CONTACTS_SCHEMA);
  const store = openSqliteFlowStore({ path });
  const insert = db.prepare("INSERT INTO contacts (address, attributes, created_at, updated_at, schema_version) VALUES (?, ?, 0, 0, 1) RETURNING id").pluck();
  return {
    db,
    store,
    addContact: async (address, attributes = {}) => insert.get(address, JSON.stringify(attributes)) as number,
    async addMember(listId, contactId, status) {
      db.prepare("INSERT OR IGNORE INTO lists (id, name, opt_in, created_at, schema_version) VALUES (?, ?, 'single', 0, 1)").run(listId, `list ${listId}`);
      db.prepare('INSERT INTO list_members (list_id, contact_id, status, created_at, updated_at) VALUES (?, ?, ?, 0, 0)').run(listId, contactId, status);
    },
    async close() {
      await store.close();
      db.close();
    },
  };
}

export async function pgFlowFixture(db: PgDatabase): Promise<FlowStoreFixture> {
  await migratePg(db, PG_CONTACTS_SCHEMA);
  const store = await openPgFlowStore({ db });
  return {
    store,
    addContact: async (address, attributes = {}) =>
      (await db.query<{ id: number }>('INSERT INTO contacts (address, attributes, created_at, updated_at, schema_version) VALUES ($1, $2, 0, 0, 1) RETURNING id', [address, JSON.stringify(attributes)])).rows[0]?.id ?? 0,
    async addMember(listId, contactId, status) {
      await db.query("INSERT INTO lists (id, name, opt_in, created_at, schema_version) VALUES ($1, $2, 'single', 0, 1) ON CONFLICT DO NOTHING", [listId, `list ${listId}`]);
      await db.query('INSERT INTO list_members (list_id, contact_id, status, created_at, updated_at) VALUES ($1, $2, $3, 0, 0)', [listId, contactId, status]);
    },
    async close() {
      await store.close();
      await db.close();
    },
  };
}
