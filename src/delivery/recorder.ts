import { formatMailbox, replyToText, type Clock, type Random } from '../core/index.js';
import type { Logger } from '../log/index.js';
import { nextAttemptDelay, type QueueStore, type RecipientUpdate } from '../queue/index.js';
import type { RetryPolicy } from '../queue/schedule.js';
import { decideDeferral } from './outcome.js';
import type { DeliveryJob, RecipientVerdict } from './remote-delivery.js';

export interface RecorderDeps {
  readonly store: QueueStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly retry: RetryPolicy;
  readonly owner: string;
  readonly logger: Logger;
}

/**
 * Turns an attempt's verdicts into the recipients' new states (DESIGN §3 step 9)
 * and commits them in one transaction: delivered and bounced are final; a
 * deferral gets its next attempt from the back-off schedule, or expires once
 * the message's lifetime has run out.
 */
export class OutcomeRecorder {
  constructor(private readonly deps: RecorderDeps) {}

  /**
   * `notBefore`: the earliest next attempt (a destination in back-off).
   * Returns whether the message is now finished and owes a DSN (the finisher's
   * work; a finished message that owes none was removed by the store), and
   * which rows were deferred.
   */
  async record(job: DeliveryJob, verdicts: readonly RecipientVerdict[], notBefore: number): Promise<{ owesDsn: boolean; deferred: ReadonlySet<number> }> {
    const now = this.deps.clock.now();
    const updates = verdicts.map((v) => this.update(job, v, now, notBefore));
    const { lost, removed, finished } = await this.deps.store.recordOutcomes(updates, { owner: this.deps.owner, now });
    if (lost.length > 0) this.deps.logger.warn({ queueId: job.message.id, rows: lost }, 'lease lost before the outcome was recorded');
    // The per-recipient lines are built only when they will be written (hot path).
    if (this.deps.logger.isLevelEnabled('info')) {
      for (const [i, v] of verdicts.entries()) this.log(job, v, updates[i] as RecipientUpdate, now);
      for (const queueId of removed) this.deps.logger.info({ queueId }, 'removed');
    }
    const kept = lost.length === 0 ? updates : updates.filter((u) => !lost.includes(u.rowId));
    return {
      owesDsn: finished.length > 0,
      deferred: new Set(kept.filter((u) => u.kind === 'deferred').map((u) => u.rowId)),
    };
  }

  private update(job: DeliveryJob, v: RecipientVerdict, now: number, notBefore: number): RecipientUpdate {
    const { outcome, row } = v;
    const detail = {
      ...(outcome.reply ? { reply: outcome.reply } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(v.remoteMta ? { remoteMta: v.remoteMta } : {}),
    };
    switch (outcome.verdict) {
      case 'delivered':
        return { rowId: row.rowId, kind: 'delivered', ...(outcome.reply ? { reply: outcome.reply } : {}), ...(v.remoteMta ? { remoteMta: v.remoteMta } : {}) };
      case 'bounced':
        return { rowId: row.rowId, kind: 'bounced', ...detail };
      case 'deferred': {
        const delay = outcome.retryNow ? 0 : nextAttemptDelay(row.attempts + 1, this.deps.retry, this.deps.random);
        const decision = decideDeferral({
          receivedAt: job.message.receivedAt,
          expiresAt: job.message.expiresAt,
          now,
          nextAttemptAt: Math.max(now + delay, notBefore),
        });
        if (decision.kind === 'expired') return { rowId: row.rowId, kind: 'expired', ...detail };
        return { rowId: row.rowId, kind: 'deferred', nextAttemptAt: decision.nextAttemptAt, ...detail };
      }
    }
  }

  /** One line per recipient and attempt, like Postfix's "status=sent" log. */
  private log(job: DeliveryJob, v: RecipientVerdict, u: RecipientUpdate, now: number): void {
    const status = u.kind === 'delivered' ? 'sent' : u.kind;
    this.deps.logger.info(
      {
        queueId: job.message.id,
        to: formatMailbox(v.row.address),
        relay: v.remoteMta ?? job.destination,
        status,
        attempts: v.row.attempts + 1,
        delayMs: now - job.message.receivedAt,
        reply: v.outcome.reply ? replyToText(v.outcome.reply) : v.outcome.error,
        ...(u.kind === 'deferred' ? { nextAttemptAt: new Date(u.nextAttemptAt).toISOString() } : {}),
      },
      `delivery ${status}`,
    );
  }
}
