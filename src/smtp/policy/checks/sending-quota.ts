import { Replies, type Clock } from '../../../core/index.js';
import type { QuotaExceededEvent } from '../../../events/index.js';
import { breachText, effectiveLimits, type DefaultLimits, messageBreach, recipientBreach, type QuotaBreach, type SendingCounters } from '../../../quotas/index.js';
import { Verdicts, type Check, type SessionFacts, type Verdict } from '../check.js';

export interface QuotaCheckDeps {
  /** Read synchronously: the checks cost a Map lookup per command. */
  readonly counters: Pick<SendingCounters, 'get'>;
  readonly clock: Clock;
  /** Records the `quota-exceeded` event. */
  readonly record: (event: QuotaExceededEvent) => void;
  /** Config `quotas.default`: limits for users without their own. */
  readonly defaults?: DefaultLimits;
}

/**
 * Per-user sending quotas (docs/deliverability.md#quotas), at MAIL: when an
 * authenticated user's messages this hour or today have reached its limit
 * (`baton user set NAME --messages-per-hour N`), 451 4.7.1 saying which limit
 * and when the window ends. A temporary reply: the client keeps the message
 * and tries again (RFC 5321 §4.2.5). Unauthenticated mail has no quota here.
 */
export function sendingQuotaCheck(deps: QuotaCheckDeps): Check<'mail'> {
  return {
    name: 'sending-quota',
    stage: 'mail',
    onFailure: 'closed',
    run({ session }) {
      const user = session.user;
      const limits = user && effectiveLimits(deps.defaults, user.settings?.limits);
      if (!user || !limits) return Verdicts.continue;
      const breach = messageBreach(limits, deps.counters.get(user.name, deps.clock.now()));
      return breach ? deferred(breach, session, deps) : Verdicts.continue;
    },
  };
}

/** At RCPT: recipients per message and per day (the extra recipient gets 451 4.7.1; those before it stand). */
export function recipientQuotaCheck(deps: QuotaCheckDeps): Check<'rcpt'> {
  return {
    name: 'recipient-quota',
    stage: 'rcpt',
    onFailure: 'closed',
    run({ session, accepted }) {
      const user = session.user;
      const limits = user && effectiveLimits(deps.defaults, user.settings?.limits);
      if (!user || !limits) return Verdicts.continue;
      const breach = recipientBreach(limits, deps.counters.get(user.name, deps.clock.now()), accepted.length);
      return breach ? deferred(breach, session, deps) : Verdicts.continue;
    },
  };
}

function deferred(b: QuotaBreach, session: SessionFacts, deps: QuotaCheckDeps): Verdict {
  const user = session.user?.name ?? '';
  deps.record({
    type: 'quota-exceeded',
    at: deps.clock.now(),
    user,
    limit: b.limit,
    max: b.max,
    window: b.window,
    ...(b.retryAt !== undefined ? { retryAt: b.retryAt } : {}),
    clientIp: session.clientIp,
  });
  return Verdicts.defer(Replies.quotaExceeded(breachText(b, user)));
}
