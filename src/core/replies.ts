import { makeReply, type SmtpReply } from './smtp-reply.js';

/**
 * Every reply Baton sends, by name (DESIGN §4). Wire texts are generic: they say
 * what happened, never how we found out; details go to logs. `replies.test.ts`
 * checks that each enhanced class matches its code.
 */
export const Replies = {
  greeting: (host: string) => makeReply(220, undefined, `${host} ESMTP Baton`),
  bye: () => makeReply(221, '2.0.0', 'Bye'),
  ok: () => makeReply(250, '2.0.0', 'OK'),
  senderOk: () => makeReply(250, '2.1.0', 'Sender OK'),
  recipientOk: () => makeReply(250, '2.1.5', 'Recipient OK'),
  queued: (id: string) => makeReply(250, '2.0.0', `OK: queued as ${id}`),
  chunkOk: (size: number) => makeReply(250, '2.0.0', `${size} octets received`),
  resetOk: () => makeReply(250, '2.0.0', 'Reset OK'),
  noopOk: () => makeReply(250, '2.0.0', 'OK'),
  vrfyCannot: () => makeReply(252, '2.5.2', 'Cannot VRFY user, but will accept message and attempt delivery'),
  help: () => makeReply(214, '2.0.0', 'See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH'),
  startData: () => makeReply(354, undefined, 'End data with <CR><LF>.<CR><LF>'),
  readyForTls: () => makeReply(220, '2.0.0', 'Ready to start TLS'),
  authOk: () => makeReply(235, '2.7.0', 'Authentication successful'),
  authChallenge: (b64: string) => makeReply(334, undefined, b64),

  // 4xx: temporary
  shuttingDown: () => makeReply(421, '4.3.2', 'Service shutting down, try again later'),
  tooManyConnections: () => makeReply(421, '4.7.0', 'Too many connections, try again later'),
  idleTimeout: () => makeReply(421, '4.4.2', 'Timeout, closing connection'),
  tooSlow: () => makeReply(421, '4.4.2', 'Command or message data too slow, closing connection'),
  sessionTooLong: () => makeReply(421, '4.4.2', 'Session time limit reached, closing connection'),
  tooManyErrors: () => makeReply(421, '4.7.0', 'Too many errors, closing connection'),
  tryLater: () => makeReply(451, '4.3.0', 'Temporary local problem, try again later'),
  /** An authenticated user reached a sending quota: the text says which and until when. */
  quotaExceeded: (text: string) => makeReply(451, '4.7.1', text),
  tooManyRecipients: () => makeReply(452, '4.5.3', 'Too many recipients'),
  insufficientStorage: () => makeReply(452, '4.3.1', 'Insufficient system storage, try again later'),
  tlsNotAvailable: () => makeReply(454, '4.7.0', 'TLS not available'),
  authTemporary: () => makeReply(454, '4.7.0', 'Temporary authentication failure'),
  // Connection-stage rate limits (smtp/policy/checks/rate-limits.ts): `who` is the
  // client's own IP or network, `window` a word ("minute"), so it knows what to wait for.
  connectionRateExceeded: (who: string, window: string) => makeReply(421, '4.7.0', `Too many connections from ${who} in the last ${window}; try again later`),
  messageRateExceeded: (who: string, window: string) => makeReply(421, '4.7.0', `Too many messages from ${who} in the last ${window}; try again later`),
  /** RFC 3463 §3.8 X.7.1: delivery not authorized for now; the client retries this recipient later. */
  recipientRateExceeded: (who: string, window: string) => makeReply(450, '4.7.1', `Too many recipients from ${who} in the last ${window}; try again later`),
  /** RFC 4954 §6: 454 4.7.0 is AUTH's temporary failure; here, too many failed logins (auth-failures check). */
  authBlocked: () => makeReply(454, '4.7.0', 'Too many failed logins; try again later'),
  authBlockedClose: () => makeReply(421, '4.7.0', 'Too many failed logins; closing connection'),

  // 5xx: permanent
  lineTooLong: () => makeReply(500, '5.5.6', 'Line too long'),
  unrecognized: () => makeReply(500, '5.5.1', 'Command unrecognized'),
  syntax: () => makeReply(501, '5.5.4', 'Syntax error in parameters or arguments'),
  badSenderSyntax: () => makeReply(501, '5.1.7', 'Bad sender address syntax'),
  badRecipientSyntax: () => makeReply(501, '5.1.3', 'Bad recipient address syntax'),
  nonAsciiWithoutUtf8: () => makeReply(553, '5.6.7', 'Non-ASCII address requires SMTPUTF8'),
  notImplemented: () => makeReply(502, '5.5.1', 'Command not implemented'),
  badSequence: () => makeReply(503, '5.5.1', 'Bad sequence of commands'),
  needHelo: () => makeReply(503, '5.5.1', 'Send EHLO or HELO first'),
  needMail: () => makeReply(503, '5.5.1', 'Need MAIL command first'),
  needRcpt: () => makeReply(503, '5.5.1', 'Need RCPT command first'),
  nestedMail: () => makeReply(503, '5.5.1', 'Sender already specified'),
  alreadyTls: () => makeReply(503, '5.5.1', 'TLS already active'),
  alreadyAuthenticated: () => makeReply(503, '5.5.1', 'Already authenticated'),
  pipeliningNotAllowed: () => makeReply(554, '5.5.0', 'Command pipelining without PIPELINING is not allowed'),
  talkedTooSoon: () => makeReply(554, '5.5.0', 'Protocol error: client sent data before the greeting'),
  paramNotRecognized: () => makeReply(555, '5.5.4', 'Parameter not recognized or not implemented'),
  mechanismUnknown: () => makeReply(504, '5.5.4', 'Unrecognized authentication mechanism'),
  authCancelled: () => makeReply(501, '5.0.0', 'Authentication cancelled'),
  authRequired: () => makeReply(530, '5.7.0', 'Authentication required'),
  tlsRequired: () => makeReply(530, '5.7.0', 'Must issue a STARTTLS command first'),
  /**
   * RFC 8689 §3: REQUIRETLS may be given only on a session that uses TLS; 530 is
   * RFC 3207 §4's "Must issue a STARTTLS command first", 5.7.10 "Encryption
   * needed" the status RFC 8689 §4.2.1 names for a session without TLS.
   */
  requireTlsNeedsTls: () => makeReply(530, '5.7.10', 'REQUIRETLS needs a TLS session: issue STARTTLS first'),
  authFailed: () => makeReply(535, '5.7.8', 'Authentication credentials invalid'),
  encryptionRequiredForAuth: () => makeReply(538, '5.7.11', 'Encryption required for requested authentication mechanism'),
  relayDenied: () => makeReply(554, '5.7.1', 'Relay access denied'),
  senderNotOwned: () => makeReply(553, '5.7.1', 'Sender address not allowed for this user'),
  mailboxUnknown: () => makeReply(550, '5.1.1', 'Mailbox unavailable'),
  /** A VERP return path whose token we did not sign (forged, mistyped, or its key retired). */
  returnPathUnknown: () => makeReply(550, '5.1.1', 'Unknown bounce address'),
  messageTooBig: () => makeReply(552, '5.3.4', 'Message size exceeds fixed limit'),
  bareLineEnding: () => makeReply(550, '5.6.11', 'Bare CR or LF not allowed in message content, use CRLF'),
  eightBitWithoutMime: () => makeReply(554, '5.6.1', '8-bit data requires BODY=8BITMIME'),
  nulInData: () => makeReply(554, '5.6.0', 'NUL character not allowed in message content'),
  dataLineTooLong: () => makeReply(552, '5.6.0', 'Message line too long'),
  tooManyHops: () => makeReply(554, '5.4.6', 'Too many hops: mail loop detected'),
  dataBeforeGoAhead: () => makeReply(554, '5.5.0', 'Protocol error: message text sent before the 354 reply'),
  badChunkingMix: () => makeReply(503, '5.5.1', 'DATA and BDAT cannot be mixed in one transaction'),
  binaryNeedsBdat: () => makeReply(503, '5.5.1', 'BODY=BINARYMIME requires BDAT'),
  /** RFC 7489 §6.6.2: the From domain's DMARC policy is reject and the message fails it. */
  dmarcRejected: () => makeReply(550, '5.7.1', 'Message rejected by the DMARC policy of its From domain'),
  /** RFC 7208 §8.4 with RFC 7372 §3.2's code for an SPF fail. */
  spfFailed: () => makeReply(550, '5.7.23', 'SPF validation failed'),
  /**
   * RFC 3463 §3.8 X.7.1 (delivery not authorized): the suppression list names
   * this recipient. Unlike other refusals the text says why, in words
   * (`why`: "unsubscribed from example.com"), for the sending application
   * (our own authenticated user) to stop sending to it.
   */
  recipientSuppressed: (rcpt: string, why: string) => makeReply(550, '5.7.1', `<${rcpt}>: recipient is suppressed (${why}); no mail will be sent to it`),
  /** The spam scanner (rspamd) says reject; which rules matched goes to the log only. */
  spamRejected: () => makeReply(554, '5.7.1', 'Message rejected as spam'),
  /** The spam scanner says greylist or soft reject. RFC 3463 §3.8: X.7.1 delivery not authorized, for now. */
  spamDeferred: () => makeReply(451, '4.7.1', 'Message deferred by the spam policy, try again later'),
  /** The malware scanner (clamd) found a signature; its name goes to the log only. */
  contentRejected: () => makeReply(554, '5.7.1', 'Message content rejected'),

  // Client reputation (docs/security.md)
  /** RFC 5321 §3.1: 554 instead of the greeting. Naming the list lets a wrongly listed sender find the way out. */
  dnsblListed: (ip: string, lists: readonly string[]) => makeReply(554, '5.7.1', `Service unavailable; client [${ip}] blocked using ${lists.join(', ')}`),
  /** RFC 3463 §3.2 X.1.8: bad sender's system address. */
  senderDomainUnknown: () => makeReply(550, '5.1.8', 'Sender address rejected: domain not found'),
  senderDomainTemporary: () => makeReply(450, '4.1.8', 'Sender address rejected: domain lookup failed, try again later'),
  /** RFC 7505 §4.2: a sender domain with a null MX accepts no replies. */
  senderNullMx: () => makeReply(550, '5.7.27', 'Sender address rejected: domain does not accept mail (null MX)'),
  heloInvalid: () => makeReply(501, '5.5.2', 'Helo command rejected: invalid name'),
  heloNotFqdn: () => makeReply(504, '5.5.2', 'Helo command rejected: need fully-qualified hostname'),
  heloOurName: () => makeReply(550, '5.7.1', 'Helo command rejected: you are not me'),
  greylisted: () => makeReply(451, '4.7.1', 'Greylisted, please try again later'),
  /** X-Baton-Stream names a stream that does not exist (docs/deliverability.md#streams). */
  unknownStream: () => makeReply(550, '5.6.0', 'Unknown X-Baton-Stream value, use "bulk" or "transactional"'),
  /** CAN-SPAM: bulk mail must carry a working opt-out (RFC 8058 one-click List-Unsubscribe). */
  bulkNeedsUnsubscribe: () => makeReply(550, '5.7.1', 'Bulk mail must carry List-Unsubscribe with an https URI and List-Unsubscribe-Post (RFC 8058)'),
} as const satisfies Record<string, (...args: never[]) => SmtpReply>;

export type ReplyName = keyof typeof Replies;
