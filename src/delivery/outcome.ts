import type { FailureScope, SmtpReply } from '../core/index.js';
import { replyToText } from '../core/index.js';

/**
 * Classification of every remote result as data (DESIGN §3 step 8):
 * (stage, reply | connection error) → delivered / deferred / bounced with a scope.
 * Pure functions; the engine applies the scope (close the connection, back the
 * site off, fail the transaction, or just this recipient).
 */

/** Where in the SMTP dialogue a result came from. `data` is the DATA command (354), `dot` the end-of-data reply. */
export type Stage = 'connect' | 'greeting' | 'ehlo' | 'starttls' | 'auth' | 'mail' | 'rcpt' | 'data' | 'dot' | 'bdat';

/** A failure without an SMTP reply: the socket, TLS handshake or a timer gave up. */
export interface ConnectionError {
  /** e.g. 'timeout', 'ECONNRESET', 'ECONNREFUSED', 'EHOSTUNREACH', 'tls', 'closed'. */
  readonly code: string;
  /** Human text for logs and DSNs: "connection refused by 192.0.2.1:25". */
  readonly message: string;
}

export type StageResult =
  | { readonly stage: Stage; readonly reply: SmtpReply }
  | { readonly stage: Stage; readonly error: ConnectionError };

export type Verdict = 'delivered' | 'deferred' | 'bounced';

export interface Outcome {
  readonly verdict: Verdict;
  /** How far the result reaches; `recipient` for delivered and recipient-level results. */
  readonly scope: FailureScope;
  readonly stage: Stage;
  readonly reply?: SmtpReply;
  /** Description when there is no reply (connection errors). */
  readonly error?: string;
  /**
   * RCPT "too many recipients" (RFC 5321 §4.5.3.1.10): not a failure of the
   * recipient; send it in the next transaction at once, without back-off.
   */
  readonly retryNow?: true;
}

/** What a stage result means: the dialogue goes on, or it ends with an outcome. */
export type Classification = { readonly verdict: 'continue' } | Outcome;

const CONTINUE: Classification = { verdict: 'continue' };

/** Failures at these stages say nothing about this message: the site cannot take mail now. */
const SITE_STAGES: ReadonlySet<Stage> = new Set(['connect', 'greeting', 'ehlo', 'starttls', 'auth']);

/** The stages whose positive reply means the message was taken over. */
const FINAL_STAGES: ReadonlySet<Stage> = new Set(['dot', 'bdat']);

export function classify(result: StageResult): Classification {
  return 'reply' in result ? classifyReply(result.stage, result.reply) : classifyError(result.stage, result.error);
}

export function classifyReply(stage: Stage, reply: SmtpReply): Classification {
  const code = reply.code;
  if (code < 400) {
    if (!FINAL_STAGES.has(stage)) return CONTINUE;
    if (code < 300) return { verdict: 'delivered', scope: 'recipient', stage, reply };
    // A 3xx after the end of data is a protocol error: we do not know the message was taken.
    return { verdict: 'deferred', scope: 'message', stage, reply };
  }
  // RFC 5321 §3.8 / §4.2.2: 421 means the server is closing the channel; it is
  // about the service, not this message, whatever stage it arrives at.
  if (code === 421) return { verdict: 'deferred', scope: 'site', stage, reply };
  if (SITE_STAGES.has(stage)) {
    // Temporary even on 5xx: a site that refuses to talk (5xx greeting, EHLO, a
    // failed STARTTLS, or our own smarthost credentials rejected) has not judged
    // this message; bouncing would punish the sender for the site's or our own
    // configuration. Postfix does the same (smtp_skip_5xx_greeting,
    // smtp_sasl_auth_soft_bounce). Mail that never gets through expires.
    return { verdict: 'deferred', scope: 'site', stage, reply };
  }
  if (stage === 'rcpt') return classifyRcpt(reply);
  // MAIL, DATA, end of data, BDAT: the reply concerns the whole message.
  return { verdict: code < 500 ? 'deferred' : 'bounced', scope: 'message', stage, reply };
}

function classifyRcpt(reply: SmtpReply): Outcome {
  if (isTooManyRecipients(reply)) return { verdict: 'deferred', scope: 'recipient', stage: 'rcpt', reply, retryNow: true };
  return { verdict: reply.code < 500 ? 'deferred' : 'bounced', scope: 'recipient', stage: 'rcpt', reply };
}

/**
 * RFC 5321 §4.5.3.1.10: the limit on recipients is reported with 452 (4.5.3,
 * RFC 3463); RFC 821 wrongly listed 552, and clients SHOULD treat 552 for this
 * case as temporary. A 452 with another enhanced status (4.2.2 mailbox full,
 * 4.3.1 system full) is an ordinary deferral, as is a 552 that does not say so.
 */
export function isTooManyRecipients(reply: SmtpReply): boolean {
  const s = reply.status;
  if (s && s.subject === 5 && s.detail === 3 && (reply.code === 452 || reply.code === 552)) return true;
  if (reply.code === 452 && s === undefined) return true;
  return reply.code === 552 && s === undefined && /too many recipients/i.test(reply.lines.join(' '));
}

export function classifyError(stage: Stage, error: ConnectionError): Outcome {
  // No connection at all (refused, unreachable, connect timeout) says the site is
  // unavailable; a timeout or reset later on concerns only this connection.
  const scope: FailureScope = stage === 'connect' || stage === 'greeting' ? 'site' : 'connection';
  return { verdict: 'deferred', scope, stage, error: error.message };
}

export interface TransactionInput<R> {
  /**
   * Every recipient of the transaction with its RCPT result, when one arrived,
   * and (LMTP, RFC 2033 §4.2) its own end-of-data result, which then stands
   * in for `last`.
   */
  readonly recipients: readonly { readonly recipient: R; readonly rcpt?: StageResult; readonly last?: StageResult }[];
  /**
   * The result that ended the transaction for the accepted recipients: the MAIL
   * failure, the DATA, end-of-data or BDAT reply, or the connection error. Absent
   * when the dialogue stopped without one (e.g. every RCPT was refused).
   */
  readonly last?: StageResult;
}

/**
 * One outcome per recipient of a transaction. A recipient refused at RCPT keeps
 * that outcome; every other recipient gets the outcome of `last`. A recipient is
 * delivered only on a 2xx end-of-data reply (RFC 5321 §4.1.1.4): anything short
 * of that defers it, even if its RCPT was accepted.
 */
export function resolveTransaction<R>(input: TransactionInput<R>): { readonly recipient: R; readonly outcome: Outcome }[] {
  const last = input.last ? classify(input.last) : undefined;
  return input.recipients.map(({ recipient, rcpt, last: ownLast }) => {
    const own = rcpt ? classify(rcpt) : CONTINUE;
    if (own.verdict !== 'continue') return { recipient, outcome: own };
    const ending = ownLast ? classify(ownLast) : last;
    if (ending && ending.verdict !== 'continue') return { recipient, outcome: ending };
    const stage = (ownLast ?? input.last)?.stage ?? rcpt?.stage ?? 'rcpt';
    return { recipient, outcome: { verdict: 'deferred', scope: 'connection', stage, error: 'transaction did not complete' } };
  });
}

/** One-line description of an outcome for logs and the queue listing. */
export function describeOutcome(o: Outcome): string {
  const what = o.reply ? replyToText(o.reply) : (o.error ?? 'no reply');
  return `${o.verdict} at ${o.stage} (${o.scope}): ${what}`;
}

export type DeferralDecision =
  | { readonly kind: 'deferred'; readonly nextAttemptAt: number }
  | { readonly kind: 'expired'; readonly queuedForMs: number };

/**
 * Whether a deferral ends the recipient's life. It expires once `now` has reached
 * `expiresAt` (Postfix: maximal_queue_lifetime, checked after a failed attempt).
 * A next attempt that would fall after the deadline is moved to the deadline, so
 * the recipient gets one last attempt at the end of its lifetime instead of
 * expiring early or lingering past it.
 */
export function decideDeferral(input: {
  readonly receivedAt: number;
  readonly expiresAt: number;
  readonly now: number;
  readonly nextAttemptAt: number;
}): DeferralDecision {
  const { receivedAt, expiresAt, now, nextAttemptAt } = input;
  if (now >= expiresAt) return { kind: 'expired', queuedForMs: Math.max(0, now - receivedAt) };
  return { kind: 'deferred', nextAttemptAt: Math.min(Math.max(nextAttemptAt, now), expiresAt) };
}
