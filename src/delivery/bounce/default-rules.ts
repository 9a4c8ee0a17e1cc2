import type { BounceRule } from './classify.js';

/**
 * The shipped classification table (docs/deliverability.md "Bounce
 * classification"). Order matters, the first match wins:
 *
 * 1. enhanced statuses that say exactly what happened (RFC 3463 §3, RFC 7372,
 *    RFC 7505), which wording cannot overrule ("550 5.1.1 ... spam" is still a
 *    bad mailbox);
 * 2. wording, because most providers put the real reason in the text of a
 *    generic 5.7.1 or 5.0.0, or send no enhanced status at all;
 * 3. generic statuses by subject (X.7.* policy, X.4.* network...);
 * 4. the reply class alone.
 *
 * The examples in the comments are real replies, kept as tests in
 * classify.test.ts.
 */
const i = (source: string) => new RegExp(source, 'i');

const SPECIFIC_STATUSES: readonly BounceRule[] = [
  // RFC 7505 §4.3 X.1.10: "Recipient address has null MX"; Microsoft also uses
  // 5.1.10 for "RecipientNotFound", hence the text.
  { name: 'null-mx', status: 'x.1.10', text: i('null ?MX|does not accept mail'), category: 'bad-domain' },
  { name: 'status-bad-mailbox', status: 'x.1.1', category: 'bad-mailbox' },
  { name: 'status-bad-syntax', status: 'x.1.3', category: 'bad-mailbox' },
  { name: 'status-moved', status: 'x.1.6', category: 'bad-mailbox' },
  { name: 'status-not-found-ms', status: 'x.1.10', category: 'bad-mailbox' },
  { name: 'status-bad-domain', status: 'x.1.2', category: 'bad-domain' },
  { name: 'status-unroutable', status: '5.4.4', category: 'bad-domain' },
  // X.2.1 "mailbox disabled" is permanent as 5.2.1; Gmail sends 4.2.1 when the
  // recipient gets mail too fast.
  { name: 'status-disabled', status: '5.2.1', category: 'bad-mailbox' },
  { name: 'status-receiving-too-fast', status: '4.2.1', category: 'throttled' },
  { name: 'status-mailbox-full', status: 'x.2.2', kind: 'soft', category: 'mailbox-full' },
  { name: 'status-too-big', status: 'x.2.3', category: 'content' },
  { name: 'status-size', status: 'x.3.4', category: 'content' },
  // RFC 7372 §3: X.7.20-22 DKIM, X.7.23-24 SPF, X.7.25 reverse DNS, X.7.26 several.
  // X.7.27 "sender address has null MX" and X.7.28 "mail flood detected" first: X.7.2x below is for the rest.
  { name: 'status-sender-null-mx', status: 'x.7.27', category: 'policy' },
  { name: 'status-mail-flood', status: 'x.7.28', kind: 'soft', category: 'throttled' },
  { name: 'status-auth', status: 'x.7.2x', category: 'auth-failure' },
  // Microsoft: 4.7.500-4.7.699 "server busy / rate limited due to IP reputation".
  { name: 'ms-rate-limit', status: '4.7.5xx', kind: 'soft', category: 'throttled' },
  { name: 'ms-rate-limit-6', status: '4.7.6xx', kind: 'soft', category: 'throttled' },
  // Microsoft: 5.7.606-5.7.649 "Access denied, banned sending IP".
  { name: 'ms-banned-ip', status: '5.7.6xx', category: 'spam-block' },
];

const WORDING: readonly BounceRule[] = [
  // "550 5.7.26 This mail has been blocked because the sender is unauthenticated" (Gmail),
  // "550 5.7.515 Access denied, sending domain ... doesn't meet the required authentication level" (Microsoft).
  {
    name: 'text-auth',
    text: i(String.raw`\b(dmarc|spf|dkim|unauthenticated|not authenticated|authentication (level|failed|failure|required|check)|sender is unauthenticated)\b`),
    category: 'auth-failure',
  },
  // "421 4.7.0 [TSS04] Messages from ... temporarily deferred due to unexpected volume or user complaints" (Yahoo).
  {
    name: 'text-throttled',
    text: i(
      String.raw`(\[?TSS?0\d\]?|rate limit|ratelimit|rate-limit|too many (messages|mails|emails|connections|concurrent)|throttl|unusual rate|receiving mail at a rate|sending rate|unexpected volume|try again later.{0,40}(volume|rate)|exceeded .{0,20}(message|sending) (rate|limit))`,
    ),
    kind: 'soft',
    category: 'throttled',
  },
  // "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org" (Postfix),
  // "550 5.7.1 ... part of their network is on our block list (S3150)" (Microsoft).
  {
    name: 'text-spam',
    text: i(
      String.raw`\b(spam|junk|unsolicited|block ?list(ed)?|black ?list(ed)?|blocked using|dnsbl|rbl|listed (at|on|in|by)|reputation|spamhaus|barracuda|spamcop|sorbs|banned sending|BL\d\d|bulk mail)\b`,
    ),
    category: 'spam-block',
  },
  // "452 4.2.2 The email account that you tried to reach is over quota" (Gmail).
  {
    name: 'text-mailbox-full',
    text: i(String.raw`(over ?quota|quota ?exceeded|QuotaExceeded|mailbox (is )?full|mailbox size limit|insufficient (storage|space) (in|for) (the )?mailbox|exceeded (the )?storage)`),
    kind: 'soft',
    category: 'mailbox-full',
  },
  // "552 5.7.0 This message was blocked because its content presents a potential security issue" (Gmail).
  {
    name: 'text-content',
    text: i(
      String.raw`\b(virus|malware|infected|phishing|attachment|executable|content (rejected|policy|presents)|message (content|body) (rejected|not)|message (is )?too (big|large)|size (limit|exceeds)|exceeds? (the )?(maximum|size|fixed)|Message-ID header|RFC ?5322)\b`,
    ),
    category: 'content',
  },
  // "550 5.1.2 <x@y>: Recipient address rejected: Domain not found" (Postfix), "Host or domain name not found".
  {
    name: 'text-bad-domain',
    text: i(String.raw`(domain (name )?(not found|does ?n.?t exist|unknown|has no mx)|host or domain name not found|host unknown|no mx (record|host)|unrouteable mail domain|no such domain)`),
    category: 'bad-domain',
  },
  // Gmail: "The email account that you tried to reach does not exist";
  // Microsoft: "RecipientNotFound", "Requested action not taken: mailbox unavailable",
  // "Recipient address rejected: Access denied. AS(201806281)";
  // Yahoo: "This user doesn't have a yahoo.com account"; Exim: "Unrouteable address";
  // qmail: "Sorry, no mailbox here by that name"; Postfix: "User unknown in local recipient table".
  {
    name: 'text-bad-mailbox',
    text: i(
      String.raw`(user unknown|unknown user|unknown (recipient|local.part|mailbox)|no such (user|mailbox|recipient|account|person)|no mailbox here|mailbox (not found|unavailable|does ?n.?t exist|disabled|inactive)|address (not found|does ?n.?t exist|unknown)|invalid (recipient|mailbox|address)|recipient (not found|unknown)|RecipientNotFound|account (that you tried to reach )?(does ?n.?t exist|is disabled|disabled|has been disabled|is inactive|inactive|suspended|closed)|does ?n.?t have a .{1,40} account|unrouteable address|AS\(201806281\)|user not found|not a valid (user|mailbox|recipient)|no longer (active|in use|available))`,
    ),
    category: 'bad-mailbox',
  },
  // "450 4.2.0 <x@y>: Recipient address rejected: Greylisted"; "451 Temporary local problem".
  {
    name: 'text-transient',
    text: i(String.raw`(greylist|graylist|try (again )?later|temporar|local problem|insufficient system|resources|timed? ?out|connection (refused|reset|closed))`),
    kind: 'soft',
    category: 'transient',
  },
  // "554 5.7.1 <x@y>: Relay access denied", "550 Administrative prohibition" (Exim), reverse DNS.
  {
    name: 'text-policy',
    text: i(String.raw`(relay(ing)? (access )?denied|not permitted|administrative prohibition|polic(y|ies)|access denied|client host rejected|sender address rejected|verification failed|PTR record|reverse (DNS|lookup))`),
    category: 'policy',
  },
];

const GENERIC_STATUSES: readonly BounceRule[] = [
  { name: 'status-policy', status: 'x.7.*', category: 'policy' },
  { name: 'status-media', status: 'x.6.*', category: 'content' },
  { name: 'status-network', status: '4.4.*', category: 'transient' },
  { name: 'status-system', status: '4.3.*', category: 'transient' },
];

const BY_CLASS: readonly BounceRule[] = [
  { name: 'class-4', code: '4xx', category: 'transient' },
  { name: 'class-5', code: '5xx', category: 'unknown' },
];

export const DEFAULT_BOUNCE_RULES: readonly BounceRule[] = [...SPECIFIC_STATUSES, ...WORDING, ...GENERIC_STATUSES, ...BY_CLASS];
