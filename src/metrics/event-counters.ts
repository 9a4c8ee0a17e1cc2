import type { Registry } from 'prom-client';
import { STREAMS } from '../core/index.js';
import { BOUNCE_CATEGORIES } from '../delivery/index.js';
import type { BatonEvent, EventBus, EventType } from '../events/index.js';
import { SUPPRESSION_REASONS } from '../suppression/index.js';
import { BoundedLabel, oneOf } from './labels.js';
import { Tally } from './tally.js';

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
  private readonly accepted: Tally<'origin' | 'stream'>;
  private readonly rejected: Tally<'stage' | 'check'>;
  private readonly delivered: Tally<never>;
  private readonly deferred: Tally<'category'>;
  private readonly bounced: Tally<'category'>;
  private readonly expired: Tally<never>;
  private readonly suppressed: Tally<'reason'>;
  /** Check names come from the check registry (built-ins, milters, scanners): bounded, but capped anyway. */
  private readonly checks = new BoundedLabel(64);

  constructor(registry: Registry) {
    const r = registry;
    this.accepted = new Tally(r, 'baton_messages_accepted_total', 'Messages accepted and queued, by origin (smtp, api, local) and stream', ['origin', 'stream']);
    this.rejected = new Tally(r, 'baton_rejections_total', 'SMTP commands or messages refused, by stage and the check that refused ("none": the protocol itself)', ['stage', 'check']);
    this.delivered = new Tally(r, 'baton_recipients_delivered_total', 'Recipients delivered (remote MTA, LMTP or Maildir took them)', []);
    this.deferred = new Tally(r, 'baton_recipients_deferred_total', 'Delivery attempts deferred, by failure category', ['category']);
    this.bounced = new Tally(r, 'baton_recipients_bounced_total', 'Recipients bounced, by failure category', ['category']);
    this.expired = new Tally(r, 'baton_recipients_expired_total', 'Recipients still undeliverable when queue.lifetime ran out', []);
    this.suppressed = new Tally(r, 'baton_recipients_suppressed_total', 'Recipients dropped at intake because the suppression store lists them, by reason', ['reason']);
    // Every known series exists from the start at 0, so a rate() over a fresh process is 0, not absent.
    for (const origin of ORIGIN_KINDS) for (const stream of STREAMS) this.accepted.add([origin, stream], 0);
    for (const category of BOUNCE_CATEGORIES) (this.deferred.add([category], 0), this.bounced.add([category], 0));
    for (const reason of SUPPRESSION_REASONS) this.suppressed.add([reason], 0);
    this.delivered.add([], 0);
    this.expired.add([], 0);
  }

  /** Subscribe to the bus; returns the unsubscribe function. */
  attach(bus: EventBus): () => void {
    return bus.subscribe(COUNTED_EVENTS, (event) => this.count(event));
  }

  count(event: BatonEvent): void {
    switch (event.type) {
      case 'accepted':
        this.accepted.add([oneOf(event.origin.kind, ORIGIN_KINDS, 'smtp'), event.origin.stream ?? 'transactional']);
        return;
      case 'rejected':
        this.rejected.add([oneOf(event.stage, REJECT_STAGES, 'data'), event.check !== undefined ? this.checks.of(event.check) : 'none']);
        return;
      case 'delivered':
        this.delivered.add();
        return;
      case 'deferred':
        this.deferred.add([oneOf(event.classification?.category, CATEGORIES, 'none')]);
        return;
      case 'bounced':
        this.bounced.add([oneOf(event.classification?.category, CATEGORIES, 'none')]);
        return;
      case 'expired':
        this.expired.add();
        return;
      case 'suppressed':
        this.suppressed.add([oneOf(event.reason, SUPPRESSION_REASONS, 'manual')]);
        return;
      default:
        return;
    }
  }
}
