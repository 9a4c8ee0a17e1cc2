import type { Clock } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { Contact, ContactMailer, SegmentSql } from '../types.js';
import { campaignScope, type Campaign, type CampaignStore } from './campaign-store.js';
import { Pacer, rateInterval } from './rate.js';

export interface CampaignRunnerDeps {
  readonly store: CampaignStore;
  readonly mailer: ContactMailer;
  /** The segment's audience SQL for this store's dialect (segments/); undefined: no such segment. */
  readonly audienceOf: (segmentId: number, now: number) => Promise<SegmentSql | undefined>;
  readonly clock: Clock;
  /** Waits `ms` (tests: a fake that moves the Clock); resolves early when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly logger: Logger;
  /** Messages in flight per campaign (rendering, checks and the enqueue overlap). */
  readonly concurrency?: number;
  /** Pending contacts read per query. */
  readonly batch?: number;
  /** How often to look for due campaigns when nothing wakes the runner. */
  readonly pollMs?: number;
  /** After a temporary refusal (a quota, the queue): wait this long, then go on where it stopped. */
  readonly backoffMs?: number;
}

type Outcome = 'done' | 'stopped' | 'backoff';

/**
 * Sends campaigns (docs/campaigns.md): one loop, leader-only in a cluster
 * (a singleton loop), that starts scheduled campaigns when due and walks the
 * pending audience of sending ones in contact id order, `concurrency`
 * messages at a time, paced by the campaign's `rate`.
 *
 * Exactly once: every message carries the send log entry
 * (`campaign:<id>`, `<contactId>`) committed with the enqueue; a contact is
 * marked queued only after that commit, and after a crash the repeat is
 * refused ALREADY_SENT and marked queued then. All state is in the store, so
 * a restart (or another node taking the lease) simply goes on.
 *
 * Pause and cancel take effect between messages: the state is read before
 * each message. A temporary refusal (quota, 503) backs the campaign off for
 * `backoffMs` with a note in its view, leaving the contact pending; it does
 * not pause it, so a quota that renews by itself needs no operator.
 */
export class CampaignRunner {
  private readonly concurrency: number;
  private readonly batch: number;
  private readonly pollMs: number;
  private readonly backoffMs: number;
  private readonly pacers = new Map<number, Pacer>();
  private readonly waitUntil = new Map<number, number>();
  private abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly deps: CampaignRunnerDeps) {
    this.concurrency = Math.max(1, deps.concurrency ?? 8);
    this.batch = Math.max(1, deps.batch ?? 500);
    this.pollMs = deps.pollMs ?? 1000;
    this.backoffMs = deps.backoffMs ?? 60_000;
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** Look now (a campaign was just sent or resumed on this node) instead of at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  private wakeUp: (() => void) | undefined;

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        await this.tick();
      } catch (err) {
        this.deps.logger.error({ err }, 'campaign runner: a pass failed; trying again');
      }
      if (signal.aborted) break;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        void this.deps.sleep(this.pollMs, signal).then(resolve);
      });
    }
  }

  /** One pass: every due campaign, each until it is done, stopped or backed off. */
  async tick(): Promise<void> {
    const now = this.deps.clock.now();
    for (const c of await this.deps.store.due(now)) {
      if (this.abort.signal.aborted) return;
      if ((this.waitUntil.get(c.id) ?? 0) > now) continue;
      await this.runCampaign(c);
    }
  }

  private async runCampaign(found: Campaign): Promise<void> {
    const { store, clock } = this.deps;
    let c: Campaign | undefined = found;
    if (c.state === 'scheduled') c = await store.transition(c.id, ['scheduled'], 'sending', clock.now());
    if (!c) return;
    if (!c.materialized) {
      const audience = await this.deps.audienceOf(c.segmentId, clock.now());
      if (!audience) {
        await store.transition(c.id, ['sending'], 'paused', clock.now(), `segment ${c.segmentId} does not exist`);
        return;
      }
      const size = await store.materialize(c.id, audience, clock.now());
      this.deps.logger.info({ campaign: c.id, audience: size }, 'campaign audience selected');
    }
    // Back from a back-off (or a restart during one): the note no longer holds.
    if (c.note?.startsWith('waiting:')) await store.transition(c.id, ['sending'], 'sending', clock.now());
    this.waitUntil.delete(c.id);
    const outcome = await this.walk(c);
    if (outcome === 'done' && (await store.progress(c.id)).remaining === 0) {
      if (await store.transition(c.id, ['sending'], 'sent', clock.now())) this.deps.logger.info({ campaign: c.id }, 'campaign sent');
      this.pacers.delete(c.id);
    }
  }

  /** Walk the pending contacts in id order; stops between messages when the state is no longer sending. */
  private async walk(c: Campaign): Promise<Outcome> {
    const pacer = this.pacerFor(c);
    let after = 0;
    for (;;) {
      const rows = await this.deps.store.pending(c.id, after, this.batch);
      if (rows.length === 0) return 'done';
      after = (rows[rows.length - 1] as Contact).id;
      let next = 0;
      let outcome: Outcome = 'done';
      const worker = async () => {
        while (outcome === 'done' && next < rows.length) {
          const contact = rows[next++] as Contact;
          const wait = pacer?.delay() ?? 0;
          if (wait > 0) await this.deps.sleep(wait, this.abort.signal);
          if (this.abort.signal.aborted || (await this.deps.store.get(c.id))?.state !== 'sending') {
            outcome = 'stopped';
            return;
          }
          if ((await this.sendOne(c, contact)) === 'backoff') outcome = 'backoff';
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, rows.length) }, worker));
      if (outcome !== 'done') return outcome;
    }
  }

  private async sendOne(c: Campaign, contact: Contact): Promise<'ok' | 'backoff'> {
    const { store, clock } = this.deps;
    const result = await this.deps.mailer.send({
      contact,
      templateId: c.templateId,
      from: c.from,
      stream: c.stream,
      ...(c.pool !== undefined ? { pool: c.pool } : {}),
      sendLog: { scope: campaignScope(c.id), key: String(contact.id) },
      apiKey: c.apiKey,
      tags: ['campaign'],
      metadata: { campaign: String(c.id) },
    });
    const now = clock.now();
    switch (result.kind) {
      case 'queued':
      case 'already-sent':
        await store.mark(c.id, contact.id, 'queued', now);
        return 'ok';
      case 'suppressed':
        await store.mark(c.id, contact.id, 'skipped', now, `suppressed: ${result.reason}`);
        return 'ok';
      case 'render-failed':
        await store.mark(c.id, contact.id, 'failed', now, `render-failed: ${result.part}: ${result.reason}`);
        return 'ok';
      case 'refused':
        if (!result.temporary) {
          await store.mark(c.id, contact.id, 'failed', now, result.reason);
          return 'ok';
        }
        this.waitUntil.set(c.id, now + this.backoffMs);
        await store.transition(c.id, ['sending'], 'sending', now, `waiting: ${result.reason}`);
        this.deps.logger.warn({ campaign: c.id, reason: result.reason }, 'campaign backing off after a temporary refusal');
        return 'backoff';
    }
  }

  private pacerFor(c: Campaign): Pacer | undefined {
    if (c.rate === undefined) return undefined;
    let p = this.pacers.get(c.id);
    if (!p) this.pacers.set(c.id, (p = new Pacer(rateInterval(c.rate) ?? 0, this.deps.clock)));
    return p;
  }
}
