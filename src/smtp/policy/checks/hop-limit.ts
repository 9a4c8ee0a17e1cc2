import { countHeader, Replies } from '../../../core/index.js';
import { Verdicts, type Check } from '../check.js';

/** Postfix: hopcount_limit 50. */
export const MAX_HOPS = 50;

/**
 * A message that has passed this many MTAs is looping (RFC 5321 §6.3: a
 * simple count of Received fields): 554 5.4.6 instead of passing it on.
 */
export const hopLimitCheck: Check<'content'> = {
  name: 'hop-limit',
  stage: 'content',
  onFailure: 'closed',
  run({ message }) {
    return countHeader(message, 'Received') >= MAX_HOPS ? Verdicts.reject(Replies.tooManyHops()) : Verdicts.continue;
  },
};
