import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseConfig } from '../config/index.js';
import { newQueueId, systemClock, systemRandom, type QueueId } from '../core/index.js';
import { silentLogger } from '../log/index.js';
import { openSqliteQueueStore } from '../queue/sqlite/index.js';
import type { ClaimedMessage, EnqueueRequest, QueueStore } from '../queue/index.js';
import { DeliveryEngine } from './engine.js';
import type { DeliveryJob, RecipientVerdict } from './job.js';
import { Shaper } from './throttle/index.js';
import { OutboundTransforms } from './transforms/index.js';
import { TransportRouter, type Transport } from './transports/index.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-engine-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function request(): EnqueueRequest {
  const now = Date.now();
  return {
    id: newQueueId(systemClock),
    envelope: { mailFrom: { local: 'a', domain: 'example.test' }, recipients: [{ address: { local: 'b', domain: 'example.test' } }], params: {} },
    origin: { kind: 'local' },
    message: Buffer.from('Subject: t\r\n\r\nhi\r\n'),
    receivedAt: now,
    expiresAt: now + 86_400_000,
  };
}

test('a message accepted while the previous one is removed by its outcome is delivered too (row ids are not reused)', async () => {
  const store = await openSqliteQueueStore({ path: join(dir, 'reuse.db') });
  const config = parseConfig({ routes: [{ domains: ['*'], smarthost: '127.0.0.1:1', tls: 'none' }] }, dir);
  const owner = `test:${process.pid}:engine`;
  const delivered: QueueId[] = [];
  let twoDelivered!: () => void;
  const both = new Promise<void>((res) => (twoDelivered = res));
  let second: Promise<ClaimedMessage> | undefined;
  let engine: DeliveryEngine | undefined;
  const recording: Transport = {
    send: async (job: DeliveryJob): Promise<RecipientVerdict[]> => {
      delivered.push(job.message.id);
      if (delivered.length === 2) twoDelivered();
      return job.recipients.map((row) => ({ row, outcome: { verdict: 'delivered', scope: 'recipient', stage: 'data' } }));
    },
  };
  // As intake does: a message accepted while the first one's outcome is being
  // committed is enqueued in the same writer batch, right after the record
  // that removes the first message. Were its row id the first one's (SQLite's
  // default max + 1), the engine, still holding that id, would drop it.
  const raced: QueueStore = {
    ...store,
    recordOutcomes(updates, opts) {
      const recorded = store.recordOutcomes(updates, opts);
      if (!second) {
        const req = request();
        second = store.enqueueClaimed(req, { owner, leaseMs: 60_000 });
        void second.then((claim) => engine?.adopt(claim, req.message));
      }
      return recorded;
    },
  };
  engine = new DeliveryEngine({
    config,
    store: raced,
    clock: systemClock,
    random: systemRandom,
    logger: silentLogger(),
    owner,
    router: new TransportRouter(config, { mx: recording, smarthost: recording, lmtp: recording, maildir: recording }),
    outbound: new OutboundTransforms([]),
    throttle: new Shaper({ delivery: config.delivery, shaping: config.shaping, providers: [], clock: systemClock, onChange: () => {} }),
  });
  try {
    engine.start();
    const firstReq = request();
    const first = await store.enqueueClaimed(firstReq, { owner, leaseMs: 60_000 });
    engine.adopt(first, firstReq.message);
    // Resolved by the second delivery. The bug this guards against drops the second
    // message until its 60 s lease runs out, so a 20 s bound only catches "never".
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([both, new Promise<void>((res) => (timer = setTimeout(res, 20_000)))]);
    clearTimeout(timer);
    const secondClaim = await second;
    assert.ok(secondClaim, 'the second message was enqueued during the first one\'s record');
    assert.notEqual(secondClaim.recipients[0]?.rowId, first.recipients[0]?.rowId, 'row ids are never reused');
    assert.deepEqual(delivered, [first.message.id, secondClaim.message.id]);
  } finally {
    await engine.stop(1000);
    await store.close();
  }
});
