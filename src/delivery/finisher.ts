import { finalStateWantsNotice, matchesDomain, type Clock, type QueueId } from '../core/index.js';
import type { BatonEvent, EventBus } from '../events/index.js';
import type { Intake } from '../intake/index.js';
import type { Logger } from '../log/index.js';
import type { MessageDetail, QueueStore } from '../queue/index.js';
import { buildDsn, dsnInputFromMessage, type DsnRecipient } from './bounce/index.js';
import { Waker } from './waker.js';

export interface FinisherDeps {
  readonly store: QueueStore;
  /** Bounces, expiries and delay warnings arrive here, once committed. */
  readonly bus: EventBus;
  readonly intake: Intake;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hostname: string;
  readonly localDomains: readonly string[];
  /**
   * Retire finished messages (default true). In a cluster exactly one node
   * does (its leader lease "finisher": two would send two DSNs for one
   * message); every node still sends the delay notices of the attempts it
   * made, which only its own bus sees (`notices`, default true).
   */
  readonly retire?: boolean;
  readonly notices?: boolean;
}

const BATCH = 100;
const POLL_MS = 2000;
/** Rounds are at least this far apart, so finished messages are retired in batches. */
const RETIRE_GAP_MS = 25;

/**
 * Retires messages whose every recipient is final (DESIGN §3 step 9): sends
 * one RFC 3464 DSN to the sender for the failed recipients (and, when asked
 * with NOTIFY=SUCCESS, the delivered ones), then deletes the message. The DSN
 * is queued before the delete, so a crash between the two can repeat a DSN
 * but never lose one.
 *
 * It listens to the events of the delivery side (DESIGN §9 Event): a bounce
 * or an expiry wakes it to look for finished messages; a "delayed" event
 * makes it send a delay notice. Success notices (NOTIFY=SUCCESS, rare) wait
 * for the next poll, so the hot path of plain deliveries wakes nothing.
 */
export class Finisher {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new Waker();
  private unsubscribe: (() => void) | undefined;
  /** Recipients whose delay notice is due, by message: one notice per message and commit. */
  private readonly delayed = new Map<string, Set<string>>();
  private readonly warnings = new Set<Promise<void>>();

  constructor(private readonly deps: FinisherDeps) {}

  start(): void {
    this.running = true;
    const retire = this.deps.retire ?? true;
    const notices = this.deps.notices ?? true;
    const types = [...(retire ? (['bounced', 'expired'] as const) : []), ...(notices ? (['delayed'] as const) : [])];
    this.unsubscribe = this.deps.bus.subscribe(types, (e) => this.onEvent(e));
    if (retire) this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.waker.stop();
    await this.loop;
    await Promise.allSettled([...this.warnings]);
  }

  private onEvent(e: BatonEvent): void {
    if (e.type !== 'delayed') return this.waker.wake();
    const pending = this.delayed.get(e.queueId);
    if (pending) return void pending.add(e.recipient);
    // The events of one commit are published together: gather them, then send one notice.
    this.delayed.set(e.queueId, new Set([e.recipient]));
    queueMicrotask(() => {
      const recipients = this.delayed.get(e.queueId) ?? new Set<string>();
      this.delayed.delete(e.queueId);
      const sent: Promise<void> = this.warnDelayed(e.queueId as QueueId, recipients)
        .catch((err: unknown) => this.deps.logger.error({ err, queueId: e.queueId }, 'sending the delay notice failed'))
        .finally(() => this.warnings.delete(sent));
      this.warnings.add(sent);
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let done = 0;
      try {
        const finished = await this.deps.store.listFinished(BATCH);
        // In parallel: the queue writer commits the deletes of a batch together.
        await Promise.all(finished.map((message) => this.retire(message)));
        done = finished.length;
      } catch (err) {
        this.deps.logger.error({ err }, 'retiring finished messages failed');
      }
      if (done < BATCH) await this.waker.sleep(POLL_MS, RETIRE_GAP_MS);
    }
  }

  private async retire(message: MessageDetail): Promise<void> {
    if (this.wantsDsn(message)) {
      const body = await this.deps.store.readBody(message.id);
      if (body) await this.notify(message, body, {});
    }
    await this.deps.store.delete(message.id, 'finished');
  }

  /**
   * RFC 3461 delay notice for recipients that have just waited longer than
   * `delivery.delayWarning`. The crossing is seen by the attempt whose previous
   * state change came before the threshold, so no extra state is stored.
   */
  private async warnDelayed(queueId: QueueId, recipients: ReadonlySet<string>): Promise<void> {
    const message = await this.deps.store.getMessage(queueId);
    const body = message && (await this.deps.store.readBody(queueId));
    if (!message || !body) return;
    await this.notify(message, body, { delayWarning: true, recipients });
  }

  /** Whether any recipient's final state asks for a notice: most messages need none, and skip the body read. */
  private wantsDsn(message: MessageDetail): boolean {
    if (message.envelope.mailFrom === null) return false;
    return message.recipients.some((r) => finalStateWantsNotice(r.status, r.notify, r.noticePassedOn));
  }

  /** Build and queue the DSN, if any recipient asked for one (NOTIFY) and the sender is not <>. */
  private async notify(message: MessageDetail, body: Buffer, opts: { delayWarning?: boolean; recipients?: ReadonlySet<string> }): Promise<void> {
    const input = dsnInputFromMessage(message, body, { hostname: this.deps.hostname, now: this.deps.clock.now(), ...opts });
    const dsn = buildDsn({ ...input, recipients: input.recipients.map((r) => this.relayedOrDelivered(r)) });
    if (!dsn) return;
    const id = await this.deps.intake.submit({
      mailFrom: null,
      recipients: dsn.envelope.recipients,
      // RFC 8689 §5: the notice about a REQUIRETLS message travels under REQUIRETLS too (it quotes its header).
      params: message.envelope.params.requireTls === true ? { ...dsn.envelope.params, requireTls: true } : dsn.envelope.params,
      origin: { kind: 'local' },
      content: dsn.message,
      isSubmission: false,
    });
    this.deps.logger.info({ queueId: message.id, dsnQueueId: id, kind: dsn.kind, reported: dsn.reported.length }, 'DSN queued');
  }

  /** RFC 3464 §2.3.3: "relayed" when handed to another MTA, "delivered" for our own mailboxes. */
  private relayedOrDelivered(r: DsnRecipient): DsnRecipient {
    if (r.action !== 'delivered') return r;
    const local = matchesDomain(r.address.domain, this.deps.localDomains);
    return local ? r : { ...r, action: 'relayed' };
  }
}
