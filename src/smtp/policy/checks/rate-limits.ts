import type { RateLimitsConfig, WindowLimit } from '../../../config/index.js';
import { Replies, type SmtpReply } from '../../../core/index.js';
import { Verdicts, type Check, type Verdict } from '../check.js';
import { clientPrefix } from '../client-prefix.js';
import type { RateCounters } from '../rate-counters.js';
import type { DefenceDeps } from './defence-deps.js';

type Counted = keyof RateLimitsConfig['client'];

/**
 * Rate limits per client IP and per /24 or /64 (Postfix anvil's
 * smtpd_client_*_rate_limit, with prefix aggregation). Every event is counted,
 * refused ones too, so a client that hammers on stays refused; the counters are
 * the node's shared `RateCounters`. Trusted networks are exempt (a local app
 * pushing mail through its relay is not an attacker, and the benchmark's path
 * stays a single comparison); authenticated users are exempt from the message
 * and recipient rates (they have quotas).
 */
export function connectionRateCheck(deps: DefenceDeps): Check<'connect'> {
  return {
    name: 'connection-rate',
    stage: 'connect',
    onFailure: 'open',
    run({ session }) {
      if (session.trusted) return Verdicts.continue;
      // RFC 5321 §3.8: a server that must refuse a session answers 421 and closes.
      return limited(deps, 'connections', session.clientIp, Replies.connectionRateExceeded, Verdicts.reject);
    },
  };
}

export function messageRateCheck(deps: DefenceDeps): Check<'mail'> {
  return {
    name: 'message-rate',
    stage: 'mail',
    onFailure: 'open',
    run({ session }) {
      if (session.trusted || session.user) return Verdicts.continue;
      // 421 at MAIL: the session closes (RFC 5321 §3.8); the client retries later.
      return limited(deps, 'messages', session.clientIp, Replies.messageRateExceeded, Verdicts.reject);
    },
  };
}

export function recipientRateCheck(deps: DefenceDeps): Check<'rcpt'> {
  return {
    name: 'recipient-rate',
    stage: 'rcpt',
    onFailure: 'open',
    run({ session }) {
      if (session.trusted || session.user) return Verdicts.continue;
      // 450 4.7.1: this recipient later; the session and the recipients already accepted go on.
      return limited(deps, 'recipients', session.clientIp, Replies.recipientRateExceeded, Verdicts.defer);
    },
  };
}

function limited(
  deps: DefenceDeps,
  what: Counted,
  ip: string,
  reply: (who: string, window: string) => SmtpReply,
  verdict: (reply: SmtpReply) => Verdict,
): Verdict {
  const prefix = clientPrefix(ip);
  // Both scopes are counted before either is judged, so their counts stay true.
  const overClient = over(deps.counters, `${what}:${ip}`, deps.rateLimits.client[what]);
  const overPrefix = prefix !== undefined && over(deps.counters, `${what}:${prefix}`, deps.rateLimits.prefix[what]);
  if (overClient) return verdict(reply(ip, overClient.word));
  if (overPrefix) return verdict(reply(prefix, overPrefix.word));
  return Verdicts.continue;
}

/** Counts one event; the limit when it is now exceeded, else false. */
function over(counters: RateCounters, key: string, limit: WindowLimit | 'off'): WindowLimit | false {
  if (limit === 'off') return false;
  return counters.hit(key, limit.windowMs) > limit.limit ? limit : false;
}
