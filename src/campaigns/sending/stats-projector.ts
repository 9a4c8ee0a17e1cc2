import { eventQueueId, OutboxProjector, outboxFeed, type BatonEvent, type EventClassification, type OutboxFeedOptions, type StoredEvent } from '../../events/index.js';
import { CampaignStatsCursorMoved, type CampaignStore, type StatsDelta } from './campaign-store.js';

export interface CampaignStatsProjectorOptions extends OutboxFeedOptions {
  readonly store: CampaignStore;
}

/**
 * Counts the events outbox into per-campaign stats, exactly once across
 * kill -9 (OutboxProjector: counts and cursor commit together). A message
 * belongs to a campaign when the send log maps its queue id to a scope
 * `campaign:<id>`; an unsubscribe carries no queue id (the one-click token
 * names only the address and the sending domain), so it counts for the newest
 * campaign that queued a message to that address.
 */
export class CampaignStatsProjector extends OutboxProjector {
  constructor(o: CampaignStatsProjectorOptions) {
    const { store } = o;
    super({
      name: 'the campaign stats',
      ...outboxFeed(o),
      target: {
        cursor: () => store.statsCursor(),
        apply: async (from, to, events) => store.applyStats(from, to, await campaignDeltas(store, events)),
        movedTo: (err) => (err instanceof CampaignStatsCursorMoved ? err.found : undefined),
      },
    });
  }
}

/** What a batch of events adds to which campaign (events of other mail add nothing). */
export async function campaignDeltas(store: Pick<CampaignStore, 'campaignsOf' | 'latestCampaignTo'>, events: readonly StoredEvent[]): Promise<StatsDelta[]> {
  const queueIds = events.map((e) => eventQueueId(e.event)).filter((q): q is string => q !== undefined);
  const campaignOf = queueIds.length > 0 ? await store.campaignsOf(queueIds) : new Map<string, number>();
  const deltas: StatsDelta[] = [];
  for (const { event } of events) {
    if (event.type === 'suppression-added') {
      if (event.reason !== 'unsubscribe') continue;
      const id = await store.latestCampaignTo(event.address.toLowerCase());
      if (id !== undefined) deltas.push({ campaignId: id, counts: { unsubscribed: 1 } });
      continue;
    }
    const q = eventQueueId(event);
    const id = q === undefined ? undefined : campaignOf.get(q);
    if (id === undefined) continue;
    const d = deltaOf(event);
    if (d) deltas.push({ campaignId: id, ...d });
  }
  return deltas;
}

function deltaOf(e: BatonEvent): Omit<StatsDelta, 'campaignId'> | undefined {
  switch (e.type) {
    case 'accepted':
      return { counts: { sent: e.recipients.length } };
    case 'delivered':
      return { counts: { delivered: 1 } };
    case 'deferred':
      return { counts: { deferred: 1 } };
    case 'bounced':
      return bounce(e.classification, e.reply?.code !== undefined && e.reply.code < 500 ? 'soft' : 'hard');
    case 'bounce-received':
      return bounce(e.classification, 'hard');
    case 'expired':
      return bounce(e.classification ?? { kind: 'soft', category: 'expired' }, 'soft');
    case 'complained':
      return { counts: { complained: 1 } };
    default:
      return undefined;
  }
}

function bounce(c: EventClassification | undefined, fallback: 'hard' | 'soft'): Omit<StatsDelta, 'campaignId'> {
  const kind = c?.kind ?? fallback;
  return { counts: { [kind]: 1 }, categories: { [c?.category ?? 'unclassified']: 1 } };
}
