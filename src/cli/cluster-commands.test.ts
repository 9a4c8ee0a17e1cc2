import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freshPgSchema, TEST_PG_URL } from '../../test/helpers/pg.js';
import { runCli } from '../../test/helpers/run-cli.js';
import { openSqliteClusterStore, type ClusterStatus } from '../cluster/index.js';
import { parseConfig } from '../config/index.js';
import { newQueueId, systemClock } from '../core/index.js';
import { openSqliteQueueStore } from '../queue/sqlite/index.js';
import { openClusterStore } from '../stores/index.js';
import { registerClusterCommands } from './cluster-commands.js';
import { migrateAll, registerMigrateCommand } from './migrate-command.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-cluster-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'queue.db');
const config = parseConfig({ queue: { path } }, dir);

function baton(...args: string[]) {
  return runCli(
    (program, out) =>
      registerClusterCommands(program, {
        open: async () => {
          const cluster = await openClusterStore(config);
          return { config, cluster, close: () => cluster.close() };
        },
        out,
      }),
    args,
  );
}

test('baton cluster status --json on SQLite: the node, its leader leases and its queue leases', async () => {
  const queue = await openSqliteQueueStore({ path });
  const cluster = openSqliteClusterStore({ path });
  const owner = 'host1:123:456:abcd';
  await cluster.register({ nodeId: owner, name: 'mx1', host: 'host1', pid: 123, owner, roles: ['inbound', 'delivery'], version: '0.1.0' });
  await cluster.register({ nodeId: 'old', name: 'mx0', host: 'host0', pid: 1, owner: 'old', roles: ['delivery'], version: '0.0.9' });
  await cluster.markStopped('old');
  await cluster.acquireLeader('finisher', owner, 15_000);
  const now = Date.now();
  await queue.enqueueClaimed(
    { id: newQueueId(systemClock), envelope: { mailFrom: null, recipients: [{ address: { local: 'a', domain: 'x.test' } }, { address: { local: 'b', domain: 'x.test' } }], params: {} }, origin: { kind: 'local' }, message: Buffer.from('\r\n'), receivedAt: now, expiresAt: now + 86_400_000 },
    { owner, leaseMs: 60_000 },
  );
  await cluster.close();
  await queue.close();

  const r = await baton('cluster', 'status', '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as ClusterStatus;
  assert.equal(s.backend, 'sqlite');
  assert.deepEqual(s.nodes.map((n) => [n.name, n.state, n.roles.join(','), n.version]), [['mx0', 'stopped', 'delivery', '0.0.9'], ['mx1', 'alive', 'inbound,delivery', '0.1.0']]);
  assert.ok((s.nodes[1]?.heartbeatAgeMs ?? -1) >= 0);
  assert.deepEqual(s.leaders.map((l) => [l.name, l.holder]), [['finisher', 'mx1']]);
  assert.deepEqual(s.queueLeases.map((q) => [q.node, q.state, q.recipients]), [['mx1', 'alive', 2]]);
  assert.ok((s.queueLeases[0]?.soonestEndsInMs ?? 0) > 50_000);

  const text = await baton('cluster', 'status');
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^NODE\s+HOST\s+PID\s+ROLES\s+STATE\s+HEARTBEAT\s+VERSION$/m);
  assert.match(text.out, /^mx1\s+host1\s+123\s+inbound,delivery\s+alive\s+[\d.]+ s ago\s+0\.1\.0$/m);
  assert.match(text.out, /^finisher\s+mx1\s+[\d.]+ s$/m);
});

test('baton cluster status on a missing database fails with one line, exit 1', async () => {
  const missing = parseConfig({ queue: { path: join(dir, 'nope', 'queue.db') } }, dir);
  const r = await runCli(
    (program, out) =>
      registerClusterCommands(program, {
        open: async () => {
          const cluster = await openClusterStore(missing);
          return { config: missing, cluster, close: () => cluster.close() };
        },
        out,
      }),
    ['cluster', 'status'],
  );
  assert.equal(r.code, 1);
  assert.match(r.err, /^baton: no queue database at .*nope/);
});

test('baton migrate (SQLite): every concern at its level, the cluster included', async () => {
  const levels = await migrateAll(parseConfig({ queue: { path: join(dir, 'fresh.db') } }, dir));
  assert.equal(levels.cluster, 1);
  assert.ok((levels.queue ?? 0) >= 1, JSON.stringify(levels));
  assert.ok(Object.keys(levels).length >= 12, JSON.stringify(levels));
});

test('baton migrate with PostgreSQL unreachable: one clear line, exit 1, and the URL\'s password is not printed', async () => {
  const r = await runCli(
    (program, out) => registerMigrateCommand(program, { loadConfig: () => parseConfig({ queue: { url: 'postgres://baton:s3cret@127.0.0.1:1/baton' } }, dir), out }),
    ['migrate'],
  );
  assert.equal(r.code, 1);
  assert.match(r.err, /^baton: cannot reach PostgreSQL at 127\.0\.0\.1:1\/baton \(.*\); nothing was migrated/);
  assert.doesNotMatch(r.err, /s3cret/);
});

test('baton cluster status on PostgreSQL: the cluster store alone, on its own pool', async () => {
  const schema = await freshPgSchema();
  const pg = parseConfig({ queue: { url: TEST_PG_URL, schema } }, dir);
  const store = await openClusterStore(pg);
  await store.register({ nodeId: 'n1', name: 'pg-node', host: 'h', pid: 7, owner: 'n1', roles: ['delivery'], version: '0.1.0' });
  await store.close();
  const r = await runCli(
    (program, out) =>
      registerClusterCommands(program, {
        open: async () => {
          const cluster = await openClusterStore(pg);
          return { config: pg, cluster, close: () => cluster.close() };
        },
        out,
      }),
    ['cluster', 'status', '--json'],
  );
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as ClusterStatus;
  assert.equal(s.backend, 'postgresql');
  assert.deepEqual(s.nodes.map((n) => [n.name, n.state]), [['pg-node', 'alive']]);
});
