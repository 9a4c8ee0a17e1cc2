import { Replies } from '../../../core/index.js';
import { Verdicts, type Check } from '../check.js';
import { decideRelay, type RelayDomains } from '../relay-access.js';

/**
 * The open-relay guard (DESIGN §3 step 2), per recipient: local and relay
 * domains from anyone, any other domain only for authenticated clients and
 * trusted networks, else 554 5.7.1. Fails closed: a relay decision is never skipped.
 */
export function relayAccessCheck(domains: RelayDomains): Check<'rcpt'> {
  return {
    name: 'relay-access',
    stage: 'rcpt',
    onFailure: 'closed',
    run({ session, recipient }) {
      const verdict = decideRelay(recipient.address, { authenticated: session.user !== undefined, trusted: session.trusted }, domains);
      return verdict.accept ? Verdicts.continue : Verdicts.reject(Replies.relayDenied());
    },
  };
}
