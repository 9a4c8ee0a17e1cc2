import { migratePg, type PgStoreOptions } from '../postgres/index.js';
import { ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { PG_SUPPRESSION_SCHEMA } from './pg-suppression-migrations.js';
import { domainAndParents, suppressionKey, type NewSuppression, type SuppressionEntry, type SuppressionStore } from './suppression-store.js';
import { COLUMNS, GLOBAL, toEntry, toKeyedRow, type KeyedRow, type SuppressionRow as Row } from './suppression-rows.js';

/**
 * Rows per INSERT of an import. Each batch is one statement whose six
 * parameters are arrays (unnest), so the 65,535-parameter limit of the
 * protocol does not apply; the size only bounds one statement's memory.
 */
const ADD_BATCH = 5_000;

/**
 * Suppressions in PostgreSQL, shared by every node of a cluster. `add` is
 * one transaction however many rows (an import of a million addresses is one
 * commit, as on SQLite), written as multi-row upserts; `matching` is one
 * primary-key lookup per message for all its recipients.
 */
export async function openPgSuppressionStore(opts: PgStoreOptions): Promise<SuppressionStore> {
  const { db } = opts;
  await migratePg(db, PG_SUPPRESSION_SCHEMA);

  return {
    async add(entries) {
      if (entries.length === 0) return 0;
      const rows = latestPerKey(entries);
      await db.transaction(async (client) => {
        for (let i = 0; i < rows.length; i += ADD_BATCH) {
          const batch = rows.slice(i, i + ADD_BATCH);
          await client.query(
            `INSERT INTO suppressions AS s (address, scope, reason, source, created_at, expires_at, schema_version)
             SELECT a, sc, r, src, c, e, ${ROW_SCHEMA_VERSION} FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[]) AS t(a, sc, r, src, c, e)
             ON CONFLICT (address, scope) DO UPDATE SET reason = excluded.reason, source = excluded.source,
               created_at = excluded.created_at, expires_at = excluded.expires_at, schema_version = excluded.schema_version`,
            [
              batch.map((r) => r.address),
              batch.map((r) => r.scope),
              batch.map((r) => r.reason),
              batch.map((r) => r.source),
              batch.map((r) => r.createdAt),
              batch.map((r) => r.expiresAt),
            ],
          );
        }
      });
      // SQLite writes every entry in turn (an entry repeated in one call is written twice, the last wins): the same count.
      return entries.length;
    },
    async remove(address, o = {}) {
      const key = suppressionKey(address);
      const result = o.allScopes
        ? await db.query('DELETE FROM suppressions WHERE address = $1', [key])
        : await db.query('DELETE FROM suppressions WHERE address = $1 AND scope = $2', [key, o.domain?.toLowerCase() ?? GLOBAL]);
      return result.rowCount ?? 0;
    },
    async matching(addresses, senderDomain, now) {
      const found = new Map<string, SuppressionEntry>();
      if (addresses.length === 0) return found;
      const scopes = senderDomain === null ? [GLOBAL] : [GLOBAL, ...domainAndParents(senderDomain)];
      const keys = [...new Set(addresses.map(suppressionKey))];
      const { rows } = await db.query<Row>(
        `SELECT ${COLUMNS} FROM suppressions WHERE address = ANY($1::text[]) AND scope = ANY($2::text[]) AND (expires_at IS NULL OR expires_at > $3)`,
        [keys, scopes, now],
      );
      // Global first: it is the stronger statement when both exist.
      const best = new Map<string, Row>();
      for (const r of rows) if (!best.has(r.address) || r.scope === GLOBAL) best.set(r.address, r);
      for (const a of addresses) {
        const hit = best.get(suppressionKey(a));
        if (hit) found.set(a, toEntry(hit));
      }
      return found;
    },
    async list(q) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      const arg = (v: string | number): string => (args.push(v), `$${args.length}`);
      if (q.address !== undefined) where.push(`address = ${arg(suppressionKey(q.address))}`);
      if (q.scope !== undefined) where.push(`scope = ${arg(q.scope === 'global' ? GLOBAL : q.scope.toLowerCase())}`);
      if (q.reason !== undefined) where.push(`reason = ${arg(q.reason)}`);
      // strpos(), not LIKE: the text is matched literally (an address may hold "_" or "%").
      if (q.contains !== undefined && q.contains !== '') where.push(`strpos(address, ${arg(q.contains.trim().toLowerCase())}) > 0`);
      if (q.source !== undefined && q.source !== '') where.push(`strpos(lower(source), ${arg(q.source.trim().toLowerCase())}) > 0`);
      if (q.after) where.push(`(address, scope) > (${arg(suppressionKey(q.after.address))}, ${arg(q.after.domain?.toLowerCase() ?? GLOBAL)})`);
      const sql = `SELECT ${COLUMNS} FROM suppressions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY address, scope LIMIT ${arg(q.limit)}`;
      return (await db.query<Row>(sql, args)).rows.map(toEntry);
    },
    async count() {
      return (await db.query<{ n: number }>('SELECT count(*) AS n FROM suppressions')).rows[0]?.n ?? 0;
    },
    async close() {
      // The pool is the process's (src/stores closes it).
    },
  };
}

/**
 * One row per (address, scope), the last given winning, as when SQLite
 * upserts them one by one: PostgreSQL refuses an upsert that touches a row
 * twice in one statement. Sorted by key, so two nodes importing overlapping
 * lists lock rows in the same order and cannot deadlock.
 */
function latestPerKey(entries: readonly NewSuppression[]): KeyedRow[] {
  const byKey = new Map<string, KeyedRow>();
  for (const e of entries) {
    const row = toKeyedRow(e);
    byKey.set(`${row.address}\0${row.scope}`, row);
  }
  return [...byKey.values()].sort((a, b) => compareBytes(a.address, b.address) || compareBytes(a.scope, b.scope));
}

/** Code-unit order: the same as COLLATE "C" for the ASCII of addresses and domains. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
