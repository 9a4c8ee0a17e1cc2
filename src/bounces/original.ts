import type { AcceptedEvent, EventStore } from '../events/index.js';

/** What Baton still knows of a message it sent, from its `accepted` event (kept `events.retention`). */
export interface OriginalMessage {
  readonly queueId: string;
  /** "" for the null sender. */
  readonly sender: string;
  readonly recipients: readonly string[];
}

/**
 * The message a bounce or a complaint is about. The message itself is gone
 * from the queue once delivered; its events stay for `events.retention`, so
 * a report that comes later than that cannot be matched (and suppresses
 * nothing).
 */
export async function findOriginal(events: Pick<EventStore, 'eventsFor'>, queueId: string): Promise<OriginalMessage | undefined> {
  const accepted = (await events.eventsFor(queueId)).find((s) => s.event.type === 'accepted')?.event as AcceptedEvent | undefined;
  return accepted ? { queueId, sender: accepted.sender, recipients: accepted.recipients } : undefined;
}

/** The original's recipient named by a report (any case), or undefined when it is none of them. */
export function recipientOf(original: OriginalMessage, candidates: readonly (string | undefined)[]): string | undefined {
  for (const c of candidates) {
    if (c === undefined) continue;
    const hit = original.recipients.find((r) => r.toLowerCase() === c.toLowerCase());
    if (hit) return hit;
  }
  return undefined;
}

/** The sending domain a `domain`-scoped suppression applies to: the original sender's. */
export function senderDomain(original: OriginalMessage): string | undefined {
  const at = original.sender.lastIndexOf('@');
  return at > 0 ? original.sender.slice(at + 1).toLowerCase() : undefined;
}
