import { formatRate, replyToText } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { EventBus } from './bus.js';
import { EVENT_TYPES, type BatonEvent } from './types.js';

/**
 * The log lines of queue state changes come from the events (DESIGN §9
 * Event): one JSON line per event at info, like Postfix's "status=sent" lines.
 * Nothing subscribes, and nothing is built, when info is off (the benchmark).
 */
export function logEvents(bus: EventBus, logger: Logger): () => void {
  if (!logger.isLevelEnabled('info')) return () => {};
  return bus.subscribe(EVENT_TYPES, (e) => {
    const line = logLine(e);
    logger.info(line.fields, line.msg);
  });
}

const STATUS = { delivered: 'sent', deferred: 'deferred', bounced: 'bounced', expired: 'expired' } as const;

export function logLine(e: BatonEvent): { msg: string; fields: Record<string, unknown> } {
  switch (e.type) {
    case 'accepted':
      return {
        msg: 'queued',
        fields: { queueId: e.queueId, from: e.sender || '<>', rcpts: e.recipients.length, size: e.size, client: e.origin.clientIp, user: e.origin.user },
      };
    case 'rejected':
      return {
        msg: 'rejected',
        fields: { client: e.clientIp, stage: e.stage, check: e.check, from: e.sender, rcpt: e.recipient, reply: replyToText(e.reply) },
      };
    case 'delivered':
    case 'deferred':
    case 'bounced':
    case 'expired': {
      const status = STATUS[e.type];
      return {
        msg: `delivery ${status}`,
        fields: {
          queueId: e.queueId,
          to: e.recipient,
          relay: e.remoteMta,
          status,
          attempts: e.attempt,
          reply: e.reply ? replyToText(e.reply) : e.error,
          ...(e.classification ? { bounceKind: e.classification.kind, category: e.classification.category } : {}),
          ...(e.type === 'deferred' ? { nextAttemptAt: new Date(e.nextAttemptAt).toISOString() } : {}),
          ...(e.type === 'delivered' && e.noticePassedOn ? { noticePassedOn: true } : {}),
        },
      };
    }
    case 'delayed':
      return { msg: 'delay notice due', fields: { queueId: e.queueId, to: e.recipient, queuedForMs: e.queuedForMs } };
    case 'held':
    case 'released':
      return { msg: e.type, fields: { queueId: e.queueId, ...(e.reason ? { reason: e.reason } : {}) } };
    case 'deleted':
      return { msg: e.reason === 'finished' ? 'removed' : 'deleted', fields: { queueId: e.queueId } };
    case 'shaped':
      return {
        msg: `shaping ${e.action}`,
        fields: { scope: e.scope, rate: e.rate !== undefined ? formatRate(e.rate) : undefined, until: e.until !== undefined ? new Date(e.until).toISOString() : undefined, reply: e.reply ? replyToText(e.reply) : undefined },
      };
    case 'dkim-key':
      return { msg: `dkim key ${e.state}`, fields: { domain: e.domain, selector: e.selector, algorithm: e.algorithm, from: e.from, reason: e.reason } };
    case 'suppressed':
      return { msg: 'suppressed', fields: { queueId: e.queueId, rcpt: e.recipient, reason: e.reason, scope: e.scope } };
    case 'suppression-added':
    case 'suppression-removed':
      return { msg: e.type === 'suppression-added' ? 'suppression added' : 'suppression removed', fields: { address: e.address, domain: e.domain, reason: e.reason, source: e.source } };
    case 'bounce-received':
      return {
        msg: e.unmatched ? 'bounce received, unmatched' : 'bounce received',
        fields: { queueId: e.queueId, to: e.recipient, format: e.format, action: e.action, status: e.status, bounceKind: e.classification?.kind, category: e.classification?.category, diagnostic: e.diagnostic, reportedBy: e.reportedBy, unmatched: e.unmatched },
      };
    case 'complained':
      return { msg: e.unmatched ? 'complaint received, unmatched' : 'complaint received', fields: { queueId: e.queueId, to: e.recipient, feedbackType: e.feedbackType, reportedBy: e.reportedBy, unmatched: e.unmatched } };
    case 'quota-exceeded':
      return { msg: 'quota exceeded', fields: { user: e.user, limit: e.limit, max: e.max, window: e.window, retryAt: e.retryAt !== undefined ? new Date(e.retryAt).toISOString() : undefined, client: e.clientIp } };
    case 'contained':
      return { msg: 'user contained', fields: { user: e.user, trigger: e.trigger, reason: e.reason } };
    case 'containment-lifted':
      return { msg: 'containment lifted', fields: { user: e.user, released: e.released } };
    case 'auth-blocked':
      return { msg: 'auth blocked', fields: { client: e.clientIp, scope: e.scope, user: e.user, failures: e.failures, windowMs: e.windowMs } };
    case 'webhook-disabled':
      return { msg: 'webhook disabled', fields: { webhookId: e.webhookId, url: e.url, failures: e.failures, failingSince: new Date(e.failingSince).toISOString(), reason: e.reason } };
  }
}
