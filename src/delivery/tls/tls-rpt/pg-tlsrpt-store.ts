import { migratePg, type PgStoreOptions } from '../../../postgres/index.js';
import { countValues, finishValues, fromCountRow, toLast, toSendState, type CountRow } from './count-rows.js';
import { PG_TLSRPT_SCHEMA } from './tlsrpt-migrations.js';
import { ADD_COUNT, CLAIM, FINISH, MOVE_LAST, PRUNE_COUNTS, PRUNE_SENDS, READ_COUNTS, READ_LAST, READ_SEND, type LastRow, type SendRow } from './tlsrpt-sql.js';
import type { TlsRptStore } from './tlsrpt-store.js';

/**
 * TLS-RPT counts in the cluster's PostgreSQL database: every node adds its
 * increments (count = count + n, so two nodes adding at once both count) and
 * the reporter on the lease holder reads one day's total. Claims are one
 * upsert, so of two nodes (or a node and `baton tlsrpt send`) one sends.
 */
export async function openPgTlsRptStore(opts: PgStoreOptions): Promise<TlsRptStore> {
  const { db } = opts;
  await migratePg(db, PG_TLSRPT_SCHEMA);
  return {
    async add(counts, last) {
      if (counts.length + last.length === 0) return;
      await db.transaction(async (c) => {
        // Sorted by key, so two nodes adding overlapping batches lock rows in one order and never deadlock.
        for (const v of counts.map(countValues).sort(byKey)) await c.query(ADD_COUNT, v);
        for (const l of [...last].sort((a, b) => a.domain.localeCompare(b.domain))) await c.query(MOVE_LAST, [l.domain.toLowerCase(), l.at, l.result]);
      });
    },
    async countsFor(day) {
      return (await db.query<CountRow>(READ_COUNTS, [day])).rows.map(fromCountRow);
    },
    async lastResult(domain) {
      return toLast((await db.query<LastRow>(READ_LAST, [domain.toLowerCase()])).rows[0]);
    },
    async claim(day, domain, now, o) {
      const r = await db.query(CLAIM, [day, domain.toLowerCase(), now, o.maxAttempts, o.staleBefore]);
      return (r.rowCount ?? 0) > 0;
    },
    async finish(day, domain, outcome) {
      await db.query(FINISH, [day, domain.toLowerCase(), ...finishValues(outcome)]);
    },
    async sendState(day, domain) {
      return toSendState((await db.query<SendRow>(READ_SEND, [day, domain.toLowerCase()])).rows[0]);
    },
    async prune(beforeDay) {
      return db.transaction(async (c) => ((await c.query(PRUNE_COUNTS, [beforeDay])).rowCount ?? 0) + ((await c.query(PRUNE_SENDS, [beforeDay])).rowCount ?? 0));
    },
    // The pool is the process's (src/stores/postgres-stores.ts closes it).
    async close() {},
  };
}

function byKey(a: readonly unknown[], b: readonly unknown[]): number {
  return a.slice(0, 7).join('\0').localeCompare(b.slice(0, 7).join('\0'));
}
