import { Verdicts, type Check } from '../check.js';
import type { DefenceDeps } from './defence-deps.js';

/** The runner's bound comes this long after the pause, so the pause always ends first. */
const RUNNER_GRACE_MS = 1000;

/**
 * Postfix postscreen's pregreet test (postscreen(8), "pregreet"): a real MTA
 * waits for the 220 greeting before it speaks (RFC 5321 §3.1, §4.3.2); spam
 * bots often do not. This check holds the greeting for `pregreet.wait`; the
 * session drops any client that sends a byte before the greeting was written
 * (554 5.5.0, a `rejected` event naming this check).
 *
 * Without postscreen's "220-" continuation trick: a plain pause catches the
 * talkers that do not wait at all, and a multi-line banner trips some old
 * clients. Trusted networks skip the pause: local apps and benchmarks are not
 * slowed.
 */
export function pregreetCheck(deps: DefenceDeps): Check<'connect'> {
  return {
    name: 'pregreet',
    stage: 'connect',
    // A failure of the pause must not keep a client from its greeting.
    onFailure: 'open',
    timeoutMs: deps.pregreet.wait + RUNNER_GRACE_MS,
    run({ session }) {
      if (session.trusted) return Verdicts.continue;
      return deps.sleep(deps.pregreet.wait).then(() => Verdicts.continue);
    },
  };
}

export const PREGREET_CHECK = 'pregreet';
