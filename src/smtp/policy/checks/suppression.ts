import { formatMailbox, Replies } from '../../../core/index.js';
import type { SuppressionEntry, SuppressionStore } from '../../../suppression/index.js';
import { Verdicts, type Check } from '../check.js';

/**
 * Suppression at RCPT for authenticated submission
 * (docs/deliverability.md#suppression): a recipient the suppression store
 * lists for the sender's domain gets `550 5.7.1` saying so, so the sending
 * application learns at once and can stop; the message's other recipients
 * go on. Every other source is screened at intake instead (a client we do
 * not know is not told who unsubscribed). Exempt, as at intake: the null
 * reverse-path (DSNs, RFC 3464 §2) and `postmaster@` (RFC 5321 §4.5.1).
 *
 * Fails closed: if the store cannot answer, the client is told to try later
 * (451) rather than a suppressed address being sent to.
 */
export function suppressionCheck(store: Pick<SuppressionStore, 'matching'>, now: () => number): Check<'rcpt'> {
  return {
    name: 'suppression',
    stage: 'rcpt',
    onFailure: 'closed',
    run({ session, sender, recipient }) {
      if (!session.user || sender === null) return Verdicts.continue;
      if (recipient.address.local.toLowerCase() === 'postmaster') return Verdicts.continue;
      const rcpt = formatMailbox(recipient.address);
      return store.matching([rcpt], sender.domain.toLowerCase(), now()).then((hits) => {
        const hit = hits.get(rcpt);
        return hit ? Verdicts.reject(Replies.recipientSuppressed(rcpt, describeSuppression(hit))) : Verdicts.continue;
      });
    },
  };
}

/** Why, in words, for the reply text: "unsubscribed from example.com", "mail to it bounced permanently". */
export function describeSuppression(e: Pick<SuppressionEntry, 'reason' | 'domain'>): string {
  const from = e.domain ? ` from ${e.domain}` : '';
  switch (e.reason) {
    case 'unsubscribe':
      return `unsubscribed${from}`;
    case 'complaint':
      return `reported mail${from} as spam`;
    case 'hard-bounce':
      return `mail to it bounced permanently${e.domain ? `, for mail${from}` : ''}`;
    case 'manual':
      return `listed by the operator${e.domain ? ` for mail${from}` : ''}`;
  }
}
