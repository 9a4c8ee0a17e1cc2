import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { TEST_PG_URL, openTestPgDatabase } from '../../../test/helpers/pg.js';
import { openPgQueueStore } from './index.js';

// The child enqueues with many requests in flight (group commits in progress) and prints each
// queue id only after its enqueue resolved: what the SMTP session would have answered 250 for.
const CHILD = `
import { openPgDatabase } from ${JSON.stringify(new URL('../../postgres/index.js', import.meta.url).href)};
import { openPgQueueStore } from ${JSON.stringify(new URL('./index.js', import.meta.url).href)};
import { newQueueId, systemClock } from ${JSON.stringify(new URL('../../core/index.js', import.meta.url).href)};
const db = openPgDatabase({ url: process.argv[1], schema: process.argv[2], poolSize: 4, applicationName: 'crash-' + process.argv[2] });
const store = await openPgQueueStore({ db });
let i = 0;
async function one() {
  const k = i++;
  const id = newQueueId(systemClock);
  const rcpts = Array.from({ length: 1 + (k % 4) }, (_, j) => ({ address: { local: 'r' + j, domain: 'kill.test' } }));
  const size = 500 + ((k * 7919) % 60000);
  await store.enqueue({ id, envelope: { mailFrom: { local: 's' + k, domain: 'kill.test' }, recipients: rcpts, params: {} },
    origin: { kind: 'local' }, message: Buffer.alloc(size, k % 251), receivedAt: Date.now(), expiresAt: Date.now() + 1e6,
    events: [{ type: 'accepted', queueId: id, at: Date.now(), sender: 's' + k + '@kill.test', recipients: [], size, origin: { kind: 'local' } }] });
  process.stdout.write(id + ' ' + rcpts.length + ' ' + size + '\\n');
}
for (;;) await Promise.all(Array.from({ length: 16 }, one));
`;

test('after kill -9 of a node during enqueues every acknowledged message is complete and no message is partial', { timeout: 90_000 }, async () => {
  for (let round = 0; round < 3; round++) {
    const db = await openTestPgDatabase();
    try {
      const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, TEST_PG_URL, db.schema], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
      const started = Date.now();
      while (out.split('\n').length < 50 && Date.now() - started < 30_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 300)));
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL', `child died by itself: ${err}`);
      // The server finishes a statement already running when its client dies (and commits it,
      // unacknowledged): read the outcome only once the child's connections are gone.
      const until = Date.now() + 30_000;
      while ((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [`crash-${db.schema}`])).rows[0]?.n) {
        assert.ok(Date.now() < until, "the killed child's database connections did not end");
        await new Promise((r) => setTimeout(r, 20));
      }
      // Only whole lines: the kill may cut the last one short ("<id> 2 12" of a 12345-byte message).
      const acked = out.split('\n').slice(0, -1).filter((l) => l.split(' ').length === 3);
      assert.ok(acked.length >= 50, `the child acknowledged ${acked.length} messages`);
      const rows = await db.query<{ id: string; len: number; size: number; rcpts: number; pending: number; events: number }>(
        `SELECT m.id, octet_length(m.body) AS len, m.size, m.pending,
           (SELECT count(*) FROM recipients r WHERE r.queue_id = m.id) AS rcpts,
           (SELECT count(*) FROM events e WHERE e.queue_id = m.id) AS events
         FROM messages m`,
      );
      const byId = new Map(rows.rows.map((r) => [r.id, r]));
      for (const line of acked) {
        const [id, rcpts, size] = line.split(' ');
        const row = byId.get(id ?? '');
        assert.ok(row, `acknowledged message ${id} survived`);
        assert.deepEqual([row.len, row.size, row.rcpts, row.pending, row.events], [Number(size), Number(size), Number(rcpts), Number(rcpts), 1]);
      }
      // Messages committed but not yet acknowledged when the node died are whole too: a statement commits entirely or not at all.
      for (const r of rows.rows) assert.ok(r.rcpts === r.pending && r.rcpts >= 1 && r.events === 1, `partial message ${r.id}`);
      // The store opens on what is left and works.
      const store = await openPgQueueStore({ db });
      assert.equal((await store.stats()).messages, rows.rows.length);
      await store.close();
    } finally {
      await db.close();
    }
  }
});
