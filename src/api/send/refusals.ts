import { replyToText } from '../../core/index.js';
import { effectiveLimits, messageBreach, recipientBreach, type DefaultLimits, type QuotaBreach, type SendingCounters } from '../../quotas/index.js';
import type { AuthenticatedUser } from '../../smtp/session-types.js';
import { ApiProblem } from '../problem.js';
import type { Refusal } from './api-checks.js';

/** What the quota answer needs to say when to come back. */
export interface QuotaView {
  readonly counters: Pick<SendingCounters, 'get'>;
  readonly defaults?: DefaultLimits;
}

const QUOTA_CHECKS = new Set(['sending-quota', 'recipient-quota']);

/**
 * A refused message as an RFC 9457 problem, with the SMTP reply it would have
 * had (`smtp`) and the check that refused it (`check`):
 * - 5xx → 422 `rejected` (RFC 9110 §15.5.21: understood, not processable);
 * - a sending quota → 429 `quota-exceeded` with Retry-After until its window
 *   ends (RFC 6585 §4, RFC 9110 §10.2.3);
 * - any other 4xx → 503 `temporary-failure` with Retry-After (RFC 9110 §15.6.4).
 */
export function refusalProblem(r: Refusal, user: AuthenticatedUser, quotas: QuotaView, now: number): ApiProblem {
  const smtp = replyToText(r.reply);
  const ext = { smtp, check: r.check };
  if (r.reply.code >= 500) return new ApiProblem('rejected', `${r.check} refused the message: ${smtp}`, ext);
  if (QUOTA_CHECKS.has(r.check)) {
    const breach = quotaBreach(r, user, quotas, now);
    // A per-message limit is no matter of time: the same request would be refused again.
    if (breach?.window === 'message') return new ApiProblem('rejected', `${smtp}; send fewer recipients per message`, ext);
    const seconds = breach?.retryAt !== undefined ? Math.max(1, Math.ceil((breach.retryAt - now) / 1000)) : 60;
    return new ApiProblem('quota-exceeded', smtp, { ...ext, ...(breach ? { limit: breach.limit, max: breach.max, window: breach.window } : {}) }, { 'Retry-After': String(seconds) });
  }
  return new ApiProblem('temporary-failure', `${r.check}: ${smtp}; nothing was queued, retry later`, ext, { 'Retry-After': '30' });
}

/** The breach the quota check saw, worked out again (the check's verdict carries only its reply). */
function quotaBreach(r: Refusal, user: AuthenticatedUser, quotas: QuotaView, now: number): QuotaBreach | undefined {
  const limits = effectiveLimits(quotas.defaults, user.settings?.limits);
  const counts = quotas.counters.get(user.name, now);
  return r.check === 'sending-quota' ? messageBreach(limits, counts) : recipientBreach(limits, counts, r.accepted ?? 0);
}
