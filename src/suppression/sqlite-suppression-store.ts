import type Database from 'better-sqlite3';
import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { SUPPRESSION_SCHEMA } from './suppression-migrations.js';
import { domainAndParents, suppressionKey, type SuppressionEntry, type SuppressionQuery, type SuppressionStore } from './suppression-store.js';
import { COLUMNS, GLOBAL, toEntry, toKeyedRow, type SuppressionRow as Row } from './suppression-rows.js';

export interface SqliteSuppressionStoreOptions {
  /** The database file (`queue.path`): suppressions have their own table and schema level in it. */
  readonly path: string;
}

/**
 * Suppressions in the same SQLite file as the queue, on this thread. Lookups
 * are one primary-key range read per recipient (microseconds); writes are rare
 * but for imports, which run as one transaction per call.
 */
export function openSqliteSuppressionStore(opts: SqliteSuppressionStoreOptions): SuppressionStore {
  const db = openConcernDatabase(opts.path, SUPPRESSION_SCHEMA);
  const upsert = db.prepare(
    `INSERT INTO suppressions (address, scope, reason, source, created_at, expires_at, schema_version)
     VALUES (@address, @scope, @reason, @source, @createdAt, @expiresAt, ${ROW_SCHEMA_VERSION})
     ON CONFLICT (address, scope) DO UPDATE SET reason = excluded.reason, source = excluded.source,
       created_at = excluded.created_at, expires_at = excluded.expires_at, schema_version = excluded.schema_version`,
  );
  const ofAddress = db.prepare(`SELECT ${COLUMNS} FROM suppressions WHERE address = ?`);
  const removeOne = db.prepare('DELETE FROM suppressions WHERE address = ? AND scope = ?');
  const removeAll = db.prepare('DELETE FROM suppressions WHERE address = ?');
  const countAll = db.prepare('SELECT count(*) FROM suppressions').pluck();
  const listStatements = new Map<string, Database.Statement>();

  const addAll = db.transaction((entries: Parameters<SuppressionStore['add']>[0]): number => {
    let n = 0;
    for (const e of entries) {
      n += upsert.run(toKeyedRow(e)).changes;
    }
    return n;
  });

  return {
    async add(entries) {
      return entries.length === 0 ? 0 : addAll.immediate(entries);
    },
    async remove(address, o = {}) {
      const key = suppressionKey(address);
      return (o.allScopes ? removeAll.run(key) : removeOne.run(key, o.domain?.toLowerCase() ?? GLOBAL)).changes;
    },
    async matching(addresses, senderDomain, now) {
      const found = new Map<string, SuppressionEntry>();
      const scopes = senderDomain === null ? [GLOBAL] : [GLOBAL, ...domainAndParents(senderDomain)];
      for (const a of addresses) {
        const rows = ofAddress.all(suppressionKey(a)) as Row[];
        // Global first: it is the stronger statement when both exist.
        const hit = rows
          .filter((r) => scopes.includes(r.scope) && (r.expires_at === null || r.expires_at > now))
          .sort((x, y) => (x.scope === GLOBAL ? -1 : y.scope === GLOBAL ? 1 : 0))[0];
        if (hit) found.set(a, toEntry(hit));
      }
      return found;
    },
    async list(q) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (q.address !== undefined) (where.push('address = ?'), args.push(suppressionKey(q.address)));
      if (q.scope !== undefined) (where.push('scope = ?'), args.push(q.scope === 'global' ? GLOBAL : q.scope.toLowerCase()));
      if (q.reason !== undefined) (where.push('reason = ?'), args.push(q.reason));
      // instr(), not LIKE: the text is matched literally (an address may hold "_" or "%").
      if (q.contains !== undefined && q.contains !== '') (where.push('instr(address, ?) > 0'), args.push(q.contains.trim().toLowerCase()));
      if (q.source !== undefined && q.source !== '') (where.push('instr(lower(source), ?) > 0'), args.push(q.source.trim().toLowerCase()));
      if (q.after) (where.push('(address, scope) > (?, ?)'), args.push(suppressionKey(q.after.address), q.after.domain?.toLowerCase() ?? GLOBAL));
      const sql = `SELECT ${COLUMNS} FROM suppressions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY address, scope LIMIT ?`;
      let stmt = listStatements.get(sql);
      if (!stmt) listStatements.set(sql, (stmt = db.prepare(sql)));
      return (stmt.all(...args, q.limit) as Row[]).map(toEntry);
    },
    async count() {
      return countAll.get() as number;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
