import type { SmtpReply } from '../../core/index.js';

/**
 * What kind of failure a reply reports, for the suppression store and for
 * reporting (DESIGN §3 step 9). Decided from the RFC 3463 enhanced status when
 * it is specific, else from well-known wording, since many servers send only
 * "550 5.0.0" or no enhanced status at all.
 */
export type BounceCategory =
  /** The mailbox does not exist or is disabled (X.1.1, X.1.10 null MX, X.2.1, X.1.6 moved). */
  | 'bad-mailbox'
  /** The domain does not exist or accepts no mail (X.1.2). */
  | 'bad-domain'
  /** Mailbox full (X.2.2). */
  | 'quota'
  /** Message too big (X.3.4, X.2.3). */
  | 'message-size'
  /** Refused as spam, or because of the sender's reputation or a block list. */
  | 'spam'
  /** Refused by the receiver's policy: authentication (SPF/DKIM/DMARC), rate, relay, TLS. */
  | 'policy'
  | 'other';

/** Exact enhanced statuses first (class ignored: 4.2.2 and 5.2.2 are both "mailbox full"). */
const BY_STATUS: ReadonlyMap<string, BounceCategory> = new Map([
  ['1.1', 'bad-mailbox'],
  ['1.6', 'bad-mailbox'],
  ['1.10', 'bad-mailbox'],
  ['1.2', 'bad-domain'],
  ['2.2', 'quota'],
  ['2.3', 'message-size'],
  ['3.4', 'message-size'],
]);

const SPAM_TEXT = /\b(spam|junk|unsolicited|bulk mail|block ?list(ed)?|black ?list(ed)?|dnsbl|rbl|listed (at|on|by)|reputation|spamhaus|barracuda|spamcop)\b/i;
const MAILBOX_TEXT =
  /\b(user unknown|unknown user|no such (user|mailbox|recipient|account)|mailbox (not found|unavailable|does not exist|disabled)|address (rejected|not found|does ?n.?t exist|unknown)|invalid (recipient|mailbox|address)|recipient (not found|unknown|rejected)|does ?n.?t exist|account (disabled|has been disabled|is disabled|inactive))\b/i;
const QUOTA_TEXT = /\b(over quota|quota exceeded|mailbox (is )?full|insufficient (storage|space))\b/i;
const SIZE_TEXT = /\b(message (is )?too (big|large)|size (limit|exceeds)|exceeds (the )?(maximum|size))\b/i;

export function classifyBounce(reply: SmtpReply | undefined): BounceCategory {
  if (!reply) return 'other';
  const text = reply.lines.join(' ');
  const s = reply.status;
  if (s) {
    const exact = BY_STATUS.get(`${s.subject}.${s.detail}`);
    if (exact) return exact;
    // X.2.1 "mailbox disabled" is permanent; a 4.2.1 is used for rate limits (Gmail).
    if (s.subject === 2 && s.detail === 1) return s.class === 5 ? 'bad-mailbox' : 'policy';
    if (s.subject === 7) return SPAM_TEXT.test(text) ? 'spam' : 'policy';
  }
  if (SPAM_TEXT.test(text)) return 'spam';
  if (QUOTA_TEXT.test(text)) return 'quota';
  if (SIZE_TEXT.test(text)) return 'message-size';
  if (MAILBOX_TEXT.test(text)) return 'bad-mailbox';
  return 'other';
}

/**
 * Whether a permanent failure of this category should suppress the address for
 * later mail: only when the address itself is bad, never for content or policy
 * (the next message may well be accepted).
 */
export function isHardBounce(reply: SmtpReply | undefined): boolean {
  if (!reply || reply.code < 500) return false;
  const c = classifyBounce(reply);
  return c === 'bad-mailbox' || c === 'bad-domain';
}
