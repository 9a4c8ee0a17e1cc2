import { replyToText } from '../core/index.js';
import type { BatonEvent, StoredEvent } from '../events/index.js';
import { formatSize, formatTable } from './format-table.js';

/** A message's timeline from its events (`baton queue show`), oldest first. */
export function formatTimeline(events: readonly StoredEvent[]): string {
  if (events.length === 0) return 'Timeline:    (no events stored; they are pruned after events.retention)\n';
  const rows = events.map(({ event }) => [new Date(event.at).toISOString(), event.type, subject(event), detail(event)]);
  return `Timeline:\n${formatTable([{ header: 'TIME' }, { header: 'EVENT' }, { header: 'RECIPIENT' }, { header: 'DETAIL', max: 100 }], rows)}`;
}

/** The JSON form of a timeline: each event with its id. */
export function timelineJson(events: readonly StoredEvent[]): (BatonEvent & { id: number })[] {
  return events.map(({ id, event }) => ({ id, ...event }));
}

function subject(e: BatonEvent): string {
  return 'recipient' in e && typeof e.recipient === 'string' ? e.recipient : '';
}

function detail(e: BatonEvent): string {
  switch (e.type) {
    case 'accepted':
      return `from <${e.sender}>${e.origin.clientIp ? ` via ${e.origin.clientIp}` : ` (${e.origin.kind})`}, ${e.recipients.length} recipient${e.recipients.length === 1 ? '' : 's'}, ${formatSize(e.size)}`;
    case 'delivered':
    case 'deferred':
    case 'bounced':
    case 'expired': {
      const what = (e.reply ? replyToText(e.reply) : (e.error ?? '')) + (e.classification ? ` [${e.classification.kind} ${e.classification.category}]` : '');
      const next = e.type === 'deferred' ? `; next ${new Date(e.nextAttemptAt).toISOString()}` : '';
      const passed = e.type === 'delivered' && e.noticePassedOn ? '; success notice passed on' : '';
      return `attempt ${e.attempt}${e.remoteMta ? ` at ${e.remoteMta}` : ''}: ${what}${next}${passed}`;
    }
    case 'delayed':
      return `delay notice due after ${Math.round(e.queuedForMs / 1000)} s`;
    case 'deleted':
      return e.reason === 'finished' ? 'removed after its DSN was queued' : 'deleted by an operator';
    case 'rejected':
      return `${e.stage}: ${replyToText(e.reply)}`;
    case 'held':
    case 'released':
      return e.reason ?? '';
    case 'suppressed':
      return `${e.reason}, ${e.scope}: not queued`;
    case 'bounce-received':
      return `${e.format} ${e.action ?? ''} ${e.status ?? ''}${e.classification ? ` (${e.classification.kind} ${e.classification.category})` : ''}${e.diagnostic ? `: ${e.diagnostic}` : ''}`.replace(/ +/g, ' ');
    case 'complained':
      return `feedback report${e.feedbackType ? ` (${e.feedbackType})` : ''}${e.reportedBy ? ` from ${e.reportedBy}` : ''}`;
    case 'shaped':
    case 'dkim-key':
    case 'suppression-added':
    case 'suppression-removed':
    case 'quota-exceeded':
    case 'contained':
    case 'containment-lifted':
    case 'auth-blocked':
    case 'webhook-disabled':
      return '';
  }
}
