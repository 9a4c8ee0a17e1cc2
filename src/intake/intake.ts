import { applyHeaderEdits, formatMailbox, newQueueId, partsLength, type Clock, type HeaderEdits, type QueueId, type Recipient } from '../core/index.js';
import type { AcceptedEvent } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { ClaimedMessage, EnqueueRequest, QueueStore } from '../queue/index.js';
import type { Intake, Submission } from './types.js';
import { expandAliases, type AliasTable } from './aliases.js';
import type { IntakeTransform, IntakeView } from './transforms/index.js';
import type { SuppressionGate } from './suppression-gate.js';
import { decideStream, type StreamRules } from './stream.js';
import { subjectOf } from './headers.js';
import { paramsWithTlsRequired } from './tls-required.js';

/**
 * A delivery engine in this process that takes new messages straight from
 * intake (already leased to it), instead of finding them in the queue later.
 */
export interface HandOff {
  readonly owner: string;
  readonly leaseMs: number;
  /** False when the engine has no room (or is stopping): the message waits in the queue. */
  wants(): boolean;
  adopt(claim: ClaimedMessage, body: Buffer): void;
}

export interface IntakeDeps {
  /** Absent in bench `queue.discard` mode: messages are counted and dropped. */
  readonly store: QueueStore | undefined;
  /** Virtual aliases, expanded here like Postfix's cleanup(8) does (virtual_alias_maps). */
  readonly aliases: AliasTable;
  /** Header edits at accept time, in order (DESIGN §9 Transform). */
  readonly transforms: readonly IntakeTransform[];
  readonly clock: Clock;
  readonly lifetimeMs: number;
  readonly logger: Logger;
  /** The delivery engine of this process, when it runs here. */
  readonly handOff?: HandOff;
  /** Drops suppressed recipients (every source; DSNs and postmaster exempt); absent: none are. */
  readonly suppression?: SuppressionGate;
  /** What the bulk stream requires (docs/deliverability.md#streams); absent: nothing. */
  readonly streams?: StreamRules;
  /** Adds the postal address footer to bulk mail (`bulk.postalAddress`, intake/postal-footer.ts). */
  readonly bulkFooter?: (content: Buffer) => Promise<Buffer>;
  /**
   * Takes the unsubscribe+TOKEN@ recipients (RFC 8058 mailto, unsubscribe/mailto.ts):
   * suppresses their senders and returns the recipients left to queue.
   */
  readonly mailto?: { take(recipients: readonly Recipient[], sender: Submission['mailFrom'], queueId: string): Promise<readonly Recipient[]> };
}

/**
 * The single writer to the queue (Postfix's cleanup): expands aliases, applies
 * the intake transforms (trace headers and the like), then enqueues with the
 * `accepted` event. The promise resolves only when the message is durable, so
 * the caller may then answer 250.
 */
export class QueueIntake implements Intake {
  constructor(private readonly deps: IntakeDeps) {}

  async submit(sub: Submission): Promise<QueueId> {
    const now = this.deps.clock.now();
    const id = sub.queueId ?? newQueueId(this.deps.clock);
    const expanded = this.expand(sub.recipients, id);
    const wanted = this.deps.mailto ? await this.deps.mailto.take(expanded, sub.mailFrom, id) : expanded;
    // Only unsubscribe requests: done (they are durable), nothing to queue.
    if (wanted.length === 0) return id;
    const screened = this.deps.suppression
      ? await this.deps.suppression.screen({ queueId: id, mailFrom: sub.mailFrom, recipients: wanted, origin: sub.origin, now })
      : { recipients: wanted, events: [] };
    const recipients = screened.recipients;
    // The stream is decided once, here, and stored in the origin; X-Baton-Stream never leaves.
    const stream = decideStream(sub, this.deps.streams);
    const origin = stream.origin;
    const content = origin.stream === 'bulk' && this.deps.bulkFooter ? await this.deps.bulkFooter(sub.content) : sub.content;
    // RFC 8689 §4.1: a TLS-Required: No field tags the message (REQUIRETLS itself came with MAIL FROM).
    const params = paramsWithTlsRequired(sub.params, content);
    const view: IntakeView = {
      queueId: id,
      mailFrom: sub.mailFrom,
      recipients,
      params,
      origin,
      content,
      receivedAt: now,
      isSubmission: sub.isSubmission,
      checkEdits: sub.checkEdits ?? [],
    };
    const edits = this.deps.transforms.flatMap((t) => t.edit(view));
    if (stream.edit) edits.push(stream.edit);
    const message = sharedMessage(content, edits);
    const store = this.deps.store;
    if (!store) {
      this.deps.logger.debug({ queueId: id, size: message.length }, 'discarded (queue.discard)');
      return id;
    }
    const accepted: AcceptedEvent = {
      type: 'accepted',
      queueId: id,
      at: now,
      sender: formatMailbox(sub.mailFrom),
      recipients: recipients.map((r) => formatMailbox(r.address)),
      size: message.length,
      origin,
      ...sub.annotations,
      ...subjectField(sub),
    };
    // Every recipient suppressed: nothing to queue, but the 250 stands and the timeline tells why.
    if (recipients.length === 0 && screened.events.length > 0) {
      await this.deps.suppression?.recordWithoutMessage([accepted, ...screened.events]);
      return id;
    }
    const req: EnqueueRequest = {
      id,
      envelope: { mailFrom: sub.mailFrom, recipients, params },
      origin,
      message,
      receivedAt: now,
      expiresAt: now + this.deps.lifetimeMs,
      ...(sub.sendLog ? { sendLog: sub.sendLog } : {}),
      // A held message is stored held in the same commit, its reason in the timeline.
      ...(sub.hold
        ? { held: true, events: [accepted, ...screened.events, { type: 'held', queueId: id, at: now, reason: `${sub.hold.check}: ${sub.hold.reason}` }] }
        : { events: [accepted, ...screened.events] }),
    };
    const handOff = this.deps.handOff;
    if (!sub.hold && handOff?.wants()) handOff.adopt(await store.enqueueClaimed(req, { owner: handOff.owner, leaseMs: handOff.leaseMs }), message);
    else await store.enqueue(req);
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
 * The stored form of a message: the edited header fields and the content,
 * copied once into shared memory. The queue's writer thread and the delivery
 * engine then read the same bytes; nothing is cloned on the way to disk. The
 * common case (fields only added) writes the new fields straight in.
 */
function sharedMessage(content: Buffer, edits: readonly HeaderEdits[]): Buffer {
  if (edits.every((e) => e.remove === undefined && e.removeWhere === undefined)) {
    let prefix = '';
    for (const e of edits) if (e.prepend) prefix += e.prepend.join('');
    const head = Buffer.byteLength(prefix, 'utf8');
    const message = Buffer.from(new SharedArrayBuffer(head + content.length));
    message.write(prefix, 0, 'utf8');
    content.copy(message, head);
    return message;
  }
  const parts = applyHeaderEdits(content, edits);
  const message = Buffer.from(new SharedArrayBuffer(partsLength(parts)));
  let off = 0;
  for (const p of parts) off += p.copy(message, off);
  return message;
}

/** The API gives its Subject with the annotations; for other mail it is read from the header, so every message is findable by it. */
function subjectField(sub: Submission): { subject?: string } {
  if (sub.annotations?.subject !== undefined) return {};
  const subject = subjectOf(sub.content);
  return subject !== undefined ? { subject } : {};
}
