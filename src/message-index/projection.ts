import { replyToText } from '../core/index.js';
import type { BatonEvent, RecipientAttempt } from '../events/index.js';
import type { IndexChange, IndexState } from './index-store.js';

/**
 * The projection itself, pure: which index changes an event makes. Kept apart
 * from the backends so a second backend (PostgreSQL, issue 13) writes the very
 * same rows. Events that concern no message (rejections, shaping, keys,
 * suppression-list edits) change nothing here.
 */
export function projectEvent(e: BatonEvent): IndexChange[] {
  switch (e.type) {
    case 'accepted':
      return [
        {
          kind: 'message',
          message: {
            queueId: e.queueId,
            receivedAt: e.at,
            sender: e.sender,
            ...(e.subject !== undefined ? { subject: e.subject } : {}),
            size: e.size,
            originKind: e.origin.kind,
            ...(e.origin.user !== undefined ? { user: e.origin.user } : {}),
            ...(e.origin.apiKey !== undefined ? { apiKey: e.origin.apiKey } : {}),
            tags: [...new Set(e.tags ?? [])],
            metadata: e.metadata ?? {},
          },
          recipients: e.recipients,
        },
      ];
    case 'deferred':
      return [attemptChange(e, 'deferred')];
    case 'delivered':
    case 'bounced':
    case 'expired':
      return [attemptChange(e, e.type)];
    case 'suppressed':
      // Intake drops a suppressed recipient before enqueueing: it is not among the accepted ones.
      return [{ kind: 'recipient', queueId: e.queueId, address: e.recipient, state: 'suppressed', at: e.at, lastReply: `suppressed: ${e.reason} (${e.scope})` }];
    case 'held':
    case 'released':
      return [{ kind: 'held', queueId: e.queueId, held: e.type === 'held' }];
    case 'deleted':
      // "finished": retired after its DSN was queued; the recipients' final states already say everything.
      return e.reason === 'operator' ? [{ kind: 'deleted', queueId: e.queueId, at: e.at }] : [];
    default:
      return [];
  }
}

function attemptChange(e: RecipientAttempt, state: IndexState): IndexChange {
  const last = e.reply ? replyToText(e.reply) : e.error;
  return {
    kind: 'recipient',
    queueId: e.queueId,
    address: e.recipient,
    state,
    at: e.at,
    attempt: e.attempt,
    ...(last !== undefined ? { lastReply: last } : {}),
    ...(e.remoteMta !== undefined ? { remoteMta: e.remoteMta } : {}),
  };
}

/** The changes of a batch of events, in event order. */
export function projectEvents(events: readonly { readonly event: BatonEvent }[]): IndexChange[] {
  return events.flatMap((s) => projectEvent(s.event));
}
