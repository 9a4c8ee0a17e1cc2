import { isAsciiMailbox, parsePath, Replies, type Mailbox, type MailParams, type Origin, type Recipient, type SmtpReply } from '../core/index.js';
import type { ContentScanner } from './content-scanner.js';
import { parseMailParams, parseRcptParams } from './mail-params.js';
import { decideRelay, senderAllowed, type ClientStanding, type RelayDomains } from './policy/relay-access.js';
import type { Submission } from '../intake/index.js';
import type { AuthenticatedUser } from './session-types.js';

export interface RecipientChecks {
  readonly standing: ClientStanding;
  readonly domains: RelayDomains;
  readonly maxRecipients: number;
  readonly isKnownLocalRecipient: (rcpt: Mailbox) => boolean;
}

/** One mail transaction: MAIL, RCPTs, then DATA or BDAT chunks (RFC 5321 §3.3). */
export class Transaction {
  readonly recipients: Recipient[] = [];
  /** Set by the first BDAT: the content collected so far (RFC 3030). */
  chunking: ContentScanner | undefined;

  private constructor(
    readonly mailFrom: Mailbox | null,
    readonly params: MailParams,
  ) {}

  static begin(
    args: string,
    opts: { readonly maxSize: number; readonly user: AuthenticatedUser | undefined },
  ): { ok: true; tx: Transaction } | { ok: false; reply: SmtpReply } {
    const path = parsePath(args, { utf8: true, allowNull: true });
    if (!path.ok) return { ok: false, reply: Replies.badSenderSyntax() };
    const params = parseMailParams(path.rest, opts.maxSize);
    if (!params.ok) return params;
    // RFC 6531 §3.4: a non-ASCII address needs SMTPUTF8 on this MAIL command.
    if (path.mailbox && !isAsciiMailbox(path.mailbox) && !params.params.smtputf8) {
      return { ok: false, reply: Replies.nonAsciiWithoutUtf8() };
    }
    if (opts.user && !senderAllowed(path.mailbox, opts.user.domains)) {
      return { ok: false, reply: Replies.senderNotOwned() };
    }
    return { ok: true, tx: new Transaction(path.mailbox, params.params) };
  }

  /** Validate and add one RCPT; returns the reply to send. */
  addRecipient(args: string, checks: RecipientChecks): SmtpReply {
    const path = parsePath(args, { utf8: true, allowNull: false });
    if (!path.ok || !path.mailbox) return Replies.badRecipientSyntax();
    const rcpt = path.mailbox;
    if (!isAsciiMailbox(rcpt) && !this.params.smtputf8) return Replies.nonAsciiWithoutUtf8();
    const params = parseRcptParams(path.rest);
    if (!params.ok) return params.reply;
    const verdict = decideRelay(rcpt, checks.standing, checks.domains);
    if (!verdict.accept) return Replies.relayDenied();
    if (verdict.class === 'local' && !checks.isKnownLocalRecipient(rcpt)) return Replies.mailboxUnknown();
    const duplicate = this.recipients.some((r) => r.address.domain === rcpt.domain && r.address.local === rcpt.local);
    if (duplicate) return Replies.recipientOk();
    // RFC 5321 §4.5.3.1.8: 452 for one recipient too many; the client sends the rest later.
    if (this.recipients.length >= checks.maxRecipients) return Replies.tooManyRecipients();
    this.recipients.push({ address: rcpt, ...params.params });
    return Replies.recipientOk();
  }

  toSubmission(content: Buffer, origin: Origin, isSubmission: boolean): Submission {
    return { mailFrom: this.mailFrom, recipients: this.recipients, params: this.params, origin, content, isSubmission };
  }
}
