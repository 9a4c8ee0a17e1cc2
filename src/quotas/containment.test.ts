import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseConfig } from '../config/index.js';
import { EventBus, type BatonEvent, type StoredEvent } from '../events/index.js';
import { silentLogger } from '../log/index.js';
import { openSqliteUserStore } from '../users/index.js';
import { Containment } from './containment.js';
import { openSqliteSendingCounters } from './sqlite-sending-counters.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-containment-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A Containment on real SQLite users and counters, a real bus, and events kept in a list (the outbox's two reads). */
async function setUp(containment: Record<string, unknown>) {
  const path = join(dir, `c${++n}.db`);
  const now = { t: Date.UTC(2027, 0, 15, 9, 5) };
  const clock = { now: () => now.t };
  const users = await openSqliteUserStore({ path, clock });
  await users.addUser('alice', 'pw', ['a.test']);
  const counters = openSqliteSendingCounters({ path });
  const stored: StoredEvent[] = [];
  const bus = new EventBus((err) => {
    throw err;
  });
  const events = {
    eventsFor: async (queueId: string) => stored.filter((s) => 'queueId' in s.event && s.event.queueId === queueId),
    append: async (list: readonly BatonEvent[]) => {
      for (const event of list) stored.push({ id: stored.length + 1, event });
      bus.publish(list);
    },
  };
  const warnings: string[] = [];
  const logger = Object.assign(silentLogger(), { warn: (_: unknown, msg: string) => void warnings.push(msg) });
  const c = new Containment({ counters, users, events, bus, clock, logger, config: parseConfig({ containment }, '/tmp').containment });
  c.start();
  let q = 0;
  const accept = (user: string | undefined, rcpts = 1) => {
    const queueId = `0000000000000000000${q++}`.slice(-20);
    void events.append([{ type: 'accepted', queueId, at: now.t, sender: 'a@a.test', recipients: Array.from({ length: rcpts }, (_, i) => `r${i}@x.test`), size: 10, origin: { kind: 'smtp', ...(user ? { user } : {}) } }]);
    return queueId;
  };
  // Bounded: a containment that never comes fails the test instead of leaving it waiting.
  let timer: NodeJS.Timeout | undefined;
  const contained = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('no contained event within 5 s')), 5000);
    bus.subscribe(['contained'], () => (clearTimeout(timer), resolve()));
  });
  contained.catch(() => {});
  const close = async () => (clearTimeout(timer), c.stop(), await counters.close(), await users.close());
  return { c, now, users, counters, stored, warnings, accept, contained, close, events };
}

test('a burst far above the user\'s own baseline contains it: users store, event, warn line; the check then holds its mail', async () => {
  const s = await setUp({ rateFactor: 10, minMessages: 20 });
  try {
    assert.equal(await s.c.containedState('alice'), undefined);
    for (let i = 0; i < 20; i++) s.accept('alice');
    assert.equal(s.counters.get('alice', s.now.t).hourMessages, 20);
    assert.equal(s.stored.filter((e) => e.event.type === 'contained').length, 0, '20 is not over the floor');
    s.accept('alice');
    await s.contained;
    const state = (await s.users.getUser('alice'))?.settings.contained;
    assert.equal(state?.trigger, 'rate');
    assert.match(state?.reason ?? '', /^21 messages this hour/);
    assert.deepEqual(await s.c.containedState('alice'), state);
    assert.match(s.warnings.join('\n'), /user contained: new mail from alice is queued held until "baton queue release --user alice"/);
    // An operator lifts it (the CLI, another process): the next look reads the store again.
    await s.users.updateSettings('alice', { contained: null, containmentLiftedAt: s.now.t });
    assert.equal(await s.c.containedState('alice'), undefined);
    s.accept('alice');
    await new Promise((r) => setImmediate(r));
    assert.equal(s.stored.filter((e) => e.event.type === 'contained').length, 1, 'the lift forgives this hour');
  } finally {
    await s.close();
  }
});

test('mail of other sources is not counted; users below their thresholds are left alone', async () => {
  const s = await setUp({ minMessages: 5 });
  try {
    for (let i = 0; i < 50; i++) s.accept(undefined);
    for (let i = 0; i < 5; i++) s.accept('alice');
    await new Promise((r) => setImmediate(r));
    assert.equal(s.counters.get('alice', s.now.t).hourMessages, 5);
    assert.equal(s.stored.filter((e) => e.event.type === 'contained').length, 0);
  } finally {
    await s.close();
  }
});

test('hard bounces of the user\'s messages over bounceRate (after minSample recipients) contain it', async () => {
  const s = await setUp({ minMessages: 1000, bounceRate: 0.5, minSample: 4 });
  try {
    const ids = [s.accept('alice'), s.accept('alice'), s.accept('alice'), s.accept('alice'), s.accept(undefined)];
    const bounce = (queueId: string) => s.events.append([{ type: 'bounced', queueId, at: s.now.t, recipient: 'r0@x.test', attempt: 1 }]);
    await bounce(ids[4]!); // not alice's
    await bounce(ids[0]!);
    await bounce(ids[1]!);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(s.counters.get('alice', s.now.t).dayBounces, 2);
    assert.equal(s.stored.filter((e) => e.event.type === 'contained').length, 0, '2 of 4 is not over half');
    await bounce(ids[2]!);
    await s.contained;
    assert.equal((await s.users.getUser('alice'))?.settings.contained?.trigger, 'bounces');
  } finally {
    await s.close();
  }
});

test('complaints naming one of the user\'s queue ids count against it', async () => {
  const s = await setUp({ minMessages: 1000, complaintRate: 0.2, minSample: 2 });
  try {
    const id = s.accept('alice', 2);
    await s.events.append([{ type: 'suppression-added', at: s.now.t, address: 'r0@x.test', reason: 'complaint', source: id }]);
    await s.contained;
    assert.equal((await s.users.getUser('alice'))?.settings.contained?.trigger, 'complaints');
    assert.equal(s.counters.get('alice', s.now.t).dayComplaints, 1);
  } finally {
    await s.close();
  }
});

test('a sender with no settings row (a dashboard admin, "api:admin:NAME") is not contained: one warning, no event, not judged again', async () => {
  const s = await setUp({ rateFactor: 10, minMessages: 20 });
  try {
    for (let i = 0; i < 30; i++) s.accept('api:admin:ops');
    for (let i = 0; i < 20 && !s.warnings.length; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(s.warnings, ['containment: api:admin:ops would be contained, but has no user or API key to record it in; its mail is not held']);
    assert.equal(s.stored.filter((e) => e.event.type === 'contained').length, 0);
    assert.equal(await s.c.containedState('api:admin:ops'), undefined);
    assert.equal(s.counters.get('api:admin:ops', s.now.t).hourMessages, 30, 'still counted for the quotas');
  } finally {
    await s.close();
  }
});
