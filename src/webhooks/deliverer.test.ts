import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fakeClock } from '../../test/helpers/defence-deps.js';
import { prng } from '../../test/helpers/seeded-random.js';
import { parseConfig } from '../config/index.js';
import { makeReply } from '../core/index.js';
import type { BatonEvent } from '../events/index.js';
import { silentLogger } from '../log/index.js';
import { memoryEventStore } from '../../test/helpers/memory-events.js';
import { WebhookDeliverer } from './deliverer.js';
import type { PostResult } from './http-post.js';
import { verifyWebhookSignature } from './signature.js';
import { openSqliteWebhookStore } from './sqlite-webhook-store.js';
import type { WebhookStore } from './webhook-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-webhook-deliverer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** The outbox in memory: ids from 1, in order. */
const memoryEvents = () => memoryEventStore();

const T = 1_800_000_000_000;
const delivered = (queueId: string, at = T): BatonEvent => ({ type: 'delivered', queueId, at, recipient: 'bob@example.org', attempt: 1, reply: makeReply(250, '2.0.0', 'ok') });
const rejected: BatonEvent = { type: 'rejected', at: T, stage: 'rcpt', reply: makeReply(554, '5.7.1', 'no'), clientIp: '192.0.2.1' };

interface Sent {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

async function setUp(config: Record<string, unknown> = {}, answer: (sent: Sent) => PostResult | Promise<PostResult> = () => ({ ok: true, status: 200, durationMs: 1 })) {
  const clock = fakeClock(T);
  const events = memoryEvents();
  const store: WebhookStore = openSqliteWebhookStore({ path: join(dir, `d${++n}.db`) });
  after(() => store.close());
  const sent: Sent[] = [];
  const recorded: BatonEvent[] = [];
  const deliverer = new WebhookDeliverer({
    store,
    events,
    clock,
    random: prng(7),
    logger: silentLogger(),
    config: parseConfig({ webhooks: config }, '/tmp').webhooks,
    record: async (e) => void recorded.push(e),
    post: async (url, body, headers) => {
      const s = { url, body, headers };
      sent.push(s);
      return answer(s);
    },
  });
  await store.create({ id: 'wh_1', url: 'http://127.0.0.1:9/hook', secret: 'whsec_x', cursor: 0, createdAt: T });
  /** One step of the endpoint as it is now in the store. */
  const step = async () => deliverer.step((await store.get('wh_1'))!);
  const ids = (s: Sent | undefined) => (JSON.parse(s?.body ?? '{"events":[]}') as { events: { id: number }[] }).events.map((e) => e.id);
  return { clock, events, store, sent, recorded, deliverer, step, ids };
}

test('events go out in id order, signed, each with its outbox id, and the cursor moves only after the 2xx', async () => {
  const t = await setUp();
  t.events.add(delivered('Q1'), delivered('Q2'));
  assert.equal(await t.step(), 'sent-all');
  const s = t.sent[0];
  assert.deepEqual(t.ids(s), [1, 2]);
  assert.equal(s?.headers['Content-Type'], 'application/json');
  assert.equal(s?.headers['Baton-Webhook-Id'], 'wh_1');
  assert.deepEqual(verifyWebhookSignature('whsec_x', s?.body ?? '', s?.headers['Baton-Signature'], { nowSeconds: T / 1000 }), { ok: true, timestamp: T / 1000 });
  assert.equal((await t.store.get('wh_1'))?.cursor, 2);
  assert.equal(await t.step(), 'idle');
  assert.equal(t.sent.length, 1);
  const log = await t.store.deliveries('wh_1', 5);
  assert.deepEqual(log.map((d) => [d.ok, d.status, d.events, d.firstEventId, d.lastEventId]), [[true, 200, 2, 1, 2]]);
  assert.equal((await t.store.delivery('wh_1', log[0]?.id as number))?.body, s?.body, 'the log keeps the exact body that was signed and sent');
});

test('a failed POST keeps the cursor, backs off exponentially with jitter, and the same events go again after the wait', async () => {
  let fail = 3;
  const t = await setUp({ retry: { first: '5s', max: '10m' } }, () => (fail-- > 0 ? { ok: false, status: 500, durationMs: 1, error: 'HTTP 500', response: 'oops' } : { ok: true, status: 204, durationMs: 1 }));
  t.events.add(delivered('Q1'));
  const waits: number[] = [];
  for (let i = 0; i < 3; i++) {
    assert.equal(await t.step(), 'failed');
    const e = await t.store.get('wh_1');
    assert.equal(e?.cursor, 0);
    assert.equal(e?.failures, i + 1);
    waits.push((e?.nextAttemptAt ?? 0) - t.clock.now());
    t.clock.advance(e!.nextAttemptAt! - t.clock.now());
  }
  // 5 s, 10 s, 20 s, each within ±20%.
  waits.forEach((w, i) => assert.ok(Math.abs(w - 5000 * 2 ** i) <= 0.2 * 5000 * 2 ** i, `wait ${i}: ${w}`));
  assert.equal(await t.step(), 'sent-all');
  assert.deepEqual(t.sent.map(t.ids), [[1], [1], [1], [1]], 'the same event id every time');
  const e = await t.store.get('wh_1');
  assert.equal(e?.failures, 0);
  assert.equal(e?.cursor, 1);
  assert.deepEqual((await t.store.deliveries('wh_1', 10)).map((d) => d.ok), [true, false, false, false]);
});

test('the deliverer does not try an endpoint before its back-off ends', async () => {
  let calls = 0;
  const t = await setUp({ retry: { first: '5s' } }, () => (calls++, { ok: false, durationMs: 1, error: 'connection refused' }));
  t.events.add(delivered('Q1'));
  t.deliverer.wake();
  await t.deliverer.idle();
  assert.equal(calls, 1);
  t.clock.advance(3_000);
  t.deliverer.wake();
  await t.deliverer.idle();
  assert.equal(calls, 1, 'still backing off');
  t.clock.advance(4_000);
  t.deliverer.wake();
  await t.deliverer.idle();
  assert.equal(calls, 2);
});

test('only the selected types are sent, and the cursor moves past the others, with no POST for a batch of none', async () => {
  const t = await setUp();
  await t.store.update('wh_1', { events: ['delivered'] });
  t.events.add(rejected, rejected);
  assert.equal(await t.step(), 'skipped');
  assert.equal(t.sent.length, 0);
  assert.equal((await t.store.get('wh_1'))?.cursor, 2);
  t.events.add(rejected, delivered('Q1'), rejected);
  assert.equal(await t.step(), 'sent-all');
  assert.deepEqual(t.ids(t.sent[0]), [4]);
  assert.equal((await t.store.get('wh_1'))?.cursor, 5);
});

test('a backlog goes in batches of batchSize, in order, until caught up', async () => {
  const t = await setUp({ batchSize: 3 });
  for (let i = 0; i < 8; i++) t.events.add(delivered(`Q${i}`));
  t.deliverer.wake();
  await t.deliverer.idle();
  assert.deepEqual(t.sent.map(t.ids), [[1, 2, 3], [4, 5, 6], [7, 8]]);
});

test('later events of a message carry the tags and metadata of its accepted event', async () => {
  const t = await setUp();
  t.events.add({ type: 'accepted', queueId: 'Q1', at: T, sender: 'a@x.test', recipients: ['b@y.test'], size: 9, origin: { kind: 'api' }, tags: ['welcome'], metadata: { user: '42' } });
  await t.step();
  t.events.add(delivered('Q1'), delivered('Q2'));
  await t.step();
  const events = (JSON.parse(t.sent[1]?.body ?? '') as { events: Record<string, unknown>[] }).events;
  assert.deepEqual(events[0]?.['tags'], ['welcome']);
  assert.deepEqual(events[0]?.['metadata'], { user: '42' });
  assert.equal(events[1]?.['tags'], undefined, 'a message without labels gets none');
});

test('an endpoint failing for disableAfter is disabled, with a webhook-disabled event; re-enabled it resumes from its cursor', async () => {
  const t = await setUp({ disableAfter: '1m', retry: { first: '10s', max: '20s' } }, () => ({ ok: false, durationMs: 1, error: 'connection refused' }));
  t.events.add(delivered('Q1'));
  for (let i = 0; i < 20 && (await t.store.get('wh_1'))?.enabled; i++) {
    assert.equal(await t.step(), 'failed');
    t.clock.advance(20_000);
  }
  const e = await t.store.get('wh_1');
  assert.equal(e?.enabled, false);
  assert.match(e?.disabledReason ?? '', /connection refused/);
  assert.equal(t.recorded.length, 1);
  const d = t.recorded[0];
  assert.ok(d?.type === 'webhook-disabled');
  assert.equal(d.webhookId, 'wh_1');
  assert.equal(d.failingSince, T);
  assert.ok(d.at - T >= 60_000 && d.at - T < 80_000, `disabled ${d.at - T} ms after the first failure`);
  await t.store.setEnabled('wh_1', true, { at: t.clock.now() });
  assert.equal((await t.store.get('wh_1'))?.cursor, 0);
});

test('a replay while a POST is in flight wins: the answer does not move the cursor past it', async () => {
  let t: Awaited<ReturnType<typeof setUp>>;
  t = await setUp({}, async () => {
    await t.store.moveCursor('wh_1', 0);
    return { ok: true, status: 200, durationMs: 1 };
  });
  t.events.add(delivered('Q1'), delivered('Q2'));
  await t.store.moveCursor('wh_1', 1);
  assert.equal(await t.step(), 'lost-race');
  assert.equal((await t.store.get('wh_1'))?.cursor, 0);
});
