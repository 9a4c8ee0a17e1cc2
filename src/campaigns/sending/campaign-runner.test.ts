import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../log/index.js';
import { openSqliteQueueStore } from '../../queue/index.js';
import type { ContactMailRequest, ContactMailResult } from '../types.js';
import { CampaignRunner } from './campaign-runner.js';
import type { CampaignDefinition, CampaignStore } from './campaign-store.js';
import { rateInterval } from './rate.js';
import { openSqliteCampaignStore } from './sqlite-campaign-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-campaign-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const T0 = Date.UTC(2027, 0, 15, 8, 0, 0);
const DEF: CampaignDefinition = { name: 'Spring', templateId: 1, segmentId: 7, from: 'news@shop.test', stream: 'bulk', apiKey: 'marketing' };

/** A fake clock whose sleep moves time to the end of the wait (no wall-clock sleeps). */
function fakeTime() {
  const clock = { t: T0, now: () => clock.t };
  const sleep = async (ms: number) => {
    clock.t = Math.max(clock.t, clock.now() + ms);
    await Promise.resolve();
  };
  return { clock, sleep };
}

type Mailer = (req: ContactMailRequest, sent: Set<string>) => Promise<ContactMailResult> | ContactMailResult;

/** A SQLite store with `count` contacts, a runner with the fake mailer, and what the mailer queued (the "send log"). */
async function setUp(count: number, mailer: Mailer = () => ({ kind: 'queued', queueId: 'q' }), opts: { rate?: string; concurrency?: number; sendAt?: number } = {}) {
  const path = join(dir, `r${++n}.db`);
  const queue = await openSqliteQueueStore({ path });
  const store = openSqliteCampaignStore({ path });
  const raw = new Database(path);
  const ins = raw.prepare("INSERT INTO contacts (address, attributes, created_at, updated_at, schema_version) VALUES (?, '{}', 1, 1, 1)");
  for (let i = 1; i <= count; i++) ins.run(`c${i}@x.test`);
  raw.close();
  const time = fakeTime();
  const sent = new Set<string>();
  const calls: { address: string; at: number }[] = [];
  const runner = (m: Mailer = mailer) =>
    new CampaignRunner({
      store,
      clock: time.clock,
      sleep: time.sleep,
      logger: silentLogger(),
      concurrency: opts.concurrency ?? 1,
      batch: 3,
      backoffMs: 60_000,
      audienceOf: async (segmentId) => (segmentId === 7 ? { where: '1 = 1', params: [] } : undefined),
      mailer: {
        send: async (req) => {
          calls.push({ address: req.contact.address, at: time.clock.now() });
          const r = await m(req, sent);
          if (r.kind === 'queued') sent.add(req.sendLog.key);
          return r;
        },
      },
    });
  const c = await store.create({ ...DEF, ...(opts.rate ? { rate: opts.rate } : {}), ...(opts.sendAt ? { sendAt: opts.sendAt } : {}) }, T0);
  await store.transition(c.id, ['draft'], opts.sendAt ? 'scheduled' : 'sending', T0);
  return {
    store,
    id: c.id,
    time,
    sent,
    calls,
    runner,
    async close() {
      await store.close();
      await queue.close();
    },
  };
}

const state = async (store: CampaignStore, id: number) => (await store.get(id))?.state;

test('rateInterval reads "N/unit"', () => {
  assert.equal(rateInterval('1000/min'), 60);
  assert.equal(rateInterval('10/s'), 100);
  assert.equal(rateInterval('3600/h'), 1000);
  assert.equal(rateInterval('0/min'), undefined);
  assert.equal(rateInterval('fast'), undefined);
});

test('a campaign is sent to every contact once, in id order, paced by its rate, then marked sent', async () => {
  const s = await setUp(5, undefined, { rate: '60/min' });
  try {
    await s.runner().tick();
    assert.deepEqual(s.calls.map((c) => c.address), ['c1@x.test', 'c2@x.test', 'c3@x.test', 'c4@x.test', 'c5@x.test']);
    assert.deepEqual(s.calls.map((c) => c.at - T0), [0, 1000, 2000, 3000, 4000]);
    assert.equal(await state(s.store, s.id), 'sent');
    assert.deepEqual(await s.store.progress(s.id), { audience: 5, queued: 5, skipped: 0, failed: 0, remaining: 0 });
  } finally {
    await s.close();
  }
});

test('pacing holds with several messages in flight', async () => {
  const s = await setUp(6, undefined, { rate: '10/s', concurrency: 3 });
  try {
    await s.runner().tick();
    // The fake sleep moves time to the end of each wait, so in-flight messages see a later clock than
    // their slot; what must hold: six slots reserved 100 ms apart, none sent before its slot.
    assert.equal(s.calls.length, 6);
    assert.equal(s.time.clock.t - T0, 500);
    const at = s.calls.map((c) => c.at - T0).sort((a, b) => a - b);
    at.forEach((t, i) => assert.ok(t >= i * 100, `message ${i} at ${t} ms, before its slot`));
  } finally {
    await s.close();
  }
});

test('pause takes effect between messages; resume goes on where it stopped', async () => {
  let s: Awaited<ReturnType<typeof setUp>> | undefined;
  s = await setUp(5, async (req) => {
    if (req.contact.address === 'c2@x.test') await s!.store.transition(s!.id, ['sending'], 'paused', T0, 'operator');
    return { kind: 'queued', queueId: 'q' };
  });
  try {
    await s.runner().tick();
    assert.equal(await state(s.store, s.id), 'paused');
    assert.deepEqual([...s.sent], ['1', '2']);
    assert.equal((await s.store.progress(s.id)).remaining, 3);
    await s.runner().tick();
    assert.equal(s.calls.length, 2, 'a paused campaign is not due');
    await s.store.transition(s.id, ['paused'], 'sending', T0);
    await s.runner().tick();
    assert.deepEqual([...s.sent], ['1', '2', '3', '4', '5']);
    assert.equal(s.calls.length, 5);
    assert.equal(await state(s.store, s.id), 'sent');
  } finally {
    await s.close();
  }
});

test('cancel stops the campaign for good', async () => {
  let s: Awaited<ReturnType<typeof setUp>> | undefined;
  s = await setUp(4, async (req) => {
    if (req.contact.address === 'c1@x.test') await s!.store.transition(s!.id, ['sending'], 'cancelled', T0);
    return { kind: 'queued', queueId: 'q' };
  });
  try {
    await s.runner().tick();
    await s.runner().tick();
    assert.equal(await state(s.store, s.id), 'cancelled');
    assert.equal(s.calls.length, 1);
    assert.equal((await s.store.get(s.id))?.finishedAt, T0);
  } finally {
    await s.close();
  }
});

test('a crash between the enqueue and the mark: a new runner resumes and every contact is sent exactly once', async () => {
  const s = await setUp(7, (req, sent) => {
    if (sent.has(req.sendLog.key)) return { kind: 'already-sent' };
    // The "process" dies after the queue committed contact 4's message, before the runner marked it.
    if (req.sendLog.key === '4' && !crashed) {
      crashed = true;
      sent.add('4');
      throw new Error('killed');
    }
    return { kind: 'queued', queueId: 'q' };
  });
  let crashed = false;
  try {
    await assert.rejects(s.runner().tick(), /killed/);
    assert.equal((await s.store.progress(s.id)).queued, 3);
    await s.runner().tick();
    assert.deepEqual([...s.sent].sort(), ['1', '2', '3', '4', '5', '6', '7']);
    assert.equal(s.calls.filter((c) => c.address === 'c4@x.test').length, 2, 'contact 4 was tried again and found already sent');
    assert.deepEqual(await s.store.progress(s.id), { audience: 7, queued: 7, skipped: 0, failed: 0, remaining: 0 });
    assert.equal(await state(s.store, s.id), 'sent');
  } finally {
    await s.close();
  }
});

test('suppressed contacts are skipped, render failures and permanent refusals fail, all counted', async () => {
  const s = await setUp(4, (req): ContactMailResult => {
    switch (req.contact.address) {
      case 'c1@x.test':
        return { kind: 'suppressed', reason: 'hard-bounce' };
      case 'c2@x.test':
        return { kind: 'render-failed', part: 'html', reason: 'output too large' };
      case 'c3@x.test':
        return { kind: 'refused', reason: 'sender not allowed', temporary: false };
      default:
        return { kind: 'queued', queueId: 'q' };
    }
  });
  try {
    await s.runner().tick();
    assert.deepEqual(await s.store.progress(s.id), { audience: 4, queued: 1, skipped: 1, failed: 2, remaining: 0 });
    assert.deepEqual((await s.store.failures(s.id, 10)).map((f) => [f.address, f.status, f.reason]).sort(), [
      ['c1@x.test', 'skipped', 'suppressed: hard-bounce'],
      ['c2@x.test', 'failed', 'render-failed: html: output too large'],
      ['c3@x.test', 'failed', 'sender not allowed'],
    ]);
    assert.equal(await state(s.store, s.id), 'sent');
  } finally {
    await s.close();
  }
});

test('a temporary refusal (quota) backs the campaign off with a note, then it goes on', async () => {
  let refuse = true;
  const s = await setUp(3, (req): ContactMailResult => {
    if (req.contact.address === 'c2@x.test' && refuse) return { kind: 'refused', reason: 'quota exceeded', temporary: true };
    return { kind: 'queued', queueId: 'q' };
  });
  try {
    const runner = s.runner();
    await runner.tick();
    const c = await s.store.get(s.id);
    assert.equal(c?.state, 'sending');
    assert.equal(c?.note, 'waiting: quota exceeded');
    assert.equal((await s.store.progress(s.id)).remaining, 2);
    await runner.tick();
    assert.equal(s.calls.length, 2, 'nothing tried before the back-off ends');
    refuse = false;
    s.time.clock.t += 60_000;
    await runner.tick();
    assert.equal(await state(s.store, s.id), 'sent');
    assert.equal((await s.store.get(s.id))?.note, undefined);
    assert.deepEqual([...s.sent], ['1', '2', '3']);
  } finally {
    await s.close();
  }
});

test('a scheduled campaign starts when its sendAt comes', async () => {
  const s = await setUp(2, undefined, { sendAt: T0 + 3_600_000 });
  try {
    const runner = s.runner();
    await runner.tick();
    assert.equal(await state(s.store, s.id), 'scheduled');
    assert.equal(s.calls.length, 0);
    s.time.clock.t = T0 + 3_600_000;
    await runner.tick();
    assert.equal(await state(s.store, s.id), 'sent');
    assert.equal((await s.store.get(s.id))?.startedAt, T0 + 3_600_000);
  } finally {
    await s.close();
  }
});

test('a missing segment pauses the campaign with a note', async () => {
  const s = await setUp(2);
  try {
    const other = await s.store.create({ ...DEF, segmentId: 99 }, T0);
    await s.store.transition(other.id, ['draft'], 'sending', T0);
    await s.runner().tick();
    const c = await s.store.get(other.id);
    assert.equal(c?.state, 'paused');
    assert.equal(c?.note, 'segment 99 does not exist');
  } finally {
    await s.close();
  }
});
