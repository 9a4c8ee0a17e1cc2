import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { startBaton, type Baton } from './baton.js';
import { freshPgSchema, TEST_PG_URL } from './pg.js';
import { startSmtpSink, type SmtpSinkHandle } from './smtp-sink.js';

/**
 * Several real Baton processes on one PostgreSQL schema (issue 13), each with
 * its own listener, data directory and `cluster.nodeName`, all relaying to one
 * Postfix smtp-sink through a route: the rig of the cluster e2e tests.
 *
 * `separateHosts` (default: on when we may unshare): each node runs in its own
 * UTS namespace with its own hostname, as nodes on separate machines do. Lease
 * owners are "host:pid:start:random" (src/delivery/lease-owner.ts) and a node
 * releases the leases of dead processes *on its own host* by looking at /proc;
 * on one shared hostname a killed node would be taken over that way and the
 * test would not show the heartbeat-based takeover a real cluster relies on.
 */
export interface ClusterOptions {
  readonly nodes: number;
  /** PostgreSQL URL every node uses (a TcpProxy's, for outage tests). Default TEST_PG_URL. */
  readonly pgUrl?: string;
  /** Schema; a fresh one (dropped after the test file) when absent. */
  readonly schema?: string;
  readonly heartbeat?: string;
  readonly deadAfter?: string;
  /** Merged into each node's config; `delivery`, `queue` and `cluster` are merged one level deep. */
  readonly config?: Record<string, unknown>;
  /** Extra smtp-sink flags (e.g. ['-w', '1']: wait 1 s before answering DATA, so attempts stay in flight). */
  readonly sinkArgs?: readonly string[];
  readonly separateHosts?: boolean;
  readonly expectedErrors?: readonly RegExp[];
}

export interface ClusterNode extends Baton {
  readonly name: string;
  /** The hostname the node sees (its lease owners start with it). */
  readonly host: string;
  /** The server's PID (lease owners are "host:pid:start:random"). */
  pid(): number;
}

/** One message the sink received completely (its trailer line arrived). */
export interface SinkDelivery {
  readonly seq: string;
  /** When the dump file was last written (ms): the end of the transaction. */
  readonly at: number;
}

export interface Cluster {
  readonly schema: string;
  readonly pgUrl: string;
  readonly sink: SmtpSinkHandle;
  readonly nodes: readonly ClusterNode[];
  /** Every completed delivery at the sink, by the load's sequence tag. */
  deliveries(): Promise<SinkDelivery[]>;
  /** A query on the cluster's schema, straight to PostgreSQL (not through any proxy). */
  sql<T extends Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** Whether this process may give each node its own hostname (root and util-linux unshare). */
export function canSeparateHosts(): boolean {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  return spawnSync('unshare', ['--uts', 'true']).status === 0;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const schema = opts.schema ?? (await freshPgSchema('cl'));
  const pgUrl = opts.pgUrl ?? TEST_PG_URL;
  const sink = await startSmtpSink({ args: opts.sinkArgs ?? [] });
  const separate = opts.separateHosts ?? canSeparateHosts();
  const extra = opts.config ?? {};
  const nodes: ClusterNode[] = [];
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  await client.query(`SET search_path = ${schema}`);
  try {
    // One after the other: the first applies the migrations (under an advisory lock in any case).
    for (let i = 0; i < opts.nodes; i++) {
      const name = `node${i + 1}`;
      const host = separate ? `${name}-host` : (await import('node:os')).hostname();
      const b = await startBaton({
        config: {
          hostname: `${name}.baton.test`,
          listeners: [{ role: 'mx' }],
          limits: { connectionsPerClient: 10_000, maxConnections: 10_000 },
          ...extra,
          routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
          queue: { url: pgUrl, schema, retry: { first: '1s', max: '2s', jitter: 0 }, ...(extra.queue as object | undefined) },
          cluster: { nodeName: name, heartbeat: opts.heartbeat ?? '500ms', deadAfter: opts.deadAfter ?? '3s', ...(extra.cluster as object | undefined) },
          delivery: { siteBackoff: '0s', leaseTime: '10m', ...(extra.delivery as object | undefined) },
        },
        readyTimeoutMs: 30_000,
        expectedErrors: opts.expectedErrors ?? [],
        ...(separate ? { wrap: ['unshare', '--uts', 'sh', '-c', `hostname ${host} && exec "$0" "$@"`] } : {}),
      });
      nodes.push(Object.assign(b, { name, host, pid: () => b.process.pid ?? 0 }));
    }
  } catch (err) {
    await Promise.allSettled(nodes.map((n) => n.kill9()));
    await sink.stop();
    await client.end();
    throw err;
  }
  return {
    schema,
    pgUrl,
    sink,
    nodes,
    deliveries: () => readDeliveries(sink.dumpDir),
    async sql<T extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) {
      return (await client.query(text, params as unknown[])).rows as T[];
    },
    async stop() {
      const stopped = await Promise.allSettled(nodes.map((n) => (n.alive() ? n.stop() : Promise.resolve(null))));
      await sink.stop();
      await client.end();
      const failed = stopped.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/**
 * Completed dumps only: a message ends with its trailer line "END <seq>" and
 * smtp-sink's closing empty line, so a transaction cut by a kill (dumped in
 * part) is not counted as delivered.
 */
async function readDeliveries(dir: string): Promise<SinkDelivery[]> {
  const out: SinkDelivery[] = [];
  for (const f of await readdir(dir)) {
    if (!f.startsWith('msg.')) continue;
    const path = join(dir, f);
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const m = /\nEND (\S+)\n\n$/.exec(text);
    if (m) out.push({ seq: m[1] as string, at: st.mtimeMs });
  }
  return out;
}

/** How often each sequence tag arrived. */
export function countBySeq(deliveries: readonly SinkDelivery[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of deliveries) counts.set(d.seq, (counts.get(d.seq) ?? 0) + 1);
  return counts;
}
