import { openConcernDatabase } from '../../../sqlite/index.js';
import { countValues, finishValues, fromCountRow, toLast, toSendState, type CountRow } from './count-rows.js';
import { TLSRPT_SCHEMA } from './tlsrpt-migrations.js';
import { ADD_COUNT, CLAIM, FINISH, MOVE_LAST, PRUNE_COUNTS, PRUNE_SENDS, READ_COUNTS, READ_LAST, READ_SEND, sqliteParams, type LastRow, type SendRow } from './tlsrpt-sql.js';
import type { TlsRptStore } from './tlsrpt-store.js';

/**
 * TLS-RPT counts in the queue's SQLite file, on this thread. Written only by
 * the recorder's flush (a batch every few seconds in one transaction) and
 * read once a day by the reporter: nothing on the delivery path waits on it.
 */
export function openSqliteTlsRptStore(opts: { readonly path: string }): TlsRptStore {
  // NORMAL: a crash may lose the last flush's counts (a few seconds of sessions), never mail.
  const db = openConcernDatabase(opts.path, TLSRPT_SCHEMA, (d) => d.pragma('synchronous = NORMAL'));
  // Each statement with its `$n` values put in `?` order.
  const q = (text: string) => {
    const { sql, order } = sqliteParams(text);
    const stmt = db.prepare(sql);
    const bind = (values: readonly unknown[]) => order.map((i) => values[i]);
    return {
      run: (...values: unknown[]) => stmt.run(...bind(values)),
      get: (...values: unknown[]) => stmt.get(...bind(values)),
      all: (...values: unknown[]) => stmt.all(...bind(values)),
    };
  };
  const addCount = q(ADD_COUNT);
  const moveLast = q(MOVE_LAST);
  const claim = q(CLAIM);
  const finish = q(FINISH);
  const readCounts = q(READ_COUNTS);
  const readLast = q(READ_LAST);
  const readSend = q(READ_SEND);
  const pruneCounts = q(PRUNE_COUNTS);
  const pruneSends = q(PRUNE_SENDS);
  const addAll = db.transaction((counts: Parameters<TlsRptStore['add']>[0], last: Parameters<TlsRptStore['add']>[1]) => {
    for (const c of counts) addCount.run(...countValues(c));
    for (const l of last) moveLast.run(l.domain.toLowerCase(), l.at, l.result);
  });
  const pruneAll = db.transaction((day: string) => pruneCounts.run(day).changes + pruneSends.run(day).changes);

  return {
    async add(counts, last) {
      if (counts.length + last.length > 0 && db.open) addAll.immediate(counts, last);
    },
    async countsFor(day) {
      return (readCounts.all(day) as CountRow[]).map(fromCountRow);
    },
    async lastResult(domain) {
      return toLast(readLast.get(domain.toLowerCase()) as LastRow | undefined);
    },
    async claim(day, domain, now, o) {
      return claim.all(day, domain.toLowerCase(), now, o.maxAttempts, o.staleBefore).length > 0;
    },
    async finish(day, domain, outcome) {
      finish.run(day, domain.toLowerCase(), ...finishValues(outcome));
    },
    async sendState(day, domain) {
      return toSendState(readSend.get(day, domain.toLowerCase()) as SendRow | undefined);
    },
    async prune(beforeDay) {
      return pruneAll.immediate(beforeDay);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
