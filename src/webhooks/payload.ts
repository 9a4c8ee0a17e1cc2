import { eventQueueId, type BatonEvent, type EventStore, type EventType, type StoredEvent } from '../events/index.js';

/** What a message's later events borrow from its `accepted` event. */
interface Labels {
  readonly tags?: readonly string[];
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Messages whose labels are remembered; beyond it the oldest are forgotten (and looked up again if needed). */
const LABELS_KEPT = 10_000;

/**
 * The tags and metadata a sender gave a message (API `tags`, `metadata`),
 * echoed on its later events (delivered, bounced, ...) so a receiver can
 * match them to its own records without keeping the queue id. Read from
 * the `accepted` events as they pass (they come first in the outbox), and
 * looked up by queue id (an indexed read) for messages accepted before.
 */
export class MessageLabels {
  private readonly known = new Map<string, Labels | null>();

  constructor(private readonly events: Pick<EventStore, 'eventsFor'>) {}

  async of(queueId: string): Promise<Labels | undefined> {
    let labels = this.known.get(queueId);
    if (labels === undefined) {
      const accepted = (await this.events.eventsFor(queueId)).find((s) => s.event.type === 'accepted')?.event;
      labels = accepted ? this.remember(accepted) : null;
    }
    return labels ?? undefined;
  }

  /** Remember the labels of an `accepted` event. */
  remember(e: BatonEvent): Labels | null {
    if (e.type !== 'accepted') return null;
    const labels = e.tags || e.metadata ? { ...(e.tags ? { tags: e.tags } : {}), ...(e.metadata ? { metadata: e.metadata } : {}) } : null;
    if (this.known.size >= LABELS_KEPT) this.known.delete(this.known.keys().next().value as string);
    this.known.set(e.queueId, labels);
    return labels;
  }
}

/** Does an endpoint subscribed to `types` (absent: all) want this event? */
export function wants(types: readonly EventType[] | undefined, type: EventType): boolean {
  return types === undefined || types.includes(type);
}

/**
 * The JSON body of one POST: `{ "events": [ { "id", "type", "at", ... } ] }`,
 * each event as stored with its outbox id (the receiver's de-duplication
 * key: an event sent twice has the same id) and its message's labels.
 */
export async function payloadOf(events: readonly StoredEvent[], labels: MessageLabels): Promise<string> {
  const out: Record<string, unknown>[] = [];
  for (const { id, event } of events) {
    const queueId = eventQueueId(event);
    const borrowed = event.type !== 'accepted' && queueId !== undefined ? await labels.of(queueId) : undefined;
    out.push({ id, ...event, ...borrowed });
  }
  return JSON.stringify({ events: out });
}
