import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseConfig, type Config } from '../config/index.js';
import { newQueueId, systemClock, systemRandom } from '../core/index.js';
import { silentLogger } from '../log/index.js';
import type { QueueStore } from '../queue/index.js';
import { openSqliteQueueStore } from '../queue/sqlite/index.js';
import { DeliveryEngine } from './engine.js';
import type { DeliveryJob, RecipientVerdict } from './job.js';
import type { OwnerLiveness } from './take-over.js';
import { Shaper } from './throttle/index.js';
import { OutboundTransforms } from './transforms/index.js';
import { TransportRouter, type Transport } from './transports/index.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-engine-takeover-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An engine on one transport with a liveness judge that calls nobody dead and asks `mayClaim` about our heartbeat. */
function clusterEngine(o: { config: Config; store: QueueStore; owner: string; transport: Transport; mayClaim: () => boolean }): DeliveryEngine {
  const { config, store, owner, transport } = o;
  return new DeliveryEngine({
    config, store, clock: systemClock, random: systemRandom, logger: silentLogger(), owner,
    router: new TransportRouter(config, { mx: transport, smarthost: transport, lmtp: transport, maildir: transport }),
    outbound: new OutboundTransforms([]),
    throttle: new Shaper({ delivery: config.delivery, shaping: config.shaping, providers: [], clock: systemClock, onChange: () => {} }),
    liveness: { deadOwners: async () => [], mayClaim: o.mayClaim },
    takeOverEveryMs: 100,
  });
}

test('the engine takes over a dead node\'s leases within one takeover interval, and claims nothing while its own heartbeat fails', async () => {
  const store = await openSqliteQueueStore({ path: join(dir, 'q.db') });
  const config = parseConfig({ routes: [{ domains: ['*'], smarthost: '127.0.0.1:1', tls: 'none' }] }, dir);
  const delivered: string[] = [];
  const recording: Transport = {
    send: async (job: DeliveryJob): Promise<RecipientVerdict[]> => {
      delivered.push(job.message.id);
      return job.recipients.map((row) => ({ row, outcome: { verdict: 'delivered', scope: 'recipient', stage: 'data' } }));
    },
  };
  // The judge's answers, set by the test: which owners are dead, and whether our heartbeat is good.
  let deadNow = false;
  let mayClaim = false;
  const liveness: OwnerLiveness = { deadOwners: async (owners) => (deadNow ? owners.filter((o) => o.startsWith('other-host:')) : []), mayClaim: () => mayClaim };
  const now = Date.now();
  const { message } = await store.enqueueClaimed(
    { id: newQueueId(systemClock), envelope: { mailFrom: null, recipients: [{ address: { local: 'r', domain: 'x.test' } }], params: {} }, origin: { kind: 'local' }, message: Buffer.from('Subject: t\r\n\r\nhi\r\n'), receivedAt: now, expiresAt: now + 86_400_000 },
    { owner: 'other-host:1:0:dead', leaseMs: 600_000 },
  );
  const engine = new DeliveryEngine({
    config,
    store,
    clock: systemClock,
    random: systemRandom,
    logger: silentLogger(),
    owner: 'this-host:2:0:me',
    router: new TransportRouter(config, { mx: recording, smarthost: recording, lmtp: recording, maildir: recording }),
    outbound: new OutboundTransforms([]),
    throttle: new Shaper({ delivery: config.delivery, shaping: config.shaping, providers: [], clock: systemClock, onChange: () => {} }),
    liveness,
    takeOverEveryMs: 100,
  });
  try {
    engine.start();
    await sleep(400);
    assert.deepEqual(await store.leaseOwners(), ['other-host:1:0:dead'], 'alive (by its heartbeat): its lease stands');
    deadNow = true;
    const deadAt = Date.now();
    while ((await store.leaseOwners()).length > 0 && Date.now() - deadAt < 5000) await sleep(20);
    const releasedMs = Date.now() - deadAt;
    assert.ok(releasedMs < 1500, `released ${releasedMs} ms after the judge called it dead (takeover every 100 ms, claim loop polls each second)`);
    assert.equal(engine.wants(), true, 'intake still hands new mail over while fenced (it waits in memory, lease checked at the lift)');
    await sleep(1500);
    assert.deepEqual(delivered, [], 'our heartbeat is failing: nothing claimed');
    mayClaim = true;
    const fineAt = Date.now();
    while (delivered.length === 0 && Date.now() - fineAt < 5000) await sleep(20);
    assert.deepEqual(delivered, [message.id], 'claimed and delivered once the heartbeat is good again');
  } finally {
    await engine.stop(1000);
    await store.close();
  }
});

test('a database outage mid-attempt: the outcome is retried until the store is back (no lease left to expire, no second send); jobs queued while fenced go back to the queue', async () => {
  const real = await openSqliteQueueStore({ path: join(dir, 'outage.db') });
  let down = false;
  const unavailable = () => Promise.reject(Object.assign(new Error('Connection terminated'), { code: 'ECONNRESET' }));
  const store = { ...real, recordOutcomes: (...a: Parameters<typeof real.recordOutcomes>) => (down ? unavailable() : real.recordOutcomes(...a)) } as typeof real;
  const config = parseConfig({ routes: [{ domains: ['*'], smarthost: '127.0.0.1:1', tls: 'none' }] }, dir);
  const sent: string[] = [];
  let openGate!: () => void;
  const gate = new Promise<void>((r) => (openGate = r));
  const transport: Transport = {
    send: async (job: DeliveryJob): Promise<RecipientVerdict[]> => {
      if (sent.length === 0) await gate; // the first attempt is on the wire when the database goes away
      sent.push(job.message.id);
      return job.recipients.map((row) => ({ row, outcome: { verdict: 'delivered', scope: 'recipient', stage: 'data' } }));
    },
  };
  let mayClaim = true;
  const owner = 'this-host:3:0:me';
  const engine = clusterEngine({ config, store, owner, transport, mayClaim: () => mayClaim });
  const enqueue = async (leaseTo?: string) => {
    const now = Date.now();
    const req = { id: newQueueId(systemClock), envelope: { mailFrom: null, recipients: [{ address: { local: 'r', domain: 'x.test' } }], params: {} }, origin: { kind: 'local' as const }, message: Buffer.from('Subject: t\r\n\r\nhi\r\n'), receivedAt: now, expiresAt: now + 86_400_000 };
    return leaseTo ? { claim: await real.enqueueClaimed(req, { owner: leaseTo, leaseMs: 600_000 }), body: req.message } : (await real.enqueue(req), { claim: undefined, body: req.message });
  };
  try {
    engine.start();
    const first = await enqueue(owner);
    engine.adopt(first.claim as NonNullable<typeof first.claim>, first.body);
    await sleep(200);
    down = true;
    mayClaim = false; // the heartbeat fails too
    openGate();
    await sleep(300);
    // A second message handed over while fenced: queued in memory, never attempted.
    const second = await enqueue(owner);
    engine.adopt(second.claim as NonNullable<typeof second.claim>, second.body);
    await sleep(1500);
    assert.deepEqual(sent, [first.claim?.message.id], 'only the attempt already on the wire was sent');
    assert.equal((await real.stats()).recipients.pending, 2, 'the first outcome is not recorded yet');
    down = false;
    mayClaim = true;
    const backAt = Date.now();
    while ((await real.stats()).messages > 0 && Date.now() - backAt < 8000) await sleep(50);
    assert.equal((await real.stats()).messages, 0, 'both recorded: the first by its retry, the second claimed again after the hand-back');
    assert.deepEqual([...sent].sort(), [first.claim?.message.id, second.claim?.message.id].sort(), 'each sent once');
  } finally {
    await engine.stop(1000);
    await real.close();
  }
});

test('after a heartbeat outage the engine keeps its queued jobs whose leases are still its own (not handed to the shared queue for the first claimer), adopts while fenced, and drops the ones another node took', async () => {
  const real = await openSqliteQueueStore({ path: join(dir, 'keep.db') });
  const released: number[] = [];
  const store = { ...real, releaseLeases: (rows: readonly number[], o: string) => (released.push(...rows), real.releaseLeases(rows, o)) } as typeof real;
  const config = parseConfig({ routes: [{ domains: ['*'], smarthost: '127.0.0.1:1', tls: 'none' }] }, dir);
  const sent: string[] = [];
  const transport: Transport = {
    send: async (job: DeliveryJob): Promise<RecipientVerdict[]> => {
      sent.push(job.message.id);
      return job.recipients.map((row) => ({ row, outcome: { verdict: 'delivered', scope: 'recipient', stage: 'data' } }));
    },
  };
  let mayClaim = false; // fenced from the start: the database has just come back, our next heartbeat is not through yet
  const owner = 'this-host:4:0:me';
  const engine = clusterEngine({ config, store, owner, transport, mayClaim: () => mayClaim });
  const handOver = async () => {
    const now = Date.now();
    const req = { id: newQueueId(systemClock), envelope: { mailFrom: null, recipients: [{ address: { local: 'r', domain: 'x.test' } }], params: {} }, origin: { kind: 'local' as const }, message: Buffer.from('Subject: t\r\n\r\nhi\r\n'), receivedAt: now, expiresAt: now + 86_400_000 };
    assert.equal(engine.wants(), true, 'intake hands new mail over while fenced');
    const claim = await real.enqueueClaimed(req, { owner, leaseMs: 600_000 });
    engine.adopt(claim, req.message);
    return claim;
  };
  try {
    engine.start();
    const kept = await handOver();
    const taken = await handOver();
    await sleep(300);
    assert.deepEqual(sent, [], 'nothing attempted while fenced');
    // Another node took the second over meanwhile (its lease is the other's now).
    const takenRow = taken.recipients[0]?.rowId ?? -1;
    await real.releaseLeases([takenRow], owner);
    assert.equal((await real.claimDue({ now: Date.now(), limit: 10, leaseMs: 600_000, owner: 'other-host:9:0:them' })).length, 1);
    mayClaim = true;
    const backAt = Date.now();
    while (sent.length === 0 && Date.now() - backAt < 5000) await sleep(20);
    await sleep(200);
    assert.deepEqual(sent, [kept.message.id], 'the job still leased to us is sent by us; the one taken over is not');
    assert.deepEqual(released.filter((r) => r !== takenRow), [], 'no lease of ours went back to the shared queue');
    assert.deepEqual(await real.leaseOwners(), ['other-host:9:0:them'], 'the taken one stays the other node\'s');
  } finally {
    await engine.stop(1000);
    await real.close();
  }
});
