import { migratePg, type PgDatabase, type PgStoreOptions } from '../postgres/index.js';
import { PG_QUOTAS_SCHEMA } from './pg-counters-migrations.js';
import { ADD_DELTAS, DB_NOW, ROW_COLUMNS, WEIGHT } from './pg-counters-sql.js';
import { fromRow, type CountsRow } from './counts-row.js';
import type { SendingCounters } from './sending-counters.js';
import { addCounts, emptyCounts, rollTo, type CountsDelta, type UserCounts } from './windows.js';

export interface PgSendingCountersOptions extends PgStoreOptions {
  /**
   * Rows are re-read if written up to this long before the last read (ms):
   * a row's `updated_at` is stamped before its transaction commits, so a
   * commit that lands just after a read is caught by the next one.
   */
  readonly refreshOverlapMs?: number;
}

interface Row extends CountsRow {
  readonly user_name: string;
}

/** What one node counted for a user in one pair of windows since its last flush. */
interface Delta {
  readonly hourStart: number;
  readonly dayStart: number;
  messages: number;
  recipients: number;
  bounces: number;
  complaints: number;
}

/**
 * Sending counters shared by a cluster (sending-counters.ts says the shape).
 *
 * `get` and `add` stay synchronous and in memory: they run on every MAIL and
 * RCPT. Each node keeps the cluster's totals as last read plus what it
 * counted since. `flush` (every second, main.ts) adds what this node counted
 * to the shared rows as increments in one transaction (pg-counters-sql.ts),
 * then reads back every row written since its last read, by any node: a
 * quota holds for the cluster, each node seeing the others' counts at most
 * one flush interval late. A crash loses the counts of its last interval,
 * never a message. A flush that fails keeps its counts for the next one.
 */
export async function openPgSendingCounters(opts: PgSendingCountersOptions): Promise<SendingCounters> {
  const { db } = opts;
  const overlap = opts.refreshOverlapMs ?? 10_000;
  await migratePg(db, PG_QUOTAS_SCHEMA);

  /** The cluster's counts as last read, plus this node's not yet flushed. */
  const view = new Map<string, UserCounts>();
  /** Counted here and not yet flushed: user → windows → delta. */
  let pending = new Map<string, Map<string, Delta>>();
  /** Rows written at or after this (database clock, ms) are read at the next refresh. */
  let since = Number.MIN_SAFE_INTEGER;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();

  const refresh = async (): Promise<void> => {
    const now = (await db.query<{ now: number }>(DB_NOW)).rows[0]?.now ?? 0;
    const { rows } = await db.query<Row>(`SELECT ${ROW_COLUMNS} FROM sending_counters WHERE updated_at >= $1`, [since]);
    since = now - overlap;
    for (const r of rows) view.set(r.user_name, replay(fromRow(r), pending.get(r.user_name)));
  };

  const flushOnce = async (): Promise<void> => {
    if (closed) return;
    const taken = pending;
    pending = new Map();
    try {
      if (taken.size > 0) await writeDeltas(db, taken);
    } catch (err) {
      // Not written: counted again at the next flush (merged with what came meanwhile). If the connection
      // died during COMMIT after the server committed, these counts are added twice: a quota errs strict.
      for (const [user, windows] of taken) for (const d of windows.values()) addPending(pending, user, d);
      throw err;
    }
    await refresh();
  };

  await refresh();

  const flush = (): Promise<void> => {
    // One flush at a time: the timer may fire while a slow one is still writing.
    const run = chain.then(flushOnce);
    chain = run.catch(() => undefined);
    return run;
  };

  return {
    get(user, now) {
      // Rolled for the answer only: the view keeps the windows as counted.
      const c = view.get(user);
      return c ? rollTo(c, now) : emptyCounts(now);
    },
    add(user, delta, now) {
      const next = addCounts(view.get(user) ?? emptyCounts(now), delta, now);
      view.set(user, next);
      // The delta belongs to the windows it was counted in (a clock stepped back keeps the newer windows, as addCounts does).
      addPending(pending, user, { hourStart: next.hourStart, dayStart: next.dayStart, ...deltaOf(delta) });
      return next;
    },
    flush,
    async close() {
      if (closed) return;
      try {
        await flush();
      } finally {
        closed = true;
      }
      // The pool is the process's (src/stores closes it).
    },
  };
}

/**
 * One transaction: each user's deltas in window order, one statement per
 * round (a statement may touch a user's row once). Users are sorted so two
 * nodes lock shared rows in the same order and cannot deadlock; later rounds
 * only touch rows the first already locked.
 */
async function writeDeltas(db: PgDatabase, taken: ReadonlyMap<string, ReadonlyMap<string, Delta>>): Promise<void> {
  const users = [...taken.keys()].sort();
  const rounds: { user: string; d: Delta }[][] = [];
  for (const user of users) {
    const windows = [...(taken.get(user)?.values() ?? [])].sort((a, b) => a.hourStart - b.hourStart || a.dayStart - b.dayStart);
    windows.forEach((d, i) => (rounds[i] ??= []).push({ user, d }));
  }
  await db.transaction(async (client) => {
    for (const round of rounds) {
      await client.query(ADD_DELTAS, [
        round.map((r) => r.user),
        round.map((r) => r.d.hourStart),
        round.map((r) => r.d.messages),
        round.map((r) => r.d.recipients),
        round.map((r) => r.d.dayStart),
        round.map((r) => r.d.messages),
        round.map((r) => r.d.recipients),
        round.map((r) => r.d.bounces),
        round.map((r) => r.d.complaints),
        WEIGHT,
      ]);
    }
  });
}

function addPending(pending: Map<string, Map<string, Delta>>, user: string, d: Delta): void {
  let windows = pending.get(user);
  if (!windows) pending.set(user, (windows = new Map()));
  const key = `${d.hourStart}/${d.dayStart}`;
  const sum = windows.get(key);
  if (!sum) windows.set(key, { ...d });
  else {
    sum.messages += d.messages;
    sum.recipients += d.recipients;
    sum.bounces += d.bounces;
    sum.complaints += d.complaints;
  }
}

function deltaOf(d: CountsDelta): Omit<Delta, 'hourStart' | 'dayStart'> {
  return { messages: d.messages ?? 0, recipients: d.recipients ?? 0, bounces: d.bounces ?? 0, complaints: d.complaints ?? 0 };
}

/** The shared row with this node's unflushed counts on top. */
function replay(c: UserCounts, windows: ReadonlyMap<string, Delta> | undefined): UserCounts {
  if (!windows) return c;
  let out = c;
  for (const d of [...windows.values()].sort((a, b) => a.hourStart - b.hourStart)) out = addCounts(out, d, d.hourStart);
  return out;
}
