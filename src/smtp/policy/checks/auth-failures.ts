import { Replies } from '../../../core/index.js';
import { Verdicts, type Check, type Verdict } from '../check.js';
import type { DefenceDeps } from './defence-deps.js';

/** The runner's bound comes this long after the longest tarpit. */
const RUNNER_GRACE_MS = 5000;

/**
 * Failed SMTP AUTH (RFC 4954) per client IP and per user, against password
 * guessing:
 *
 * - every failure makes the next 535 slower: from the second failure (of that
 *   IP, or of that user from any IP, whichever is higher) the reply waits
 *   `delay`, doubling up to `maxDelay` (a timer, nothing held but the socket);
 * - `ipFailures` failures from an IP block every AUTH from it, and
 *   `userFailures` failures for one user from one IP block that user from that
 *   IP: `454 4.7.0` (RFC 4954 §6), even for the right password, so guessing
 *   learns nothing; after `closeAfter` attempts while blocked, `421 4.7.0` and
 *   the connection is closed;
 * - a user is never blocked everywhere: another IP's failures slow that user's
 *   failed attempts but do not stop a right password from elsewhere (an
 *   attacker could otherwise lock anyone out).
 *
 * Failures age out of a sliding `window`, and the block with them. A success
 * resets nothing: an attacker with one valid account must not clear its IP's
 * count. The block's start is an `auth-blocked` event.
 */
export function authFailuresCheck(deps: DefenceDeps): Check<'auth'> {
  const cfg = deps.authFailures;
  const { counters } = deps;
  return {
    name: 'auth-failures',
    stage: 'auth',
    // A fault in the counters must not stop every login; the session's fixed 1 s failure delay still applies.
    onFailure: 'open',
    timeoutMs: cfg.maxDelay + RUNNER_GRACE_MS,
    run({ session, login, user }) {
      const ip = session.clientIp;
      const name = login.toLowerCase();
      const keys = { ip: `auth-fail:ip:${ip}`, userIp: `auth-fail:user-ip:${name}|${ip}`, user: `auth-fail:user:${name}` };
      if (counters.peek(keys.ip, cfg.window) >= cfg.ipFailures || counters.peek(keys.userIp, cfg.window) >= cfg.userFailures) {
        const tries = counters.hit(`auth-blocked:ip:${ip}`, cfg.window);
        deps.logger.info({ client: ip, user: login, tries }, 'auth-failures: AUTH refused while blocked');
        return Verdicts.defer(tries >= cfg.closeAfter ? Replies.authBlockedClose() : Replies.authBlocked());
      }
      if (user) return Verdicts.continue;
      const fromIp = counters.hit(keys.ip, cfg.window);
      const forUserHere = counters.hit(keys.userIp, cfg.window);
      const forUser = counters.hit(keys.user, cfg.window);
      if (crossed(fromIp, cfg.ipFailures)) blocked(deps, ip, 'ip', undefined, cfg.ipFailures);
      else if (crossed(forUserHere, cfg.userFailures)) blocked(deps, ip, 'user', name, cfg.userFailures);
      const wait = tarpit(Math.max(fromIp, forUser), cfg.delay, cfg.maxDelay);
      return wait > 0 ? deps.sleep(wait).then((): Verdict => Verdicts.continue) : Verdicts.continue;
    },
  };
}

/** The delay before the reply to the `n`th failure: none for the first, then `delay` doubling, at most `max`. */
export function tarpit(n: number, delay: number, max: number): number {
  if (n < 2) return 0;
  return Math.min(delay * 2 ** Math.floor(n - 2), max);
}

/** This failure brought the count to the limit (counts are window estimates, so fractional). */
function crossed(count: number, limit: number): boolean {
  return count >= limit && count - 1 < limit;
}

function blocked(deps: DefenceDeps, clientIp: string, scope: 'ip' | 'user', user: string | undefined, failures: number): void {
  deps.logger.warn({ client: clientIp, scope, user, failures }, 'auth-failures: blocked');
  deps.onEvent({
    type: 'auth-blocked',
    at: deps.now(),
    clientIp,
    scope,
    ...(user !== undefined ? { user } : {}),
    failures,
    windowMs: deps.authFailures.window,
  });
}
