import { migratePg, type PgStoreOptions } from '../postgres/index.js';
import { ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { KEEP_STOPPED_MS, PG_CLUSTER_SCHEMA } from './cluster-migrations.js';
import type { ClusterStore, LeaderLease, QueueLeaseSummary } from './cluster-store.js';
import { toNode, type NodeRow } from './sqlite-cluster-store.js';

/**
 * "Now" in ms on the database clock. now() is the transaction's start time
 * (PostgreSQL docs §9.9.5), the same for every use in one statement, so a
 * statement compares all its rows with one instant. Every node reads this
 * one clock, so skew between node clocks never makes a live node look dead.
 */
const NOW_MS = '(floor(extract(epoch FROM now()) * 1000))::bigint';

/**
 * The cluster store on PostgreSQL (the shared database of `queue.url`). Every
 * write is one atomic statement: an upsert whose ON CONFLICT clause locks the
 * row and re-checks its condition on the latest version (PostgreSQL docs,
 * INSERT "ON CONFLICT DO UPDATE"), so two nodes racing for a leader lease or
 * a rate window serialise on the row and never both win.
 */
export async function openPgClusterStore(opts: PgStoreOptions): Promise<ClusterStore> {
  const { db } = opts;
  await migratePg(db, PG_CLUSTER_SCHEMA);
  return {
    async register(node) {
      // A restart replaces its stopped row; rows silent for a day (stopped, or dead after a crash) go too.
      await db.query(`DELETE FROM cluster_nodes WHERE (stopped_at IS NOT NULL AND name = $1) OR heartbeat_at < ${NOW_MS} - $2`, [node.name, KEEP_STOPPED_MS]);
      await db.query(
        `INSERT INTO cluster_nodes (node_id, name, host, pid, owner, roles, version, started_at, heartbeat_at, stopped_at, schema_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, ${NOW_MS}, ${NOW_MS}, NULL, ${ROW_SCHEMA_VERSION})
         ON CONFLICT (node_id) DO UPDATE SET name = excluded.name, host = excluded.host, pid = excluded.pid, owner = excluded.owner,
           roles = excluded.roles, version = excluded.version, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, stopped_at = NULL`,
        [node.nodeId, node.name, node.host, node.pid, node.owner, node.roles.join(','), node.version],
      );
    },
    async heartbeat(nodeId) {
      // A stopped row is not revived by a late beat: only register() does that.
      const r = await db.query(`UPDATE cluster_nodes SET heartbeat_at = ${NOW_MS} WHERE node_id = $1 AND stopped_at IS NULL`, [nodeId]);
      return (r.rowCount ?? 0) > 0;
    },
    async markStopped(nodeId) {
      await db.query(`UPDATE cluster_nodes SET stopped_at = ${NOW_MS}, heartbeat_at = ${NOW_MS} WHERE node_id = $1`, [nodeId]);
      await db.query('DELETE FROM cluster_leader_leases WHERE holder = $1', [nodeId]);
    },
    async nodes() {
      const r = await db.query<NodeRow & { now: number }>(`SELECT n.*, ${NOW_MS} AS now FROM cluster_nodes n ORDER BY name, started_at`);
      const now = r.rows[0]?.now ?? (await dbNow());
      return { now, nodes: r.rows.map(toNode) };
    },
    async acquireLeader(name, holder, ttlMs) {
      const r = await db.query(
        `INSERT INTO cluster_leader_leases AS l (name, holder, until) VALUES ($1, $2, ${NOW_MS} + $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE l.holder = excluded.holder OR l.until <= ${NOW_MS}
         RETURNING holder`,
        [name, holder, ttlMs],
      );
      return r.rows[0]?.holder === holder;
    },
    async releaseLeader(name, holder) {
      await db.query('DELETE FROM cluster_leader_leases WHERE name = $1 AND holder = $2', [name, holder]);
    },
    async leaders() {
      const r = await db.query<LeaderLease>('SELECT name, holder, until FROM cluster_leader_leases ORDER BY name');
      return { now: await dbNow(), leases: r.rows };
    },
    async takeTokens(key, windowMs, limit, want) {
      // One statement: drop this key's old windows, then add to the current
      // one. In SET, w.used is the row's value before this update, so
      // last_granted is exactly what this caller got.
      const r = await db.query<{ granted: number; ends_in: number; window_start: number }>(
        `WITH t AS (SELECT ${NOW_MS} AS now),
         gone AS (DELETE FROM cluster_rate_windows WHERE key = $1 AND window_start < (SELECT now FROM t) - 2 * $2::bigint)
         INSERT INTO cluster_rate_windows AS w (key, window_start, used, last_granted)
         SELECT $1, t.now - t.now % $2::bigint, LEAST($4::int, $3::int), LEAST($4::int, $3::int) FROM t
         ON CONFLICT (key, window_start) DO UPDATE SET used = LEAST(w.used + $4::int, $3::int), last_granted = GREATEST(0, LEAST(w.used + $4::int, $3::int) - w.used)
         RETURNING last_granted AS granted, w.window_start, w.window_start + $2::bigint - (SELECT now FROM t) AS ends_in`,
        [key, windowMs, limit, want],
      );
      const row = r.rows[0];
      if (!row) throw new Error('takeTokens: the upsert returned no row');
      return { granted: row.granted, windowEndsInMs: Number(row.ends_in), windowStart: Number(row.window_start) };
    },
    async queueLeases() {
      // The queue's recipients table in the same schema (queue/postgres); absent until the queue has migrated.
      const exists = await db.query<{ t: string | null }>("SELECT to_regclass('recipients')::text AS t");
      if (!exists.rows[0]?.t) return [];
      const r = await db.query<{ owner: string; count: number; earliest: number; latest: number }>(
        `SELECT lease_owner AS owner, count(*)::int AS count, min(lease_until) AS earliest, max(lease_until) AS latest
         FROM recipients WHERE lease_owner IS NOT NULL AND status = 'pending' GROUP BY lease_owner ORDER BY lease_owner`,
      );
      return r.rows.map((x): QueueLeaseSummary => ({ owner: x.owner, count: x.count, earliestUntil: Number(x.earliest), latestUntil: Number(x.latest) }));
    },
    async close() {
      // The pool is the factory's (one per process): closed by whoever opened it.
    },
  };

  async function dbNow(): Promise<number> {
    const r = await db.query<{ now: number }>(`SELECT ${NOW_MS} AS now`);
    return r.rows[0]?.now ?? Date.now();
  }
}
