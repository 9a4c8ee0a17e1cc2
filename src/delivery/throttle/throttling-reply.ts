import type { SmtpReply } from '../../core/index.js';

/**
 * Replies that mean "slow down" rather than "not this message": 421 anywhere
 * (RFC 5321 §3.8: the service is closing the channel), and 4xx replies whose
 * code or text the large providers use for rate limits. A plain 451 (a
 * greylisting, a full disk) is not one: reacting to it would slow down the
 * very sites that only asked for one retry.
 */
const PATTERNS: readonly RegExp[] = [
  /\bTS0\d\b/i, // Yahoo: "421 4.7.0 [TSS04] Messages from x temporarily deferred due to unexpected volume" (TS01-TS04, TSS0x)
  /\bTSS0\d\b/i,
  /throttl/i, // Microsoft: "4.7.500 Server busy ... throttled"
  /rate[- ]?limit/i,
  /too many (?:messages|connections|recipients|mails)/i,
  /unusual rate/i, // Gmail 4.7.28: "Our system has detected an unusual rate of unsolicited mail"
  /try (?:again )?later.*(?:volume|rate)/i,
  /\bexceeded\b.*\b(?:rate|limit|quota)\b/i,
];

/** RFC 3463 codes used for rate limits: 4.7.28 (Gmail), 4.7.500-4.7.699 (Microsoft throttling). */
function throttlingStatus(r: SmtpReply): boolean {
  const s = r.status;
  if (!s || s.class !== 4 || s.subject !== 7) return false;
  return s.detail === 28 || (s.detail >= 500 && s.detail < 700);
}

export function isThrottlingReply(r: SmtpReply | undefined): boolean {
  if (!r || r.code < 400 || r.code >= 500) return false;
  if (r.code === 421 || throttlingStatus(r)) return true;
  const text = r.lines.join(' ');
  return PATTERNS.some((p) => p.test(text));
}
