import { randomBytes } from 'node:crypto';
import type { DsnAction, Envelope, Mailbox, Notify, SmtpReply } from '../../core/index.js';
import { formatMailbox, wantsNotice, formatStatus, isAsciiMailbox, replyToText } from '../../core/index.js';
import { explain, type DsnKind } from './explain.js';
import { asciiOnly, capHeaders, foldField, formatDate, has8bit, headerSafe, headerValue, normaliseLines, splitMessage } from './mime.js';

/**
 * RFC 3464 delivery status notifications, sent as multipart/report
 * (RFC 6522) with report-type=delivery-status.
 *
 * The MIME is built here rather than with nodemailer's MailComposer: a DSN is
 * three fixed parts, and we need exact control that MailComposer does not give
 * without fighting it — the report-type parameter on the top-level type, the
 * returned message embedded verbatim as message/rfc822 (never re-encoded to
 * base64, RFC 2046 §5.2.1 allows only 7bit/8bit/binary there), and the
 * delivery-status fields written as RFC 3464 §2.1.1 field syntax.
 */

export { wantsNotice, type DsnAction } from '../../core/index.js';

export interface DsnRecipient {
  readonly address: Mailbox;
  /** RFC 3461 §4.2 ORCPT as stored ("rfc822;user@example.com"). */
  readonly orcpt?: string;
  readonly notify?: Notify;
  readonly action: DsnAction;
  /** For action 'failed': the lifetime ran out (rather than a permanent reply). */
  readonly expired?: boolean;
  readonly reply?: SmtpReply;
  /** Failure description when there is no reply ("connection refused"). */
  readonly error?: string;
  /** Host name of the server that gave the reply. */
  readonly remoteMta?: string;
  readonly lastAttemptAt?: number;
  /** For action 'delayed': when retrying stops (the message's expiry). */
  readonly willRetryUntil?: number;
  /** Explicit RFC 3463 status (x.y.z); derived from the reply when absent. */
  readonly status?: string;
}

export interface DsnInput {
  /** Our host name: Reporting-MTA and the From address (RFC 3464 §2.2.2). */
  readonly hostname: string;
  readonly queueId: string;
  /** The original envelope sender; null (<>) never gets a DSN. */
  readonly sender: Mailbox | null;
  /** RFC 3461 §4.3 RET. */
  readonly ret?: 'FULL' | 'HDRS';
  /** RFC 3461 §4.4 ENVID, xtext-decoded. */
  readonly envid?: string;
  readonly receivedAt: number;
  /** The original message as stored (CRLF). */
  readonly original: Buffer;
  readonly recipients: readonly DsnRecipient[];
  readonly now: number;
  /** Largest original message returned in full; above it only headers. Postfix: bounce_size_limit 50000. */
  readonly returnSizeLimit?: number;
  /** Message-ID to use (tests); generated when absent. */
  readonly messageId?: string;
}

export interface BuiltDsn {
  /** mailFrom is null (<>, RFC 5321 §4.5.5); the one recipient is the original sender. */
  readonly envelope: Envelope;
  readonly message: Buffer;
  readonly kind: DsnKind;
  /** The recipients this DSN reports on (after NOTIFY filtering). */
  readonly reported: readonly DsnRecipient[];
}

export const DEFAULT_RETURN_SIZE_LIMIT = 50_000;

/** RFC 3464 §2.3.4 Status: the reply's enhanced code, or one derived from the basic code. */
export function dsnStatus(r: DsnRecipient): string {
  if (r.status) return r.status;
  if (r.reply?.status) return formatStatus(r.reply.status);
  if (r.reply) return `${Math.floor(r.reply.code / 100)}.0.0`;
  switch (r.action) {
    case 'failed':
      // RFC 3463 X.4.7 "delivery time expired" is defined as a persistent transient status.
      return r.expired ? '4.4.7' : '5.0.0';
    case 'delayed':
      return '4.0.0';
    default:
      return '2.0.0';
  }
}

/**
 * Build one DSN for a message, or undefined when none is due: the sender is
 * null (RFC 5321 §4.5.5, RFC 3461 §6.2 — never answer a bounce with a bounce)
 * or no recipient's NOTIFY asks for this report.
 */
export function buildDsn(input: DsnInput): BuiltDsn | undefined {
  if (input.sender === null) return undefined;
  const reported = input.recipients.filter((r) => wantsNotice(r.notify, r.action));
  if (reported.length === 0) return undefined;
  const kind: DsnKind = reported.some((r) => r.action === 'failed') ? 'failure' : reported.some((r) => r.action === 'delayed') ? 'delay' : 'success';
  const sender = input.sender;
  const utf8 = !isAsciiMailbox(sender) || reported.some((r) => !isAsciiMailbox(r.address));

  const returned = returnedPart(input, kind, utf8);
  const text = explain({ kind, hostname: input.hostname, recipients: reported, returned: returned.mode, now: input.now })
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, ' ');
  const status = deliveryStatus(input, reported, utf8);

  const parts = [
    { headers: `Content-Type: text/plain; charset=${/[^\x00-\x7f]/.test(text) ? 'utf-8' : 'us-ascii'}\r\nContent-Description: Notification\r\n`, body: Buffer.from(text, 'utf8') },
    // RFC 6533 §6: message/global-delivery-status when addresses are UTF-8.
    { headers: `Content-Type: message/${utf8 ? 'global-' : ''}delivery-status\r\nContent-Description: Delivery report\r\n`, body: Buffer.from(status, 'utf8') },
    { headers: returned.headers, body: returned.body },
  ];
  const boundary = pickBoundary(parts.map((p) => p.body));
  const eightBit = parts.some((p) => has8bit(p.body));

  const to = formatMailbox(sender);
  const subject = { failure: 'Undelivered Mail Returned to Sender', delay: 'Delivery Status Notification (Delay)', success: 'Delivery Status Notification (Success)' }[kind];
  const messageId = input.messageId ?? `<${input.now.toString(36)}.${randomBytes(8).toString('hex')}@${input.hostname}>`;
  const originalId = headerValue(splitMessage(input.original).headers, 'Message-ID');
  let head =
    foldField('From', `Mail Delivery System <MAILER-DAEMON@${input.hostname}>`) +
    foldField('To', `<${to}>`) +
    foldField('Subject', subject) +
    foldField('Date', formatDate(input.now)) +
    foldField('Message-ID', messageId) +
    // RFC 3834 §5: an automatic response, so auto-responders stay silent.
    foldField('Auto-Submitted', 'auto-replied') +
    foldField('MIME-Version', '1.0') +
    foldField('Content-Type', `multipart/report; report-type=delivery-status; boundary="${boundary}"`) +
    (eightBit ? foldField('Content-Transfer-Encoding', '8bit') : '');
  if (originalId && /^<[^<>\s]+>$/.test(originalId)) head += foldField('In-Reply-To', originalId) + foldField('References', originalId);

  const chunks: Buffer[] = [Buffer.from(head + '\r\nThis is a MIME-encapsulated delivery status notification.\r\n', 'utf8')];
  for (const p of parts) {
    chunks.push(Buffer.from(`\r\n--${boundary}\r\n${p.headers}\r\n`, 'utf8'), p.body);
    if (p.body.length > 0 && p.body.subarray(-2).toString('latin1') !== '\r\n') chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`));

  const params = { ...(eightBit ? { body: '8BITMIME' as const } : {}), ...(utf8 ? { smtputf8: true } : {}) };
  return { envelope: { mailFrom: null, recipients: [{ address: sender }], params }, message: Buffer.concat(chunks), kind, reported };
}

/** RFC 3464 §2.2 per-message fields, then one block per recipient (§2.3), blocks separated by empty lines. */
function deliveryStatus(input: DsnInput, reported: readonly DsnRecipient[], utf8: boolean): string {
  // In message/delivery-status everything is US-ASCII (RFC 3464 §2.1.1); the
  // global variant allows UTF-8 (RFC 6533 §6.2).
  const clean = (s: string) => (utf8 ? headerSafe(s) : asciiOnly(headerSafe(s)));
  let out = '';
  if (input.envid !== undefined) out += foldField('Original-Envelope-Id', clean(input.envid));
  out += foldField('Reporting-MTA', `dns; ${clean(input.hostname)}`);
  out += foldField('X-Baton-Queue-ID', clean(input.queueId));
  out += foldField('Arrival-Date', formatDate(input.receivedAt));
  for (const r of reported) {
    out += '\r\n';
    if (r.orcpt !== undefined) {
      const o = clean(r.orcpt);
      out += foldField('Original-Recipient', o.includes(';') ? o : `rfc822;${o}`);
    }
    // RFC 6533 §3: "utf-8" address type for internationalised addresses.
    const type = isAsciiMailbox(r.address) ? 'rfc822' : 'utf-8';
    out += foldField('Final-Recipient', `${type};${clean(formatMailbox(r.address))}`);
    out += foldField('Action', r.action);
    out += foldField('Status', dsnStatus(r));
    if (r.remoteMta) out += foldField('Remote-MTA', `dns; ${clean(r.remoteMta)}`);
    if (r.reply) out += foldField('Diagnostic-Code', `smtp; ${clean(replyToText(r.reply))}`);
    else if (r.error) out += foldField('Diagnostic-Code', `X-Baton; ${clean(r.error)}`);
    if (r.lastAttemptAt !== undefined) out += foldField('Last-Attempt-Date', formatDate(r.lastAttemptAt));
    if (r.action === 'delayed' && r.willRetryUntil !== undefined) out += foldField('Will-Retry-Until', formatDate(r.willRetryUntil));
  }
  return out;
}

type ReturnMode = 'full' | 'headers' | 'headers-capped';

/**
 * The third part (RFC 3464 §2 / RFC 6522 §3). RET=FULL returns the whole
 * message, RET=HDRS the headers. Without RET, RFC 3461 §4.3 lets the MTA
 * choose: like Postfix we return the full message with failures (the sender
 * sees exactly what did not arrive) and only headers with delay and success
 * notices (the message is still on its way or arrived; no need to echo it).
 * Above the size cap, or when the message has lines longer than 998 octets
 * that could not be passed on unchanged, only the headers are returned.
 */
function returnedPart(input: DsnInput, kind: DsnKind, utf8: boolean): { headers: string; body: Buffer; mode: ReturnMode } {
  const limit = input.returnSizeLimit ?? DEFAULT_RETURN_SIZE_LIMIT;
  const full = input.ret === 'FULL' || (input.ret === undefined && kind === 'failure');
  const { headers } = splitMessage(input.original);
  // RFC 6532 §3.7 / RFC 6533 §6.3-6.4: internationalised headers travel in the global types.
  const global = utf8 || has8bit(headers);
  if (full && input.original.length <= limit) {
    const norm = normaliseLines(input.original);
    if (!norm.longLines) {
      const cte = has8bit(norm.data) ? 'Content-Transfer-Encoding: 8bit\r\n' : '';
      return { headers: `Content-Type: message/${global ? 'global' : 'rfc822'}\r\nContent-Description: Undelivered message\r\n${cte}`, body: norm.data, mode: 'full' };
    }
  }
  const capped = capHeaders(normaliseLines(headers).data, limit);
  const safe = Buffer.from(
    capped
      .toString('latin1')
      .split('\r\n')
      .map((l) => (l.length > 998 ? l.slice(0, 998) : l))
      .join('\r\n'),
    'latin1',
  );
  const cte = has8bit(safe) ? 'Content-Transfer-Encoding: 8bit\r\n' : '';
  const type = global ? 'message/global-headers' : 'text/rfc822-headers';
  return { headers: `Content-Type: ${type}\r\nContent-Description: Message headers\r\n${cte}`, body: safe, mode: full && input.original.length > limit ? 'headers-capped' : 'headers' };
}

function pickBoundary(bodies: readonly Buffer[]): string {
  for (;;) {
    const b = `=_baton_${randomBytes(12).toString('hex')}`;
    if (!bodies.some((body) => body.includes(b))) return b;
  }
}
