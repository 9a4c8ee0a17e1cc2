import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../core/index.js';
import type { EventBus } from '../events/index.js';
import type { QueueStats } from '../queue/index.js';
import { EventCounters } from './event-counters.js';
import { BoundedLabel } from './labels.js';
import { ThrottleState } from './throttle-state.js';

/** Connections of one SMTP listener role since the process started. */
export interface InboundConnections {
  readonly role: string;
  readonly open: number;
  readonly total: number;
}

/** How far one webhook endpoint is behind the events outbox (helper D's `webhooks.lag()`, adapted in main.ts). */
export interface WebhookLag {
  readonly endpoint: string;
  /** Newest event id minus the endpoint's cursor. */
  readonly events: number;
  /** Age of the oldest event not yet delivered; absent when none is waiting. */
  readonly oldestAgeSeconds?: number;
}

/**
 * What the metrics read at scrape time. Every source is optional, so a node
 * without a role (no delivery, no inbound, no webhooks) simply has no such
 * series, and this module depends on none of the code it measures.
 */
export interface MetricsDeps {
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly queueStats?: () => Promise<QueueStats>;
  readonly inbound?: () => readonly InboundConnections[];
  /** Idle outbound connections kept for reuse (the delivery pool). */
  readonly outboundPooled?: () => number;
  readonly webhookLag?: () => readonly WebhookLag[] | Promise<readonly WebhookLag[]>;
  /** Process metrics (CPU, memory, event loop lag, GC): on by default; tests may skip them. */
  readonly processMetrics?: boolean;
}

/** prom-client default metrics that are gauges with a counter's "_total" suffix. */
const MISNAMED_DEFAULTS = ['baton_nodejs_active_handles_total', 'baton_nodejs_active_requests_total', 'baton_nodejs_active_resources_total'];

/** Queue stats are read at most this often: a scrape storm must not load the store. */
export const QUEUE_STATS_CACHE_MS = 1000;

/**
 * Baton's Prometheus metrics (docs/api.md "Metrics and health"): one registry
 * per node (not prom-client's global one, so tests can build several).
 * Names are `baton_<noun>_<unit>` and every label is bounded (DESIGN §10).
 */
export class BatonMetrics {
  readonly registry = new Registry();
  readonly counters: EventCounters;
  private readonly attempts: Histogram<'transport'>;
  private readonly transports = new BoundedLabel(16);
  private readonly detach: (() => void)[] = [];
  private statsCache: { at: number; stats: Promise<QueueStats> } | undefined;

  constructor(private readonly deps: MetricsDeps) {
    const registers = [this.registry];
    this.counters = new EventCounters(this.registry);
    const throttle = new ThrottleState(this.registry, () => deps.clock.now());
    this.detach.push(this.counters.attach(deps.bus), throttle.attach(deps.bus));
    this.attempts = new Histogram({
      name: 'baton_delivery_attempt_duration_seconds',
      help: 'Time of one delivery attempt (connect or reuse, transaction, replies), by transport kind (mx, smarthost, lmtp, maildir)',
      labelNames: ['transport'],
      // From a local Maildir write to a slow remote MX's DATA timeout.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    if (deps.queueStats) this.queueGauges(deps.queueStats);
    if (deps.inbound) this.inboundGauges(deps.inbound);
    if (deps.outboundPooled) {
      const pooled = deps.outboundPooled;
      new Gauge({ name: 'baton_outbound_pooled_connections', help: 'Idle outbound SMTP/LMTP connections kept for reuse', registers, collect() { this.set(pooled()); } });
    }
    if (deps.webhookLag) this.webhookGauges(deps.webhookLag);
    if (deps.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'baton_' });
      // Gauges named like counters (promtool check metrics: 'non-counter metrics should not have "_total" suffix');
      // the same figures stay available per type in baton_nodejs_active_handles / _requests / _resources.
      for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);
    }
  }

  /** One delivery attempt took `ms` (the dispatcher's hook). */
  observeAttempt(transport: string, ms: number): void {
    this.attempts.labels(this.transports.of(transport)).observe(ms / 1000);
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stop listening to the bus. */
  close(): void {
    for (const off of this.detach.splice(0)) off();
  }

  private stats(read: () => Promise<QueueStats>): Promise<QueueStats> {
    const now = this.deps.clock.now();
    if (!this.statsCache || now - this.statsCache.at >= QUEUE_STATS_CACHE_MS) {
      const stats = read();
      // A failed read is not cached: the next scrape tries again.
      stats.catch(() => (this.statsCache = undefined));
      this.statsCache = { at: now, stats };
    }
    return this.statsCache.stats;
  }

  private queueGauges(read: () => Promise<QueueStats>): void {
    const registers = [this.registry];
    const stats = () => this.stats(read);
    const now = () => this.deps.clock.now();
    new Gauge({ name: 'baton_queue_messages', help: 'Messages in the queue (held ones included)', registers, async collect() { this.set((await stats()).messages); } });
    new Gauge({ name: 'baton_queue_held_messages', help: 'Messages on hold', registers, async collect() { this.set((await stats()).held); } });
    new Gauge({ name: 'baton_queue_bytes', help: 'Bytes of message data in the queue', registers, async collect() { this.set((await stats()).bytes); } });
    new Gauge({
      name: 'baton_queue_recipients',
      help: 'Recipients in the queue, by status',
      labelNames: ['status'],
      registers,
      async collect() {
        for (const [status, n] of Object.entries((await stats()).recipients)) this.labels(status).set(n);
      },
    });
    new Gauge({
      name: 'baton_queue_oldest_age_seconds',
      help: 'Age of the oldest message in the queue (0 when it is empty)',
      registers,
      async collect() {
        const oldest = (await stats()).oldestReceivedAt;
        this.set(oldest === undefined ? 0 : Math.max(0, (now() - oldest) / 1000));
      },
    });
  }

  private inboundGauges(read: () => readonly InboundConnections[]): void {
    const registers = [this.registry];
    new Gauge({ name: 'baton_inbound_connections', help: 'SMTP connections open now, by listener role', labelNames: ['role'], registers, collect() { for (const c of read()) this.labels(c.role).set(c.open); } });
    new Counter({
      name: 'baton_inbound_connections_total',
      help: 'SMTP connections served since the process started, by listener role',
      labelNames: ['role'],
      registers,
      // The server keeps the count (one increment per connection); the counter mirrors it at scrape.
      collect() {
        this.reset();
        for (const c of read()) this.labels(c.role).inc(c.total);
      },
    });
  }

  private webhookGauges(read: () => readonly WebhookLag[] | Promise<readonly WebhookLag[]>): void {
    const registers = [this.registry];
    const endpoints = new BoundedLabel(100);
    new Gauge({
      name: 'baton_webhook_lag_events',
      help: 'Events not yet delivered to a webhook endpoint',
      labelNames: ['endpoint'],
      registers,
      async collect() {
        this.reset();
        for (const l of await read()) this.labels(endpoints.of(l.endpoint)).set(l.events);
      },
    });
    new Gauge({
      name: 'baton_webhook_lag_seconds',
      help: 'Age of the oldest event not yet delivered to a webhook endpoint (0: none waiting)',
      labelNames: ['endpoint'],
      registers,
      async collect() {
        this.reset();
        for (const l of await read()) this.labels(endpoints.of(l.endpoint)).set(l.oldestAgeSeconds ?? 0);
      },
    });
  }
}
