import { Counter, type Registry } from 'prom-client';
import { STREAMS } from '../core/index.js';
import { BOUNCE_CATEGORIES } from '../delivery/index.js';
import type { BatonEvent, EventBus, EventType } from '../events/index.js';
import { SUPPRESSION_REASONS } from '../suppression/index.js';
import { BoundedLabel, oneOf } from './labels.js';

const ORIGIN_KINDS = ['smtp', 'api', 'local'] as const;
const REJECT_STAGES = ['connect', 'helo', 'auth', 'mail', 'rcpt', 'data'] as const;
const CATEGORIES = [...BOUNCE_CATEGORIES, 'none'] as const;

/** The event types the counters read; the bus calls nothing else here. */
export const COUNTED_EVENTS: readonly EventType[] = ['accepted', 'rejected', 'delivered', 'deferred', 'bounced', 'expired', 'suppressed'];

/**
 * Counters of what happened to mail, fed from the EventBus after each commit
 * (DESIGN §9 Event): in-process and cheap, one `inc` per event and nothing
 * else on the hot path. They start at 0 when the process starts, as
 * Prometheus expects of a counter (`rate()` handles the reset); the durable
 * history is the events table.
 */
export class EventCounters {
  private readonly accepted: Counter<'origin' | 'stream'>;
  private readonly rejected: Counter<'stage' | 'check'>;
  private readonly delivered: Counter;
  private readonly deferred: Counter<'category'>;
  private readonly bounced: Counter<'category'>;
  private readonly expired: Counter;
  private readonly suppressed: Counter<'reason'>;
  /** Check names come from the check registry (built-ins, milters, scanners): bounded, but capped anyway. */
  private readonly checks = new BoundedLabel(64);

  constructor(registry: Registry) {
    const registers = [registry];
    this.accepted = new Counter({ name: 'baton_messages_accepted_total', help: 'Messages accepted and queued, by origin (smtp, api, local) and stream', labelNames: ['origin', 'stream'], registers });
    this.rejected = new Counter({ name: 'baton_rejections_total', help: 'SMTP commands or messages refused, by stage and the check that refused ("none": the protocol itself)', labelNames: ['stage', 'check'], registers });
    this.delivered = new Counter({ name: 'baton_recipients_delivered_total', help: 'Recipients delivered (remote MTA, LMTP or Maildir took them)', registers });
    this.deferred = new Counter({ name: 'baton_recipients_deferred_total', help: 'Delivery attempts deferred, by failure category', labelNames: ['category'], registers });
    this.bounced = new Counter({ name: 'baton_recipients_bounced_total', help: 'Recipients bounced, by failure category', labelNames: ['category'], registers });
    this.expired = new Counter({ name: 'baton_recipients_expired_total', help: 'Recipients still undeliverable when queue.lifetime ran out', registers });
    this.suppressed = new Counter({ name: 'baton_recipients_suppressed_total', help: 'Recipients dropped at intake because the suppression store lists them, by reason', labelNames: ['reason'], registers });
    // Every known series exists from the start at 0, so a rate() over a fresh process is 0, not absent.
    for (const origin of ORIGIN_KINDS) for (const stream of STREAMS) this.accepted.labels(origin, stream).inc(0);
    for (const category of BOUNCE_CATEGORIES) (this.deferred.labels(category).inc(0), this.bounced.labels(category).inc(0));
    for (const reason of SUPPRESSION_REASONS) this.suppressed.labels(reason).inc(0);
  }

  /** Subscribe to the bus; returns the unsubscribe function. */
  attach(bus: EventBus): () => void {
    return bus.subscribe(COUNTED_EVENTS, (event) => this.count(event));
  }

  count(event: BatonEvent): void {
    switch (event.type) {
      case 'accepted':
        this.accepted.labels(oneOf(event.origin.kind, ORIGIN_KINDS, 'smtp'), event.origin.stream ?? 'transactional').inc();
        return;
      case 'rejected':
        this.rejected.labels(oneOf(event.stage, REJECT_STAGES, 'data'), event.check !== undefined ? this.checks.of(event.check) : 'none').inc();
        return;
      case 'delivered':
        this.delivered.inc();
        return;
      case 'deferred':
        this.deferred.labels(oneOf(event.classification?.category, CATEGORIES, 'none')).inc();
        return;
      case 'bounced':
        this.bounced.labels(oneOf(event.classification?.category, CATEGORIES, 'none')).inc();
        return;
      case 'expired':
        this.expired.inc();
        return;
      case 'suppressed':
        this.suppressed.labels(oneOf(event.reason, SUPPRESSION_REASONS, 'manual')).inc();
        return;
      default:
        return;
    }
  }
}
