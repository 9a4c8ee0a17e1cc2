import type { Clock } from '../core/index.js';
import type { Intake } from '../intake/index.js';
import type { Logger } from '../log/index.js';
import type { MessageDetail, QueueStore, RecipientRow } from '../queue/index.js';
import { buildDsn, type DsnRecipient } from './bounce/dsn.js';
import { classifyDomain } from '../smtp/policy/relay-access.js';

export interface FinisherDeps {
  readonly store: QueueStore;
  readonly intake: Intake;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hostname: string;
  readonly localDomains: readonly string[];
}

const BATCH = 100;
const POLL_MS = 2000;

/**
 * Retires messages whose every recipient is final (DESIGN §3 step 9): sends
 * one RFC 3464 DSN to the sender for the failed recipients (and, when asked
 * with NOTIFY=SUCCESS, the delivered ones), then deletes the message. The DSN
 * is queued before the delete, so a crash between the two can repeat a DSN
 * but never lose one.
 */
export class Finisher {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly deps: FinisherDeps) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let done = 0;
      try {
        const finished = await this.deps.store.listFinished(BATCH);
        for (const message of finished) await this.retire(message);
        done = finished.length;
      } catch (err) {
        this.deps.logger.error({ err }, 'retiring finished messages failed');
      }
      if (done < BATCH) await this.sleep(POLL_MS);
    }
  }

  private async retire(message: MessageDetail): Promise<void> {
    const recipients = message.recipients.map((r) => this.dsnRecipient(r));
    const body = await this.deps.store.readBody(message.id);
    const dsn = body
      ? buildDsn({
          hostname: this.deps.hostname,
          queueId: message.id,
          sender: message.envelope.mailFrom,
          ...(message.envelope.params.ret ? { ret: message.envelope.params.ret } : {}),
          ...(message.envelope.params.envid !== undefined ? { envid: message.envelope.params.envid } : {}),
          receivedAt: message.receivedAt,
          original: body,
          recipients,
          now: this.deps.clock.now(),
        })
      : undefined;
    if (dsn) {
      const id = await this.deps.intake.submit({
        mailFrom: null,
        recipients: dsn.envelope.recipients,
        params: dsn.envelope.params,
        origin: { kind: 'local' },
        content: dsn.message,
        isSubmission: false,
      });
      this.deps.logger.info({ queueId: message.id, dsnQueueId: id, kind: dsn.kind, reported: dsn.reported.length }, 'DSN queued');
    }
    await this.deps.store.delete(message.id);
    this.deps.logger.info({ queueId: message.id }, 'removed');
  }

  private dsnRecipient(r: RecipientRow): DsnRecipient {
    const local = classifyDomain(r.address.domain, { localDomains: this.deps.localDomains, relayDomains: [] }) === 'local';
    const action = r.status === 'delivered' ? (local ? 'delivered' : 'relayed') : 'failed';
    return {
      address: r.address,
      action,
      ...(r.status === 'expired' ? { expired: true } : {}),
      ...(r.orcpt !== undefined ? { orcpt: r.orcpt } : {}),
      ...(r.notify !== undefined ? { notify: r.notify } : {}),
      ...(r.lastReply ? { reply: r.lastReply } : {}),
      ...(r.lastError !== undefined ? { error: r.lastError } : {}),
      ...(r.remoteMta !== undefined ? { remoteMta: r.remoteMta } : {}),
      lastAttemptAt: r.updatedAt,
    };
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(), ms);
      this.wakeUp = () => {
        this.wakeUp = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
