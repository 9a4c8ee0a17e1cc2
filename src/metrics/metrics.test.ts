import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClock } from '../../test/helpers/defence-deps.js';
import { parsePrometheusText, sumOf } from '../../test/helpers/prom-text.js';
import { EventBus, type BatonEvent } from '../events/index.js';
import type { QueueStats } from '../queue/index.js';
import { BatonMetrics, QUEUE_STATS_CACHE_MS } from './index.js';

const T = 1_000_000;
const attempt = { queueId: 'Q1', at: T, recipient: 'a@b.test', attempt: 1 };
const stats: QueueStats = { messages: 3, held: 1, recipients: { pending: 4, delivered: 2, bounced: 1, expired: 0 }, bytes: 1234, oldestReceivedAt: T - 90_000 };

function build(extra: Partial<ConstructorParameters<typeof BatonMetrics>[0]> = {}) {
  const bus = new EventBus((err) => {
    throw err;
  });
  const clock = fakeClock(T);
  const metrics = new BatonMetrics({ bus, clock, processMetrics: false, ...extra });
  const scrape = async () => parsePrometheusText(await metrics.exposition());
  return { bus, clock, metrics, scrape };
}

test('counters move with the events on the bus, by bounded labels', async () => {
  const { bus, scrape } = build();
  const events: BatonEvent[] = [
    { type: 'accepted', queueId: 'Q1', at: T, sender: 's@x.test', recipients: ['a@b.test'], size: 10, origin: { kind: 'smtp' } },
    { type: 'accepted', queueId: 'Q2', at: T, sender: 's@x.test', recipients: ['a@b.test'], size: 10, origin: { kind: 'api', apiKey: 'k', stream: 'bulk' } },
    { type: 'rejected', at: T, stage: 'rcpt', reply: { code: 554, lines: ['no'] }, clientIp: '192.0.2.1', check: 'relay-access' },
    { type: 'rejected', at: T, stage: 'data', reply: { code: 552, lines: ['big'] }, clientIp: '192.0.2.1' },
    { type: 'delivered', ...attempt },
    { type: 'delivered', ...attempt },
    { type: 'deferred', ...attempt, nextAttemptAt: T + 1, classification: { kind: 'soft', category: 'throttled' } },
    { type: 'deferred', ...attempt, nextAttemptAt: T + 1, classification: { kind: 'soft', category: 'made-up-later' } },
    { type: 'bounced', ...attempt, classification: { kind: 'hard', category: 'bad-mailbox' } },
    { type: 'expired', ...attempt },
    { type: 'suppressed', queueId: 'Q1', at: T, recipient: 'a@b.test', reason: 'complaint', scope: 'global' },
  ];
  bus.publish(events);
  const m = await scrape();
  assert.equal(sumOf(m, 'baton_messages_accepted_total', { origin: 'smtp', stream: 'transactional' }), 1);
  assert.equal(sumOf(m, 'baton_messages_accepted_total', { origin: 'api', stream: 'bulk' }), 1);
  assert.equal(sumOf(m, 'baton_rejections_total', { stage: 'rcpt', check: 'relay-access' }), 1);
  assert.equal(sumOf(m, 'baton_rejections_total', { stage: 'data', check: 'none' }), 1);
  assert.equal(sumOf(m, 'baton_recipients_delivered_total'), 2);
  assert.equal(sumOf(m, 'baton_recipients_deferred_total', { category: 'throttled' }), 1);
  // A category this release does not know is counted, under "none", not as a new series.
  assert.equal(sumOf(m, 'baton_recipients_deferred_total', { category: 'none' }), 1);
  assert.equal(sumOf(m, 'baton_recipients_bounced_total', { category: 'bad-mailbox' }), 1);
  assert.equal(sumOf(m, 'baton_recipients_expired_total'), 1);
  assert.equal(sumOf(m, 'baton_recipients_suppressed_total', { reason: 'complaint' }), 1);
  assert.equal(m.get('baton_messages_accepted_total')?.type, 'counter');
});

test('known label values exist at 0 before anything happens (rate() is 0, not absent)', async () => {
  const { scrape } = build();
  const m = await scrape();
  const bounced = m.get('baton_recipients_bounced_total');
  assert.ok(bounced?.samples.some((s) => s.labels['category'] === 'bad-domain' && s.value === 0));
  assert.equal(sumOf(m, 'baton_messages_accepted_total'), 0);
});

test('check names are capped: the 65th distinct check counts as "other"', async () => {
  const { bus, scrape } = build();
  for (let i = 0; i < 70; i++) bus.publish([{ type: 'rejected', at: T, stage: 'rcpt', reply: { code: 550, lines: ['x'] }, clientIp: '192.0.2.1', check: `check-${i}` }]);
  const m = await scrape();
  const series = m.get('baton_rejections_total')?.samples ?? [];
  assert.equal(series.length, 65);
  assert.equal(sumOf(m, 'baton_rejections_total', { check: 'other' }), 6);
});

test('queue gauges come from QueueStore.stats(), read at most once a second however often it is scraped', async () => {
  let reads = 0;
  const { clock, scrape } = build({ queueStats: async () => (reads++, stats) });
  let m = await scrape();
  await scrape();
  await scrape();
  assert.equal(reads, 1);
  assert.equal(sumOf(m, 'baton_queue_messages'), 3);
  assert.equal(sumOf(m, 'baton_queue_held_messages'), 1);
  assert.equal(sumOf(m, 'baton_queue_recipients', { status: 'pending' }), 4);
  assert.equal(sumOf(m, 'baton_queue_bytes'), 1234);
  assert.equal(sumOf(m, 'baton_queue_oldest_age_seconds'), 90);
  clock.advance(QUEUE_STATS_CACHE_MS);
  m = await scrape();
  assert.equal(reads, 2);
  assert.equal(sumOf(m, 'baton_queue_oldest_age_seconds'), 91);
});

test('a failed stats read is not cached: the next scrape reads again', async () => {
  let reads = 0;
  const { metrics, scrape } = build({
    queueStats: async () => {
      reads++;
      if (reads === 1) throw new Error('store closed');
      return stats;
    },
  });
  await assert.rejects(metrics.exposition());
  await scrape();
  assert.equal(reads, 2);
});

test('attempt latency is a histogram per transport kind', async () => {
  const { metrics, scrape } = build();
  metrics.observeAttempt('mx', 30);
  metrics.observeAttempt('mx', 700);
  metrics.observeAttempt('maildir', 2);
  const m = await scrape();
  assert.equal(m.get('baton_delivery_attempt_duration_seconds')?.type, 'histogram');
  assert.equal(sumOf(m, 'baton_delivery_attempt_duration_seconds_count', { transport: 'mx' }), 2);
  assert.equal(sumOf(m, 'baton_delivery_attempt_duration_seconds_bucket', { transport: 'mx', le: '0.05' }), 1);
  assert.equal(sumOf(m, 'baton_delivery_attempt_duration_seconds_sum', { transport: 'maildir' }), 0.002);
});

test('inbound connections (open and total per role), the outbound pool and webhook lag are read at scrape', async () => {
  const { scrape } = build({
    inbound: () => [
      { role: 'mx', open: 2, total: 17 },
      { role: 'submission', open: 0, total: 3 },
    ],
    outboundPooled: () => 4,
    webhookLag: async () => [{ endpoint: 'wh_1', events: 12, oldestAgeSeconds: 7.5 }],
  });
  const m = await scrape();
  assert.equal(sumOf(m, 'baton_inbound_connections', { role: 'mx' }), 2);
  assert.equal(sumOf(m, 'baton_inbound_connections_total', { role: 'mx' }), 17);
  assert.equal(m.get('baton_inbound_connections_total')?.type, 'counter');
  // Scraped twice, the mirrored counter does not add up.
  assert.equal(sumOf(await scrape(), 'baton_inbound_connections_total', { role: 'submission' }), 3);
  assert.equal(sumOf(m, 'baton_outbound_pooled_connections'), 4);
  assert.equal(sumOf(m, 'baton_webhook_lag_events', { endpoint: 'wh_1' }), 12);
  assert.equal(sumOf(m, 'baton_webhook_lag_seconds', { endpoint: 'wh_1' }), 7.5);
});

test('throttle state per provider from shaped events; sites only counted; a pause ends by itself', async () => {
  const { bus, clock, metrics, scrape } = build();
  bus.publish([
    { type: 'shaped', at: T, scope: 'provider:google', action: 'slowed', rate: 2.5 },
    { type: 'shaped', at: T, scope: 'provider:yahoo', action: 'paused', until: T + 60_000 },
    { type: 'shaped', at: T, scope: 'site:mx1.example.net', action: 'paused', until: T + 1000 },
    { type: 'shaped', at: T, scope: 'site:mx2.example.net', action: 'slowed', rate: 1 },
  ]);
  let m = await scrape();
  assert.equal(sumOf(m, 'baton_throttle_rate_per_second', { provider: 'google' }), 2.5);
  assert.equal(sumOf(m, 'baton_throttle_paused', { provider: 'yahoo' }), 1);
  assert.equal(sumOf(m, 'baton_throttle_paused', { provider: 'google' }), 0);
  assert.equal(sumOf(m, 'baton_throttle_sites', { state: 'paused' }), 1);
  assert.equal(sumOf(m, 'baton_throttle_sites', { state: 'slowed' }), 1);
  // MX host names are unbounded: they never become label values.
  assert.ok(!(await metrics.exposition()).includes('example.net'));
  clock.advance(1000);
  bus.publish([{ type: 'shaped', at: T, scope: 'provider:google', action: 'recovered' }]);
  m = await scrape();
  assert.equal(sumOf(m, 'baton_throttle_sites', { state: 'paused' }), 0);
  assert.equal(m.get('baton_throttle_rate_per_second')?.samples.length, 0);
});

test('close() detaches from the bus', async () => {
  const { bus, metrics, scrape } = build();
  metrics.close();
  bus.publish([{ type: 'delivered', ...attempt }]);
  assert.equal(sumOf(await scrape(), 'baton_recipients_delivered_total'), 0);
});

test('process metrics are on by default, with the baton_ prefix', async () => {
  const metrics = new BatonMetrics({ bus: new EventBus(), clock: fakeClock(T) });
  const m = parsePrometheusText(await metrics.exposition());
  assert.ok(m.has('baton_process_cpu_seconds_total'));
  assert.ok(m.has('baton_nodejs_eventloop_lag_seconds'));
});
