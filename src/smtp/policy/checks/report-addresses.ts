import { Replies, type Mailbox } from '../../../core/index.js';
import { Verdicts, type Check } from '../check.js';

/** What the check needs to know of an address (bounces/report-addresses.ts). */
export type ReportAddressKind = 'bounce' | 'bounce-postmaster' | 'bounce-forged' | 'complaint';

/**
 * Bounces to the VERP return path and feedback-loop reports (docs/
 * deliverability.md "Return path (VERP)", "Complaints (ARF)"): accepted on
 * mx from anyone, since no relay rule would (the bounce domain is neither
 * local nor a relay domain), and processed at intake instead of delivered.
 * A token we did not sign is refused at once, 550 5.1.1, so nothing forged
 * is ever queued or answered later (no backscatter). Runs first at RCPT;
 * `accept` skips the relay checks for these addresses only.
 */
export function reportAddressesCheck(kindOf: (rcpt: Mailbox) => ReportAddressKind | undefined): Check<'rcpt'> {
  return {
    name: 'report-addresses',
    stage: 'rcpt',
    onFailure: 'closed',
    run({ recipient }) {
      const kind = kindOf(recipient.address);
      if (kind === undefined) return Verdicts.continue;
      if (kind === 'bounce-forged') return Verdicts.reject(Replies.returnPathUnknown());
      return Verdicts.accept;
    },
  };
}
