import { Replies, type Mailbox } from '../../../core/index.js';
import { Verdicts, type Check } from '../check.js';
import { classifyDomain, type RelayDomains } from '../relay-access.js';

/**
 * Unknown mailboxes of our own domains get 550 5.1.1 at RCPT instead of a
 * bounce later (no backscatter). Domains with no list of mailboxes accept
 * every user (`local.mailboxes`, aliases). The postmaster of a local domain
 * is always accepted (RFC 5321 §4.5.1).
 */
export function localRecipientsCheck(domains: RelayDomains, isKnown: (rcpt: Mailbox) => boolean): Check<'rcpt'> {
  return {
    name: 'local-recipients',
    stage: 'rcpt',
    onFailure: 'closed',
    run({ recipient }) {
      const rcpt = recipient.address;
      if (classifyDomain(rcpt.domain, domains) !== 'local') return Verdicts.continue;
      if (rcpt.local.toLowerCase() === 'postmaster' || isKnown(rcpt)) return Verdicts.continue;
      return Verdicts.reject(Replies.mailboxUnknown());
    },
  };
}
