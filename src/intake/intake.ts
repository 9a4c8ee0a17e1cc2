import { newQueueId, type Clock, type QueueId } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { QueueStore } from '../queue/index.js';
import type { Intake, Submission } from './types.js';
import { missingSubmissionHeaders, receivedHeader } from './headers.js';

export interface IntakeDeps {
  readonly store: QueueStore | undefined;
  readonly hostname: string;
  readonly clock: Clock;
  readonly lifetimeMs: number;
  readonly logger: Logger;
}

/**
 * The single writer to the queue (Postfix's cleanup): adds trace headers,
 * then enqueues. The promise resolves only when the message is durable, so the
 * caller may then answer 250. With no store (bench `queue.discard`), messages
 * are counted and dropped.
 */
export class QueueIntake implements Intake {
  constructor(private readonly deps: IntakeDeps) {}

  async submit(sub: Submission): Promise<QueueId> {
    const now = this.deps.clock.now();
    const id = newQueueId(this.deps.clock);
    const trace = receivedHeader({ origin: sub.origin, hostname: this.deps.hostname, queueId: id, recipients: sub.recipients, at: now });
    const added = sub.isSubmission ? missingSubmissionHeaders(sub.content, this.deps.hostname, now) : '';
    const message = Buffer.concat([Buffer.from(trace + added, 'utf8'), sub.content]);
    const store = this.deps.store;
    if (store) {
      await store.enqueue({
        id,
        envelope: { mailFrom: sub.mailFrom, recipients: sub.recipients, params: sub.params },
        origin: sub.origin,
        message,
        receivedAt: now,
        expiresAt: now + this.deps.lifetimeMs,
      });
    }
    this.deps.logger.info(
      {
        queueId: id,
        from: sub.mailFrom ? `${sub.mailFrom.local}@${sub.mailFrom.domain}` : '<>',
        rcpts: sub.recipients.length,
        size: message.length,
        client: sub.origin.clientIp,
        user: sub.origin.user,
      },
      store ? 'queued' : 'discarded (queue.discard)',
    );
    return id;
  }
}
