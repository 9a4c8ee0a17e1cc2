import { makeReply, type SmtpReply } from './smtp-reply.js';

/**
 * The replies Baton records for a recipient when it decides the outcome of a
 * delivery attempt itself, with no reply from a remote server to quote: the
 * other side of `replies.ts` (what Baton says in its own SMTP sessions). They
 * reach the sender in DSNs (RFC 3464 Diagnostic-Code / Status), so each names
 * the RFC 3463 status that fits; `replies.test.ts` checks every class.
 */
export const DeliveryReplies = {
  // Site resolution (RFC 5321 §5.1).
  /** RFC 7505 §4.2: 556 5.1.10 for a domain that accepts no mail. */
  nullMx: () => makeReply(556, '5.1.10', 'Recipient domain does not accept mail (null MX)'),
  domainNotFound: () => makeReply(550, '5.1.2', 'Recipient domain not found'),
  /** Address literals are never delivered to (delivery/mx.ts resolveSite). */
  addressLiteral: () => makeReply(550, '5.1.2', 'Address literal destinations are not accepted for delivery'),
  noAddress: () => makeReply(554, '5.4.4', 'No mail exchanger of the recipient domain has an address'),
  dnsTemporary: () => makeReply(451, '4.4.3', 'Temporary DNS failure resolving the recipient domain'),
  /** RFC 3463 4.4.6: routing loop. Temporary so an operator can fix the config before mail bounces. */
  loop: () => makeReply(451, '4.4.6', 'Mail for the recipient domain loops back to this server'),
  relayHostNotFound: () => makeReply(451, '4.4.3', 'Relay host not found'),

  // Known before a byte is sent, from the next hop's EHLO.
  /** RFC 6531 §3.2 / RFC 3463 5.6.7: the server cannot take an internationalised message. */
  needsSmtputf8: () => makeReply(553, '5.6.7', "Recipient's server does not support SMTPUTF8, required by this message"),
  /** RFC 1870 §6.1: we know in advance the server will not take it. */
  tooBigForServer: (limit: number) => makeReply(552, '5.3.4', `Message size exceeds the recipient server's limit of ${limit} bytes`),
  /** RFC 3030 §3: BINARYMIME cannot be sent without BINARYMIME and CHUNKING. */
  needsBinaryMime: () => makeReply(554, '5.6.3', "Recipient's server cannot accept binary content"),

  // Local delivery (Maildir).
  deliveredToMailbox: () => makeReply(250, '2.0.0', 'Delivered to mailbox'),
  badMailbox: () => makeReply(550, '5.1.3', 'Bad destination mailbox address'),
  /** RFC 3463 5.4.6: the message already carries our Delivered-To for this recipient. */
  forwardingLoop: () => makeReply(554, '5.4.6', 'Mail forwarding loop detected'),
  mailboxStorageFull: () => makeReply(452, '4.3.1', 'Insufficient system storage'),
  mailboxFull: () => makeReply(452, '4.2.2', 'Mailbox full'),

  // Outbound transport security (delivery/tls/): RFC 3463 4.7.5 "cryptographic failure".
  /** A TLS policy (DANE, MTA-STS) forbids every MX host we could use, or TLS with it failed: retried until it holds. */
  tlsPolicyFailed: () => makeReply(451, '4.7.5', 'The TLS policy of the recipient domain could not be met; delivery will be retried'),

  // REQUIRETLS (RFC 8689 §4.2.1, delivery/tls/require-tls.ts): the status codes of §4.2.1 and §6.
  /** The host took TLS but does not offer REQUIRETLS after it: the next MX is tried, the message waits for one that does. */
  requireTlsNotOffered: (host: string) => makeReply(451, '4.7.30', `REQUIRETLS support required: ${host} does not offer REQUIRETLS; delivery will be retried`),
  /** Verified TLS with the host could not be set up for a REQUIRETLS message. */
  requireTlsNoTls: (host: string, detail?: string) =>
    makeReply(451, '4.7.10', `Encryption needed: verified TLS with ${host} failed for a REQUIRETLS message${detail ? ` (${detail.slice(0, 200)})` : ''}; delivery will be retried`),
  /** The path can never meet REQUIRETLS (unsigned MX without MTA-STS, or a route without TLS): the message is returned. */
  requireTlsImpossible: (why: string) => makeReply(550, '5.7.30', `REQUIRETLS support required: ${why}`),

  // Egress sources and warm-up (delivery/egress/).
  /** Every source of the pool has sent its warm-up allowance for today to this provider. */
  warmupAllowanceSpent: () => makeReply(451, '4.7.0', "Today's warm-up allowance of this egress pool is spent; delivery resumes tomorrow"),

  /** Shaping: the provider kept answering with throttling replies, so Baton waits before trying again. */
  throttlePause: () => makeReply(451, '4.7.0', 'The recipient domain asked us to slow down; delivery resumes after a pause'),

  /** Our own problem (a bug, a disk error): always temporary, never a bounce (DESIGN §4). */
  localProblem: () => makeReply(451, '4.3.0', 'Temporary local problem, try again later'),
} as const satisfies Record<string, (...args: never[]) => SmtpReply>;

export type DeliveryReplyName = keyof typeof DeliveryReplies;
