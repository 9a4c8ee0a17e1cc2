import { systemClock, type Clock } from '../core/index.js';
import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { KEEP_STOPPED_MS, SQLITE_CLUSTER_SCHEMA } from './cluster-migrations.js';
import type { ClusterStore, LeaderLease, NodeRecord, QueueLeaseSummary } from './cluster-store.js';

export interface SqliteClusterStoreOptions {
  /** The database file (`queue.path`). */
  readonly path: string;
  readonly clock?: Clock;
}

export interface NodeRow {
  readonly node_id: string;
  readonly name: string;
  readonly host: string;
  readonly pid: number;
  readonly owner: string;
  readonly roles: string;
  readonly version: string;
  readonly started_at: number;
  readonly heartbeat_at: number;
  readonly stopped_at: number | null;
}

/**
 * The cluster store of the embedded default: one node on one SQLite file, so
 * the "database clock" is this process's clock, and every leader lease is
 * always granted (nobody else can run a singleton loop on this file: the
 * queue has one writer process). The tables are still written, so
 * `baton cluster status` shows the same picture as on PostgreSQL.
 */
export function openSqliteClusterStore(opts: SqliteClusterStoreOptions): ClusterStore {
  const clock = opts.clock ?? systemClock;
  const db = openConcernDatabase(opts.path, SQLITE_CLUSTER_SCHEMA);
  // These writes run on the main thread every heartbeat: never wait for the file's write
  // lock (better-sqlite3 would block the event loop for busy_timeout). A beat or a lease
  // renewal that finds the file busy is skipped: on one node nobody else judges them.
  db.pragma(`busy_timeout = ${BUSY_WAIT_MS}`);
  const insert = db.prepare(
    `INSERT OR REPLACE INTO cluster_nodes (node_id, name, host, pid, owner, roles, version, started_at, heartbeat_at, stopped_at, schema_version)
     VALUES (@nodeId, @name, @host, @pid, @owner, @roles, @version, @now, @now, NULL, ${ROW_SCHEMA_VERSION})`,
  );
  // A restart replaces its stopped row; rows silent for a day (stopped, or dead after a crash) go too.
  const prune = db.prepare('DELETE FROM cluster_nodes WHERE (stopped_at IS NOT NULL AND name = ?) OR heartbeat_at < ?');
  const beat = db.prepare('UPDATE cluster_nodes SET heartbeat_at = ? WHERE node_id = ?');
  const stop = db.prepare('UPDATE cluster_nodes SET stopped_at = ?, heartbeat_at = ? WHERE node_id = ?');
  const dropLeases = db.prepare('DELETE FROM cluster_leader_leases WHERE holder = ?');
  const listNodes = db.prepare('SELECT * FROM cluster_nodes ORDER BY name, started_at');
  const hold = db.prepare('INSERT OR REPLACE INTO cluster_leader_leases (name, holder, until) VALUES (?, ?, ?)');
  const release = db.prepare('DELETE FROM cluster_leader_leases WHERE name = ? AND holder = ?');
  const readLease = db.prepare('SELECT holder, until FROM cluster_leader_leases WHERE name = ?');
  const listLeases = db.prepare('SELECT name, holder, until FROM cluster_leader_leases ORDER BY name');
  const addTokens = db.prepare(
    `INSERT INTO cluster_rate_windows (key, window_start, used) VALUES (@key, @start, min(@want, @limit))
     ON CONFLICT (key, window_start) DO UPDATE SET used = min(used + @want, @limit)`,
  );
  const readUsed = db.prepare('SELECT used FROM cluster_rate_windows WHERE key = ? AND window_start = ?').pluck();
  const oldWindows = db.prepare('DELETE FROM cluster_rate_windows WHERE key = ? AND window_start < ?');
  // One transaction: read the count before, add, and the difference is what was granted.
  const take = db.transaction((key: string, start: number, limit: number, want: number) => {
    oldWindows.run(key, start);
    const before = (readUsed.get(key, start) as number | undefined) ?? 0;
    addTokens.run({ key, start, want, limit });
    return Math.max(0, Math.min(want, limit - before));
  });
  const queueLeases = () => {
    // The queue's own table in the same file (queue/sqlite/migrations.ts); absent until the queue has migrated.
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'recipients'").get();
    if (!exists) return [];
    return db
      .prepare(
        `SELECT lease_owner AS owner, count(*) AS count, min(lease_until) AS earliestUntil, max(lease_until) AS latestUntil
         FROM recipients WHERE lease_owner IS NOT NULL AND status = 'pending' GROUP BY lease_owner ORDER BY lease_owner`,
      )
      .all() as QueueLeaseSummary[];
  };

  return {
    async register(node) {
      // At start the queue's writer may hold the lock for a while: wait for it without blocking.
      for (let tries = 1; ; tries++) {
        try {
          const now = clock.now();
          prune.run(node.name, now - KEEP_STOPPED_MS);
          insert.run({ ...node, roles: node.roles.join(','), now });
          return;
        } catch (err) {
          if (!isBusy(err) || tries >= 100) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async heartbeat(nodeId) {
      return skipIfBusy(() => beat.run(clock.now(), nodeId).changes > 0, true);
    },
    async markStopped(nodeId) {
      const now = clock.now();
      skipIfBusy(() => (stop.run(now, now, nodeId), dropLeases.run(nodeId)), undefined);
    },
    async nodes() {
      return { now: clock.now(), nodes: (listNodes.all() as NodeRow[]).map(toNode) };
    },
    async acquireLeader(name, holder, ttlMs) {
      // Rewritten only when half the lease is gone: each write is an fsync on the main thread, beside the queue's writer.
      const now = clock.now();
      const held = readLease.get(name) as { holder: string; until: number } | undefined;
      if (held?.holder !== holder || held.until - now < ttlMs / 2) skipIfBusy(() => hold.run(name, holder, now + ttlMs), undefined);
      return true;
    },
    async releaseLeader(name, holder) {
      release.run(name, holder);
    },
    async leaders() {
      return { now: clock.now(), leases: listLeases.all() as LeaderLease[] };
    },
    async takeTokens(key, windowMs, limit, want) {
      const now = clock.now();
      const start = now - (now % windowMs);
      const granted = take.immediate(key, start, limit, want);
      return { granted, windowEndsInMs: start + windowMs - now, windowStart: start };
    },
    async queueLeases() {
      return queueLeases();
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

/** How long a cluster write waits for the file's write lock before it is skipped. */
const BUSY_WAIT_MS = 50;

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED';
}

/** Run a periodic write; if the file is busy (another writer), skip it and answer `skipped`. */
function skipIfBusy<T>(write: () => T, skipped: T): T {
  try {
    return write();
  } catch (err) {
    if (isBusy(err)) return skipped;
    throw err;
  }
}

export function toNode(r: NodeRow): NodeRecord {
  return {
    nodeId: r.node_id,
    name: r.name,
    host: r.host,
    pid: r.pid,
    owner: r.owner,
    roles: r.roles === '' ? [] : r.roles.split(','),
    version: r.version,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    ...(r.stopped_at !== null ? { stoppedAt: r.stopped_at } : {}),
  };
}
