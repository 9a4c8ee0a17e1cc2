import { OutboxProjector, outboxFeed, type OutboxFeedOptions, type StoredEvent } from '../../events/index.js';
import { ActivityCursorMoved, type ActivityRow, type ContactStore } from './contact-store.js';

/**
 * What of the events outbox becomes contact activity (segment conditions on
 * delivery history): `delivered`; `bounced` — every bounced event, hard or
 * soft classification: the message was returned, which is what "bounced in
 * the last 30 days" asks (a hard one also suppresses the address, which the
 * status shows); `unsubscribed` from a suppression-added of reason
 * unsubscribe; `complained` from an ARF complaint. Opened and clicked are
 * written by tracking (ContactStore.recordActivity). Addresses lower case.
 */
export function activityOf(events: readonly StoredEvent[]): ActivityRow[] {
  const rows: ActivityRow[] = [];
  for (const { event: e } of events) {
    if (e.type === 'delivered' || e.type === 'bounced') rows.push({ address: e.recipient.toLowerCase(), event: e.type, at: e.at });
    else if (e.type === 'suppression-added' && e.reason === 'unsubscribe') rows.push({ address: e.address.toLowerCase(), event: 'unsubscribed', at: e.at });
    else if (e.type === 'complained' && e.recipient !== undefined) rows.push({ address: e.recipient.toLowerCase(), event: 'complained', at: e.at });
  }
  return rows;
}

/** Projects the outbox into contact_activity, exactly once across kill -9 (OutboxProjector: rows and cursor in one commit). */
export class ContactActivityProjector extends OutboxProjector {
  constructor(o: OutboxFeedOptions & { readonly contacts: ContactStore }) {
    super({
      name: 'the contact activity',
      ...outboxFeed(o),
      target: {
        cursor: () => o.contacts.activityCursor(),
        apply: (from, to, events) => o.contacts.applyActivity(from, to, activityOf(events)),
        movedTo: (err) => (err instanceof ActivityCursorMoved ? err.found : undefined),
      },
    });
  }
}
