import { countHeader, formatMailbox, newQueueId, Replies, SmtpError, type Clock, type QueueId, type Recipient } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { ClaimedMessage, QueueStore } from '../queue/index.js';
import type { Intake, Submission } from './types.js';
import { expandAliases, type AliasTable } from './aliases.js';
import { missingSubmissionHeaders, receivedHeader } from './headers.js';

const MAX_HOPS = 50;

/**
 * A delivery engine in this process that takes new messages straight from
 * intake (already leased to it), instead of finding them in the queue later.
 */
export interface HandOff {
  readonly owner: string;
  readonly leaseMs: number;
  /** False when the engine has no room (or is stopping): the message waits in the queue. */
  wants(): boolean;
  take(claim: ClaimedMessage, body: Buffer): void;
}

export interface IntakeDeps {
  readonly store: QueueStore | undefined;
  /** Virtual aliases, expanded here like Postfix's cleanup(8) does (virtual_alias_maps). */
  readonly aliases: AliasTable;
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
  private handOff: HandOff | undefined;

  constructor(private readonly deps: IntakeDeps) {}

  /** The engine is built after intake (it enqueues DSNs through it), so it is attached here. */
  setHandOff(handOff: HandOff | undefined): void {
    this.handOff = handOff;
  }

  async submit(sub: Submission): Promise<QueueId> {
    // RFC 5321 §6.3: a message that has passed this many MTAs is looping.
    // Postfix: hopcount_limit 50.
    if (countHeader(sub.content, 'Received') >= MAX_HOPS) {
      throw new SmtpError(Replies.tooManyHops(), 'message', { source: 'intake.hops', detail: `${MAX_HOPS} or more Received headers` });
    }
    const now = this.deps.clock.now();
    const id = newQueueId(this.deps.clock);
    const recipients = this.expand(sub.recipients, id);
    const trace = receivedHeader({ origin: sub.origin, hostname: this.deps.hostname, queueId: id, recipients, at: now });
    const added = sub.isSubmission ? missingSubmissionHeaders(sub.content, this.deps.hostname, now) : '';
    const message = sharedMessage(trace + added, sub.content);
    const store = this.deps.store;
    if (store) {
      const req = {
        id,
        envelope: { mailFrom: sub.mailFrom, recipients, params: sub.params },
        origin: sub.origin,
        message,
        receivedAt: now,
        expiresAt: now + this.deps.lifetimeMs,
      };
      const handOff = this.handOff;
      if (handOff?.wants()) {
        handOff.take(await store.enqueueClaimed(req, { owner: handOff.owner, leaseMs: handOff.leaseMs }), message);
      } else {
        await store.enqueue(req);
      }
    }
    if (this.deps.logger.isLevelEnabled('info')) {
      this.deps.logger.info(
        {
          queueId: id,
          from: sub.mailFrom ? `${sub.mailFrom.local}@${sub.mailFrom.domain}` : '<>',
          rcpts: recipients.length,
          size: message.length,
          client: sub.origin.clientIp,
          user: sub.origin.user,
        },
        store ? 'queued' : 'discarded (queue.discard)',
      );
    }
    return id;
  }

  /**
   * Replace aliased recipients by their targets. Each target keeps the original
   * address as ORCPT (RFC 3461 §4.2) so a DSN names what the sender wrote. A
   * broken alias table (a loop) is our problem: the original recipient is kept.
   */
  private expand(recipients: readonly Recipient[], id: QueueId): Recipient[] {
    if (this.deps.aliases.exact.size === 0 && this.deps.aliases.catchAll.size === 0) return [...recipients];
    const out: Recipient[] = [];
    const seen = new Set<string>();
    const add = (r: Recipient) => {
      const key = `${r.address.local.toLowerCase()}@${r.address.domain}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push(r);
    };
    for (const r of recipients) {
      const expanded = expandAliases(r.address, this.deps.aliases);
      if (!expanded.ok) {
        this.deps.logger.error({ queueId: id, rcpt: formatMailbox(r.address), problem: expanded.problem, detail: expanded.detail }, 'alias expansion failed; check the aliases config');
        add(r);
        continue;
      }
      const orcpt = r.orcpt ?? `rfc822;${formatMailbox(r.address)}`;
      for (const address of expanded.addresses) {
        const same = address.local === r.address.local && address.domain === r.address.domain;
        add(same ? r : { ...r, address, orcpt });
      }
    }
    return out;
  }
}

/**
 * The stored form of a message: the added header fields, then the content,
 * copied once into shared memory. The queue's writer thread and the delivery
 * engine then read the same bytes; nothing is cloned on the way to disk.
 */
function sharedMessage(prefix: string, content: Buffer): Buffer {
  const head = Buffer.byteLength(prefix, 'utf8');
  const message = Buffer.from(new SharedArrayBuffer(head + content.length));
  message.write(prefix, 0, 'utf8');
  content.copy(message, head);
  return message;
}
