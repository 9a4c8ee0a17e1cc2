import type { WebhooksConfig } from '../config/index.js';
import type { Clock, Random } from '../core/index.js';
import { EVENT_TYPES, type BatonEvent, type EventBus, type EventStore } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { nextAttemptDelay } from '../queue/index.js';
import type { Poster } from './http-post.js';
import { MessageLabels, payloadOf, wants } from './payload.js';
import { SIGNATURE_HEADER, signatureHeader, WEBHOOK_ID_HEADER } from './signature.js';
import type { WebhookEndpoint, WebhookStore } from './webhook-store.js';

export interface WebhookDelivererDeps {
  readonly store: WebhookStore;
  readonly events: EventStore;
  readonly post: Poster;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly config: WebhooksConfig;
  /** Writes the `webhook-disabled` event (to the outbox). */
  readonly record: (event: BatonEvent) => Promise<void>;
}

/**
 * What one step of an endpoint did. sent: a full batch went (more may be
 * waiting); sent-all: everything there was went; skipped: none of the
 * events were of its types (the cursor moved past them).
 */
export type StepResult = 'idle' | 'skipped' | 'sent' | 'sent-all' | 'failed' | 'lost-race';

/**
 * After an event, wait this long before looking: the events of the next
 * messages join the same POST. Without it a fast receiver got one POST per
 * few events, and their work (two commits, a request) per message cost the
 * SMTP benchmark a third of its rate (docs/benchmarks.md#webhooks).
 */
export const LINGER_MS = 100;

/** Endpoints are looked at this often even when no event woke us: back-offs ending, endpoints added by the CLI, events from other processes. */
export const POLL_MS = 1000;

/**
 * Delivers events from the outbox to webhook endpoints (docs/api.md#webhooks),
 * off the mail path: its own loop, woken by the EventBus after a commit and
 * by a timer, reading the events table by cursor. Per endpoint one POST is
 * in flight at a time and events go in id order, so each message's events
 * arrive in order. The cursor moves only after the receiver's 2xx
 * (at-least-once: a crash before that sends the batch again, with the same
 * event ids). Failures back off exponentially with jitter; an endpoint
 * failing for `disableAfter` is disabled.
 */
export class WebhookDeliverer {
  private readonly busy = new Map<string, Promise<void>>();
  private readonly labels: MessageLabels;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private passing: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Any enabled endpoint at the last pass? If not, events do not wake us (mail without webhooks pays nothing). */
  private active = false;
  private wakeQueued = false;

  constructor(private readonly deps: WebhookDelivererDeps) {
    this.labels = new MessageLabels(deps.events);
  }

  start(bus?: EventBus): void {
    this.unsubscribe = bus?.subscribe(EVENT_TYPES, () => {
      // Many events per message: one wake per turn of the event loop is enough.
      if (!this.active || this.wakeQueued) return;
      this.wakeQueued = true;
      setTimeout(() => {
        this.wakeQueued = false;
        this.wake();
      }, LINGER_MS).unref();
    });
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
    this.wake();
  }

  /** Waits for the POSTs in flight (each bounded by `webhooks.timeout`). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.passing;
    await Promise.all(this.busy.values());
  }

  /** Look at every endpoint now; endpoints with events and no POST in flight start one. */
  wake(): void {
    if (this.stopped) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = this.pass()
      .catch((err: unknown) => this.deps.logger.error({ err }, 'webhook delivery pass failed'))
      .finally(() => {
        this.passing = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves when nothing is in flight (tests). */
  async idle(): Promise<void> {
    while (this.passing || this.busy.size > 0) await Promise.all([this.passing, ...this.busy.values()]);
  }

  private async pass(): Promise<void> {
    const endpoints = await this.deps.store.list();
    const now = this.deps.clock.now();
    this.active = endpoints.some((e) => e.enabled);
    for (const e of endpoints) {
      if (!e.enabled || this.busy.has(e.id) || (e.nextAttemptAt ?? 0) > now) continue;
      const run = this.drive(e.id).finally(() => this.busy.delete(e.id));
      this.busy.set(e.id, run);
    }
  }

  /** Step one endpoint until it has nothing more to send or a POST fails. */
  private async drive(id: string): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const e = await this.deps.store.get(id);
        if (!e || !e.enabled || (e.nextAttemptAt ?? 0) > this.deps.clock.now()) return;
        const r = await this.step(e);
        // sent-all: the next events wake us (after LINGER_MS), to go together.
        if (r === 'idle' || r === 'failed' || r === 'sent-all') return;
      }
    } catch (err) {
      this.deps.logger.error({ err, webhookId: id }, 'webhook delivery failed');
    }
  }

  /** One read of the outbox after the cursor, and at most one POST. */
  async step(e: WebhookEndpoint): Promise<StepResult> {
    const { store, events, config, clock } = this.deps;
    const batch = await events.readEvents(e.cursor, config.batchSize);
    const last = batch.at(-1);
    if (!last) return 'idle';
    for (const s of batch) this.labels.remember(s.event);
    const chosen = batch.filter((s) => wants(e.events, s.event.type));
    if (chosen.length === 0) return (await store.advance(e.id, e.cursor, last.id)) ? 'skipped' : 'lost-race';
    const body = await payloadOf(chosen, this.labels);
    const at = clock.now();
    const result = await this.deps.post(e.url, body, {
      'Content-Type': 'application/json',
      'User-Agent': 'Baton-Webhooks/1',
      [WEBHOOK_ID_HEADER]: e.id,
      [SIGNATURE_HEADER]: signatureHeader(e.secret, body, Math.floor(at / 1000)),
    });
    const first = chosen[0]?.id ?? last.id;
    await store.addDelivery(e.id, {
      at,
      ...(result.status !== undefined ? { status: result.status } : {}),
      ok: result.ok,
      durationMs: result.durationMs,
      events: chosen.length,
      firstEventId: first,
      lastEventId: chosen.at(-1)?.id ?? last.id,
      ...(result.error !== undefined ? { error: result.error } : {}),
      ...(result.response !== undefined ? { response: result.response } : {}),
      body,
    });
    if (result.ok) return (await store.advance(e.id, e.cursor, last.id)) ? (batch.length < config.batchSize ? 'sent-all' : 'sent') : 'lost-race';
    await this.failed(e, clock.now(), result.error ?? 'failed');
    return 'failed';
  }

  private async failed(e: WebhookEndpoint, now: number, error: string): Promise<void> {
    const { store, config, random, logger } = this.deps;
    const failures = e.failures + 1;
    const delay = nextAttemptDelay(failures, { first: config.retry.first, max: config.retry.max, multiplier: 2, jitter: 0.2 }, random);
    const failingSince = e.firstFailureAt ?? now;
    logger.warn({ webhookId: e.id, url: e.url, failures, error, retryInMs: delay }, 'webhook POST failed');
    await store.recordFailure(e.id, { at: now, nextAttemptAt: now + delay, error });
    // Back again when the wait ends, not at the next poll (retries under a second in tests, punctual ones in use).
    setTimeout(() => this.wake(), delay + 5).unref();
    if (now - failingSince < config.disableAfter) return;
    const reason = `failing since ${new Date(failingSince).toISOString()} (${failures} attempts), last: ${error}`;
    await store.setEnabled(e.id, false, { at: now, reason });
    await this.deps.record({ type: 'webhook-disabled', at: now, webhookId: e.id, url: e.url, reason, failures, failingSince });
  }
}
