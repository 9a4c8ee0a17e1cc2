import { Replies, type Mailbox } from '../../../core/index.js';
import { Verdicts, type Check } from '../check.js';

/** What the check needs of unsubscribe/mailto.ts (smtp does not import it). */
export interface MailtoRecipients {
  isMailtoDomain(domain: string): boolean;
  /** Defined when the recipient is an unsubscribe address whose token verifies for this sender. */
  request(rcpt: Mailbox, sender: Mailbox | null): unknown;
}

/**
 * `unsubscribe+TOKEN@<unsubscribe.mailtoDomain>` (RFC 8058 mailto): accepted
 * only when the token verifies for the envelope sender, so that other
 * addresses of the domain and forged tokens get 550 5.1.1 at RCPT. The
 * domain's postmaster is left to the other checks (RFC 5321 §4.5.1). Without
 * a mailto domain configured it never has an opinion.
 */
export function unsubscribeMailtoCheck(mailto: MailtoRecipients | undefined): Check<'rcpt'> {
  return {
    name: 'unsubscribe-mailto',
    stage: 'rcpt',
    onFailure: 'closed',
    run({ sender, recipient }) {
      const rcpt = recipient.address;
      if (!mailto?.isMailtoDomain(rcpt.domain) || rcpt.local.toLowerCase() === 'postmaster') return Verdicts.continue;
      return mailto.request(rcpt, sender) === undefined ? Verdicts.reject(Replies.mailboxUnknown()) : Verdicts.continue;
    },
  };
}
