import type { Command } from 'commander';
import { clusterStatus, type ClusterStatus, type ClusterStore } from '../cluster/index.js';
import type { Config } from '../config/index.js';
import { formatTable } from './format-table.js';
import { withStore } from './with-store.js';

export interface ClusterCommandDeps {
  /** The config and the cluster store (opened through the store factory, so SQLite or PostgreSQL as configured). */
  readonly open: (configFile?: string) => Promise<{ readonly config: Config; readonly cluster: ClusterStore; close(): Promise<void> }>;
  readonly out?: (text: string) => void;
}

/** `baton cluster status [--json]`: the nodes, their roles and heartbeats, the leader leases and the queue leases per owner. */
export function registerClusterCommands(program: Command, deps: ClusterCommandDeps): Command {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const cluster = program.command('cluster').description('the nodes sharing this queue (docs/cluster.md)');
  cluster
    .command('status')
    .description('nodes (roles, heartbeat age, alive/dead/stopped, version), leader leases and their holders, queue leases held per owner')
    .option('-c, --config <file>', 'configuration file (default: the embedded default)')
    .option('--json', 'print JSON')
    .action(
      withStore(deps.open, 'baton.cluster', async (s, cmd) => {
        const status = await clusterStatus(s.cluster, s.config);
        out(cmd.opts<{ json?: boolean }>().json ? `${JSON.stringify(status, null, 2)}\n` : formatClusterStatus(status));
      }),
    );
  return cluster;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatClusterStatus(s: ClusterStatus): string {
  const parts = [`backend: ${s.backend}, database time ${s.now}, dead after ${seconds(s.deadAfterMs)} without a heartbeat\n`];
  parts.push(
    s.nodes.length === 0
      ? 'nodes: none registered\n'
      : formatTable(
          [{ header: 'NODE' }, { header: 'HOST' }, { header: 'PID', align: 'right' }, { header: 'ROLES' }, { header: 'STATE' }, { header: 'HEARTBEAT', align: 'right' }, { header: 'VERSION' }],
          s.nodes.map((n) => [n.name, n.host, String(n.pid), n.roles.join(','), n.state, n.state === 'stopped' ? '-' : `${seconds(n.heartbeatAgeMs)} ago`, n.version]),
        ),
  );
  parts.push(
    s.leaders.length === 0
      ? 'leader leases: none held\n'
      : formatTable(
          [{ header: 'LEADER LEASE' }, { header: 'HOLDER' }, { header: 'EXPIRES IN', align: 'right' }],
          s.leaders.map((l) => [l.name, l.holder, l.expiresInMs >= 0 ? seconds(l.expiresInMs) : 'ended']),
        ),
  );
  parts.push(
    s.queueLeases.length === 0
      ? 'queue leases: none held\n'
      : formatTable(
          [{ header: 'QUEUE LEASE OWNER', max: 60 }, { header: 'NODE' }, { header: 'STATE' }, { header: 'RECIPIENTS', align: 'right' }, { header: 'FIRST ENDS IN', align: 'right' }],
          s.queueLeases.map((q) => [q.owner, q.node ?? '-', q.state, String(q.recipients), q.soonestEndsInMs >= 0 ? seconds(q.soonestEndsInMs) : 'ended']),
        ),
  );
  return parts.join('');
}
