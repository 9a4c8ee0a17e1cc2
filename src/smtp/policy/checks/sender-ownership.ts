import { Replies } from '../../../core/index.js';
import { Verdicts, type Check } from '../check.js';
import { senderAllowed } from '../relay-access.js';

/** An authenticated user sends only from the domains they own (RFC 6409 §8.2 spirit): else 553 5.7.1 at MAIL. */
export const senderOwnershipCheck: Check<'mail'> = {
  name: 'sender-ownership',
  stage: 'mail',
  onFailure: 'closed',
  run({ session, sender }) {
    if (!session.user || senderAllowed(sender, session.user.domains)) return Verdicts.continue;
    return Verdicts.reject(Replies.senderNotOwned());
  },
};
