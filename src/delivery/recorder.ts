import { formatMailbox, type Clock, type Random, type SmtpReply } from '../core/index.js';
import type { BatonEvent, RecipientAttempt } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { nextAttemptDelay, type QueueStore, type RecipientRow, type RecipientUpdate } from '../queue/index.js';
import type { RetryPolicy } from '../queue/schedule.js';
import type { DeliveryJob, RecipientVerdict } from './job.js';
import { decideDeferral } from './outcome.js';
import type { BounceClassifier } from './bounce/classify.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** The fields every update carries, whatever its kind. */
interface UpdateFields {
  readonly rowId: number;
  readonly reply?: SmtpReply;
  readonly remoteMta?: string;
  readonly error?: string;
}

export interface RecorderDeps {
  readonly store: QueueStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly retry: RetryPolicy;
  /** Config `delivery.delayWarning`: a recipient still pending this long after receipt gets one "delayed" event (0: never). */
  readonly delayWarningMs: number;
  readonly owner: string;
  readonly logger: Logger;
  /** Every failure is classified for its event (docs/deliverability.md "Bounce classification"). */
  readonly classifier: BounceClassifier;
  /**
   * Keep retrying an outcome the store could not take (the database away)
   * for up to this long, every second, instead of leaving the lease to expire
   * and the message to be sent again; 0: fail at once. The job stays held
   * meanwhile, so the engine keeps renewing its lease once the store is back.
   */
  readonly retryForMs?: number;
}

const RETRY_EVERY_MS = 1000;

/**
 * Turns an attempt's verdicts into the recipients' new states and their
 * events (DESIGN §3 step 9), committed in one transaction: delivered and
 * bounced are final; a deferral gets its next attempt from the back-off
 * schedule, or expires once the message's lifetime has run out.
 */
export class OutcomeRecorder {
  private stopped = false;

  constructor(private readonly deps: RecorderDeps) {}

  /** Give up retrying (the engine is stopping): what is not recorded now is left to its lease. */
  stop(): void {
    this.stopped = true;
  }

  /** `notBefore`: the earliest next attempt (a site in back-off). */
  async record(job: DeliveryJob, verdicts: readonly RecipientVerdict[], notBefore: number): Promise<void> {
    const now = this.deps.clock.now();
    const updates = verdicts.map((v) => this.update(job, v, now, notBefore));
    const { lost } = await this.commit(job, updates, now);
    if (lost.length > 0) this.deps.logger.warn({ queueId: job.message.id, rows: lost }, 'lease lost before the outcome was recorded');
  }

  private async commit(job: DeliveryJob, updates: readonly RecipientUpdate[], now: number): Promise<{ lost: readonly number[] }> {
    const giveUpAt = this.deps.clock.now() + (this.deps.retryForMs ?? 0);
    for (let tries = 1; ; tries++) {
      try {
        const result = await this.deps.store.recordOutcomes(updates, { owner: this.deps.owner, now });
        if (tries > 1) this.deps.logger.info({ queueId: job.message.id, tries }, 'outcome recorded after the queue store came back');
        return result;
      } catch (err) {
        if (this.stopped || this.deps.clock.now() + RETRY_EVERY_MS > giveUpAt) throw err;
        if (tries === 1) this.deps.logger.warn({ err, queueId: job.message.id }, 'recording an outcome failed; retrying while the queue store is away');
        await new Promise((r) => setTimeout(r, RETRY_EVERY_MS));
      }
    }
  }

  private update(job: DeliveryJob, v: RecipientVerdict, now: number, notBefore: number): RecipientUpdate {
    const { outcome, row } = v;
    // Built field by field rather than with spreads: one of these per recipient and attempt.
    const attempt: Mutable<RecipientAttempt> = { queueId: job.message.id, at: now, recipient: formatMailbox(row.address), attempt: row.attempts + 1 };
    const update: Mutable<UpdateFields> = { rowId: row.rowId };
    if (outcome.reply) update.reply = attempt.reply = outcome.reply;
    if (v.remoteMta) update.remoteMta = attempt.remoteMta = v.remoteMta;
    if (outcome.error && outcome.verdict !== 'delivered') update.error = attempt.error = outcome.error;
    // Failures only: a delivery needs no classification, and the hot path of plain relaying stays as it was.
    if (outcome.verdict !== 'delivered') attempt.classification = this.deps.classifier.classify(outcome.reply);
    switch (outcome.verdict) {
      case 'delivered': {
        if (!v.noticePassedOn) return { ...update, kind: 'delivered', events: [{ type: 'delivered', ...attempt }] };
        return { ...update, kind: 'delivered', noticePassedOn: true, events: [{ type: 'delivered', ...attempt, noticePassedOn: true }] };
      }
      case 'bounced':
        return { ...update, kind: 'bounced', events: [{ type: 'bounced', ...attempt }] };
      case 'deferred': {
        const delay = outcome.retryNow ? 0 : nextAttemptDelay(row.attempts + 1, this.deps.retry, this.deps.random);
        const decision = decideDeferral({
          receivedAt: job.message.receivedAt,
          expiresAt: job.message.expiresAt,
          now,
          nextAttemptAt: Math.max(now + delay, notBefore),
        });
        if (decision.kind === 'expired') return { ...update, kind: 'expired', events: [{ type: 'expired', ...attempt }] };
        const events: BatonEvent[] = [{ type: 'deferred', ...attempt, nextAttemptAt: decision.nextAttemptAt }];
        if (this.crossedDelayWarning(job, row, now)) {
          events.push({ type: 'delayed', queueId: job.message.id, at: now, recipient: attempt.recipient, queuedForMs: now - job.message.receivedAt });
        }
        return { ...update, kind: 'deferred', nextAttemptAt: decision.nextAttemptAt, events };
      }
    }
  }

  /**
   * The attempt that first finds the recipient pending past the warning time:
   * its previous state change came before that time. No extra state is kept.
   */
  private crossedDelayWarning(job: DeliveryJob, row: RecipientRow, now: number): boolean {
    if (this.deps.delayWarningMs <= 0) return false;
    const warnAt = job.message.receivedAt + this.deps.delayWarningMs;
    return now >= warnAt && row.updatedAt < warnAt;
  }
}
