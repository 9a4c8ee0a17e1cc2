import { z } from 'zod';
import { formatMailbox, replyToText } from '../../core/index.js';
import type { StoredEvent } from '../../events/index.js';
import { INDEX_STATES, type IndexedMessage, type IndexedRecipient, type IndexState } from '../../message-index/index.js';
import type { MessageDetail, RecipientRow } from '../../queue/index.js';

/**
 * The JSON the message routes answer, built from up to three sources: the
 * queue (live state, while the message is there), the message index (what
 * stays after it left: subject, tags, final states) and the events (the
 * timeline). Times are ISO 8601 strings (RFC 3339).
 */

const iso = (t: number) => new Date(t).toISOString();

export const recipientSchema = z.object({
  address: z.string(),
  state: z.enum(INDEX_STATES),
  attempts: z.number().int(),
  lastReply: z.string().nullable().describe('The last reply ("250 2.0.0 Ok") or, without one, the error'),
  remoteMta: z.string().nullable(),
  nextAttemptAt: z.string().nullable().describe('Queued and deferred recipients: when the next attempt is due'),
  updatedAt: z.string(),
});

export const summarySchema = z.object({
  id: z.string(),
  sender: z.string().describe('"" for the null reverse-path <>'),
  subject: z.string().nullable(),
  size: z.number().int(),
  receivedAt: z.string(),
  origin: z.object({ kind: z.string(), user: z.string().optional(), apiKey: z.string().optional() }).loose(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.string()),
  held: z.boolean(),
  inQueue: z.boolean().describe('Still in the queue (false once every recipient is final, or deleted)'),
  deletedAt: z.string().nullable(),
  recipients: z.array(recipientSchema),
});

export const timelineEntrySchema = z
  .object({ id: z.number().int(), type: z.string(), at: z.string(), recipient: z.string().optional(), reply: z.string().optional() })
  .loose()
  .describe('One event (docs/api.md lists the types); attempts carry the remote reply as text');

export const detailSchema = summarySchema.extend({
  expiresAt: z.string().nullable(),
  timeline: z.array(timelineEntrySchema),
});

/** A queued recipient's row as the index names its state: pending is queued until the first attempt, then deferred. */
export function rowState(r: RecipientRow): IndexState {
  if (r.status !== 'pending') return r.status;
  return r.attempts === 0 ? 'queued' : 'deferred';
}

function liveRecipient(r: RecipientRow) {
  const last = r.lastReply ? replyToText(r.lastReply) : r.lastError;
  return {
    address: formatMailbox(r.address),
    state: rowState(r),
    attempts: r.attempts,
    lastReply: last ?? null,
    remoteMta: r.remoteMta ?? null,
    nextAttemptAt: r.status === 'pending' ? iso(r.nextAttemptAt) : null,
    updatedAt: iso(r.updatedAt),
  };
}

function indexedRecipient(r: IndexedRecipient) {
  return { address: r.address, state: r.state, attempts: r.attempts, lastReply: r.lastReply ?? null, remoteMta: r.remoteMta ?? null, nextAttemptAt: null, updatedAt: iso(r.updatedAt) };
}

/** A search result: what the index holds (`inQueue` is not known there and left to the caller). */
export function summaryJson(m: IndexedMessage, inQueue: boolean): z.infer<typeof summarySchema> {
  return {
    id: m.queueId,
    sender: m.sender,
    subject: m.subject ?? null,
    size: m.size,
    receivedAt: iso(m.receivedAt),
    origin: { kind: m.originKind, ...(m.user !== undefined ? { user: m.user } : {}), ...(m.apiKey !== undefined ? { apiKey: m.apiKey } : {}) },
    tags: [...m.tags],
    metadata: { ...m.metadata },
    held: m.held,
    inQueue,
    deletedAt: m.deletedAt !== undefined ? iso(m.deletedAt) : null,
    recipients: m.recipients.map(indexedRecipient),
  };
}

/** One event of the timeline: the event as stored, its time and replies as text. */
export function timelineEntry({ id, event }: StoredEvent): z.infer<typeof timelineEntrySchema> {
  const out: Record<string, unknown> = { ...event, id, at: iso(event.at) };
  if ('reply' in event && event.reply) out['reply'] = replyToText(event.reply);
  if ('nextAttemptAt' in event) out['nextAttemptAt'] = iso(event.nextAttemptAt);
  if ('queueId' in out) delete out['queueId'];
  return out as z.infer<typeof timelineEntrySchema>;
}

/**
 * The whole message: live state from the queue when it is there (its
 * recipients, held, expiry), the rest from the index; recipients suppressed at
 * intake were never queued and come from the index only.
 */
export function detailJson(live: MessageDetail | undefined, indexed: IndexedMessage | undefined, events: readonly StoredEvent[]): z.infer<typeof detailSchema> {
  const accepted = events.find((e) => e.event.type === 'accepted')?.event;
  const base: z.infer<typeof summarySchema> = indexed
    ? summaryJson(indexed, live !== undefined)
    : {
        id: live?.id ?? (accepted && 'queueId' in accepted ? accepted.queueId : ''),
        sender: live ? formatMailbox(live.envelope.mailFrom) : accepted?.type === 'accepted' ? accepted.sender : '',
        subject: accepted?.type === 'accepted' ? (accepted.subject ?? null) : null,
        size: live?.size ?? (accepted?.type === 'accepted' ? accepted.size : 0),
        receivedAt: iso(live?.receivedAt ?? accepted?.at ?? 0),
        origin: { kind: live?.origin.kind ?? (accepted?.type === 'accepted' ? accepted.origin.kind : 'unknown') },
        tags: accepted?.type === 'accepted' ? [...(accepted.tags ?? [])] : [],
        metadata: accepted?.type === 'accepted' ? { ...(accepted.metadata ?? {}) } : {},
        held: live?.held ?? false,
        inQueue: live !== undefined,
        deletedAt: null,
        recipients: [],
      };
  if (!live) return { ...base, expiresAt: null, timeline: events.map(timelineEntry) };
  const queued = live.recipients.map(liveRecipient);
  const known = new Set(queued.map((r) => r.address.toLowerCase()));
  const suppressed = base.recipients.filter((r) => !known.has(r.address.toLowerCase()));
  const { user, apiKey, clientIp, listener, helo, stream } = live.origin;
  return {
    ...base,
    held: live.held,
    inQueue: true,
    origin: { kind: live.origin.kind, ...{ user, apiKey, clientIp, listener, helo, stream } },
    recipients: [...queued, ...suppressed],
    expiresAt: iso(live.expiresAt),
    timeline: events.map(timelineEntry),
  };
}
