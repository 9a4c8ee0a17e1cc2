import { formatMailbox, type Mailbox, type Origin, type QueueId, type Recipient } from '../core/index.js';
import type { BatonEvent, EventStore, SuppressedEvent } from '../events/index.js';
import type { SuppressionStore } from '../suppression/index.js';

/** What the gate decided for one message. */
export interface Screened {
  /** The recipients to queue, in the order given. */
  readonly recipients: readonly Recipient[];
  /** One `suppressed` event per recipient dropped; empty when none was. */
  readonly events: readonly SuppressedEvent[];
}

export interface ScreenInput {
  readonly queueId: QueueId;
  readonly mailFrom: Mailbox | null;
  /** After alias expansion: the mailboxes mail would really go to. */
  readonly recipients: readonly Recipient[];
  readonly origin: Origin;
  readonly now: number;
}

const NONE: readonly SuppressedEvent[] = [];

/**
 * Suppression at intake (docs/deliverability.md#suppression): recipients the
 * suppression store lists are dropped from the envelope before it is queued,
 * each with a `suppressed` event written in the message's enqueue commit.
 *
 * Authenticated submission is screened here too, though the `suppression`
 * check refused its suppressed recipients at RCPT already (a 550 there, so
 * the sending application learns at once): this is the backstop for a
 * listener whose check list leaves the check out, a user authenticated on
 * `mx`, and an entry added between RCPT and the end of DATA.
 *
 * Not screened here:
 * - the null reverse-path `<>` (DSNs and other automatic replies): a
 *   notification about a message must reach its sender (RFC 3464 §2, RFC 5321
 *   §4.5.5), and a suppression of that sender is about mail sent *to* it as
 *   a recipient of a campaign, not about reports of its own mail;
 * - `postmaster@` of any domain: RFC 5321 §4.5.1 requires that postmaster
 *   always receives mail, and it is how problems are reported.
 *
 * The recipients screened are the expanded ones (after `aliases`): the
 * entries name the mailbox mail was delivered to (the address that bounced,
 * complained or unsubscribed), and an alias is our routing rule, not a
 * person. One store call per message, whatever its number of recipients.
 */
export class SuppressionGate {
  constructor(
    private readonly store: Pick<SuppressionStore, 'matching'>,
    private readonly events: Pick<EventStore, 'append'>,
  ) {}

  async screen(m: ScreenInput): Promise<Screened> {
    if (m.mailFrom === null) return { recipients: m.recipients, events: NONE };
    const candidates: string[] = [];
    for (const r of m.recipients) if (!isPostmaster(r.address)) candidates.push(formatMailbox(r.address));
    if (candidates.length === 0) return { recipients: m.recipients, events: NONE };
    const hits = await this.store.matching(candidates, m.mailFrom.domain.toLowerCase(), m.now);
    if (hits.size === 0) return { recipients: m.recipients, events: NONE };
    const recipients: Recipient[] = [];
    const events: SuppressedEvent[] = [];
    for (const r of m.recipients) {
      // Postmaster was never asked about (above), so it cannot be a hit.
      const hit = hits.get(formatMailbox(r.address));
      if (!hit) {
        recipients.push(r);
        continue;
      }
      events.push({ type: 'suppressed', queueId: m.queueId, at: m.now, recipient: formatMailbox(r.address), reason: hit.reason, scope: hit.domain ?? 'global' });
    }
    return { recipients, events };
  }

  /**
   * Every recipient was suppressed: nothing is queued, but the client is
   * still answered 250 (the message was accepted; Baton decided not to send
   * it), so its events are stored on their own to tell the operator why.
   */
  recordWithoutMessage(events: readonly BatonEvent[]): Promise<void> {
    return this.events.append(events);
  }
}

/** RFC 5321 §4.5.1: the local part "postmaster" is case-insensitive, in any domain. */
function isPostmaster(a: Mailbox): boolean {
  return a.local.length === 10 && a.local.toLowerCase() === 'postmaster';
}
