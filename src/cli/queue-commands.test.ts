import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, type CliResult } from '../../test/helpers/run-cli.js';
import { makeReply, type QueueId } from '../core/index.js';
import { openSqliteQueueStore } from '../queue/sqlite/index.js';
import type { EnqueueRequest } from '../queue/store.js';
import { registerQueueCommands } from './queue-commands.js';

const NOW = 1_700_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'baton-qcli-'));
const path = join(dir, 'queue.db');
after(() => rmSync(dir, { recursive: true, force: true }));

const A = '0000000000AAAAAAAAAA' as QueueId;
const B = '0000000000BBBBBBBBBB' as QueueId;

function req(id: QueueId, rcpts: string[], receivedAt: number, body: string): EnqueueRequest {
  return {
    id,
    envelope: {
      mailFrom: id === A ? { local: 'alice', domain: 'example.com' } : null,
      recipients: rcpts.map((r) => ({ address: { local: r.split('@')[0] ?? '', domain: r.split('@')[1] ?? '' } })),
      params: {},
    },
    origin: { kind: 'smtp', clientIp: '127.0.0.1' },
    message: Buffer.from(body),
    receivedAt,
    expiresAt: receivedAt + 86_400_000,
  };
}

before(async () => {
  const s = await openSqliteQueueStore({ path });
  await s.enqueue(req(A, ['bob@one.test', 'carol@two.test'], NOW - 300_000, 'Subject: first\r\nX-Test: 1\r\n\r\nbody A\r\n'));
  await s.enqueue(req(B, ['dave@two.test'], NOW - 60_000, 'Subject: second\r\n\r\nbody B\r\n'));
  const [c] = await s.claimDue({ now: NOW, limit: 1, leaseMs: 1000, owner: 't' });
  await s.recordOutcomes(
    [{ rowId: c?.recipients[0]?.rowId ?? -1, kind: 'deferred', nextAttemptAt: NOW + 240_000, reply: makeReply(451, '4.7.1', 'greylisted') }],
    { owner: 't', now: NOW },
  );
  await s.close();
});

/** Run `baton <args>` in-process; returns stdout, stderr and the exit code commander asked for. */
function baton(...args: string[]): Promise<CliResult> {
  return runCli(
    (program, out) =>
      registerQueueCommands(program, {
        openStores: async (file?: string) => {
          if (file === 'missing.yaml') throw new Error('Cannot read config file missing.yaml: ENOENT');
          const store = await openSqliteQueueStore({ path, mustExist: true });
          return { queue: store, events: store, close: () => store.close() };
        },
        clock: { now: () => NOW },
        out,
      }),
    args,
  );
}

test('queue list prints a mailq-like table with state, next attempt and last reply', async () => {
  const r = await baton('queue', 'list');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.match(lines[0] ?? '', /^QUEUE ID\s+SIZE\s+AGE\s+SENDER \/ RECIPIENT\s+STATE\s+NEXT\s+LAST REPLY \/ ERROR$/);
  assert.match(lines[1] ?? '', /^0000000000BBBBBBBBBB\s+\d+\s+1m\s+<>$/);
  assert.match(lines[2] ?? '', /^\s+dave@two\.test\s+queued\s+now$/);
  assert.match(lines[3] ?? '', /^0000000000AAAAAAAAAA\s+\d+\s+5m\s+alice@example\.com$/);
  assert.match(lines[4] ?? '', /^\s+bob@one\.test\s+deferred\s+in 4m\s+451 4\.7\.1 greylisted$/);
  assert.match(lines[5] ?? '', /^\s+carol@two\.test\s+queued\s+now$/);
  assert.match(r.out, /-- \d+ in 2 messages, 3 recipients\n$/);
});

test('queue list --json gives ids, senders, recipients with status and attempts, sizes and times', async () => {
  const r = await baton('queue', 'list', '--json');
  const list = JSON.parse(r.out) as { id: string; sender: string; size: number; receivedAt: string; held: boolean; recipients: { address: string; status: string; attempts: number; nextAttemptAt: string; lastReply: string | null }[] }[];
  assert.deepEqual(list.map((m) => m.id), [B, A]);
  const a = list[1];
  assert.equal(a?.sender, 'alice@example.com');
  assert.equal(a?.held, false);
  assert.equal(a?.receivedAt, new Date(NOW - 300_000).toISOString());
  assert.deepEqual(a?.recipients[0], {
    address: 'bob@one.test',
    status: 'pending',
    attempts: 1,
    nextAttemptAt: new Date(NOW + 240_000).toISOString(),
    lastReply: '451 4.7.1 greylisted',
    lastError: null,
    remoteMta: null,
    updatedAt: new Date(NOW).toISOString(),
  });
  assert.equal(list[0]?.sender, '');
});

test('queue hold, list --held, release, and show with headers', async () => {
  assert.equal((await baton('queue', 'hold', A)).out, `${A}: held\n`);
  const held = JSON.parse((await baton('queue', 'list', '--held', '--json')).out) as { id: string; held: boolean }[];
  assert.deepEqual(held.map((m) => [m.id, m.held]), [[A, true]]);
  const show = await baton('queue', 'show', A);
  assert.match(show.out, /Queue ID:\s+0000000000AAAAAAAAAA \(held\)/);
  assert.match(show.out, /Subject: first\nX-Test: 1\n$/);
  assert.match(show.out, /Timeline:\nTIME +EVENT +RECIPIENT +DETAIL\n\S+Z +held\n/, 'the hold is on the message\'s timeline');
  assert.doesNotMatch(show.out, /body A/);
  assert.equal((await baton('queue', 'show', A, '--body')).out, 'Subject: first\r\nX-Test: 1\r\n\r\nbody A\r\n');
  const json = JSON.parse((await baton('queue', 'show', A, '--json')).out) as { id: string; inQueue: boolean; timeline: { type: string; queueId: string }[] };
  assert.equal(json.id, A);
  assert.equal(json.inQueue, true);
  assert.deepEqual(json.timeline.map((e) => [e.type, e.queueId]), [['held', A]]);
  assert.equal((await baton('queue', 'release', A)).out, `${A}: released\n`);
});

test('queue stats counts messages and recipients, also as JSON', async () => {
  const r = await baton('queue', 'stats');
  assert.match(r.out, /messages:\s+2 \(0 held\), oldest 5m old/);
  assert.match(r.out, /recipients: 3 pending, 0 delivered/);
  const j = JSON.parse((await baton('queue', 'stats', '--json')).out) as { messages: number; recipients: { pending: number } };
  assert.equal(j.messages, 2);
  assert.equal(j.recipients.pending, 3);
});

test('queue retry by id or domain, and flush, make recipients due now', async () => {
  assert.equal((await baton('queue', 'retry', A)).out, '2 recipients due now\n');
  assert.equal((await baton('queue', 'retry', '--domain', 'TWO.test')).out, '2 recipients due now\n');
  assert.equal((await baton('queue', 'flush')).out, '3 recipients due now\n');
  const r = await baton('queue', 'retry');
  assert.equal(r.code, 1);
  assert.match(r.err, /give either a queue id or --domain/);
});

test('unknown ids, bad options and an unreadable config fail with a message and exit code 1', async () => {
  const missing = await baton('queue', 'show', 'NOPE');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /baton: no message NOPE in the queue/);
  const del = await baton('queue', 'delete', 'NOPE', '--config', 'x.yaml');
  assert.equal(del.code, 1);
  const cfg = await baton('queue', 'list', '--config', 'missing.yaml');
  assert.equal(cfg.code, 1);
  assert.match(cfg.err, /Cannot read config file missing\.yaml/);
  const bad = await baton('queue', 'list', '--status', 'weird');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /weird/);
});

test('queue delete removes messages and the queue then reads empty', async () => {
  assert.equal((await baton('queue', 'delete', A, B)).out, `${A}: deleted\n${B}: deleted\n`);
  assert.equal((await baton('queue', 'list')).out, 'Mail queue is empty\n');
  assert.equal((await baton('queue', 'list', '--json')).out, '[]\n');
});

test('queue show of a message that has left the queue prints its timeline from the events', async () => {
  const gone = await baton('queue', 'show', A);
  assert.equal(gone.code, 0, gone.err);
  assert.match(gone.out, /^Queue ID: +0000000000AAAAAAAAAA \(no longer queued\)\n/);
  assert.match(gone.out, /\S+Z +held\n\S+Z +released\n\S+Z +deleted +deleted by an operator\n$/);
  const json = JSON.parse((await baton('queue', 'show', A, '--json')).out) as { inQueue: boolean; timeline: { type: string }[] };
  assert.deepEqual([json.inQueue, json.timeline.map((e) => e.type)], [false, ['held', 'released', 'deleted']]);
  const body = await baton('queue', 'show', A, '--body');
  assert.equal(body.code, 1);
  assert.match(body.err, /has left the queue; its body is not kept/);
});
