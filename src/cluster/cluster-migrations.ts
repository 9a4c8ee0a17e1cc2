import type { SchemaConcern } from '../sqlite/index.js';

/**
 * The cluster concern's tables. `nodes`: one row per node process (node_id is
 * its lease owner, unique per start). `leader_leases`: one row per singleton
 * loop. `rate_windows`: cluster-wide rate counters, one row per (key, fixed
 * window); old windows are deleted as new ones are written.
 */
export const SQLITE_CLUSTER_SCHEMA: SchemaConcern = {
  name: 'cluster',
  migrations: [
    {
      version: 1,
      name: 'nodes, leader leases, rate windows',
      sql: `
CREATE TABLE cluster_nodes (
  node_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  owner TEXT NOT NULL,
  roles TEXT NOT NULL,
  version TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  stopped_at INTEGER,
  schema_version INTEGER NOT NULL
) STRICT;
CREATE TABLE cluster_leader_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  until INTEGER NOT NULL
) STRICT;
CREATE TABLE cluster_rate_windows (
  key TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  used INTEGER NOT NULL,
  PRIMARY KEY (key, window_start)
) STRICT, WITHOUT ROWID;
`,
    },
  ],
};

/** The same tables on PostgreSQL (ms timestamps in bigint columns, roles as text: never queried inside). */
export const PG_CLUSTER_SCHEMA: SchemaConcern = {
  name: 'cluster',
  migrations: [
    {
      version: 1,
      name: 'nodes, leader leases, rate windows',
      sql: `
CREATE TABLE cluster_nodes (
  node_id text PRIMARY KEY,
  name text NOT NULL,
  host text NOT NULL,
  pid integer NOT NULL,
  owner text NOT NULL,
  roles text NOT NULL,
  version text NOT NULL,
  started_at bigint NOT NULL,
  heartbeat_at bigint NOT NULL,
  stopped_at bigint,
  schema_version integer NOT NULL
);
CREATE INDEX cluster_nodes_owner ON cluster_nodes (owner);
CREATE TABLE cluster_leader_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  until bigint NOT NULL
);
CREATE TABLE cluster_rate_windows (
  key text NOT NULL,
  window_start bigint NOT NULL,
  used integer NOT NULL,
  last_granted integer NOT NULL DEFAULT 0,
  PRIMARY KEY (key, window_start)
);
`,
    },
  ],
};

/** Rows of stopped or dead nodes are kept this long for `baton cluster status`, then pruned when a node registers. */
export const KEEP_STOPPED_MS = 24 * 3_600_000;
