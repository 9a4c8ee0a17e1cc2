import { suppressesAddress } from '../delivery/index.js';
import type { BatonEvent, EventBus, EventStore } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { Suppressions } from '../suppression/index.js';
import { suppressFor } from './feedback-suppressor.js';
import { findOriginal } from './original.js';

export interface HardBounceFeederDeps {
  readonly bus: EventBus;
  readonly events: Pick<EventStore, 'eventsFor'>;
  readonly suppressions: Suppressions;
  /** `bounces.suppressScope`. */
  readonly scope: 'global' | 'domain';
  readonly logger: Logger;
}

/**
 * Feeds the suppression store from synchronous hard bounces (DESIGN §3 step
 * 9): a `bounced` event whose reply was classified hard bad-mailbox or
 * bad-domain suppresses the recipient (reason hard-bounce, source the queue
 * id). Policy, spam-block, content and the like are not the address's fault:
 * the next message may well get through, so they suppress nothing.
 *
 * It listens on the bus, where events arrive after their commit: a crash
 * between the bounce's commit and the suppression loses that one suppression
 * (the next hard bounce of the address adds it), never a wrong one.
 */
export class HardBounceFeeder {
  private unsubscribe: (() => void) | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: HardBounceFeederDeps) {}

  start(): void {
    this.unsubscribe = this.deps.bus.subscribe(['bounced'], (e) => this.onEvent(e));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.allSettled([...this.pending]);
  }

  private onEvent(e: BatonEvent): void {
    if (e.type !== 'bounced' || !e.classification || !suppressesAddress(e.classification)) return;
    const work = this.feed(e.queueId, e.recipient).catch((err: unknown) =>
      this.deps.logger.error({ err, queueId: e.queueId, rcpt: e.recipient }, 'adding the suppression for a hard bounce failed'),
    );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async feed(queueId: string, recipient: string): Promise<void> {
    const original = await findOriginal(this.deps.events, queueId);
    // The accepted event tells the sender (null-sender mail is not suppressed for, feedback-suppressor.ts).
    if (!original) return;
    await suppressFor(this.deps.suppressions, original, { address: recipient, reason: 'hard-bounce', source: queueId, scope: this.deps.scope });
  }
}
