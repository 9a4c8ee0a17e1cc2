import { isAsciiMailbox, parsePath, Replies, type HeaderEdits, type Mailbox, type MailParams, type Origin, type Recipient, type SmtpReply } from '../core/index.js';
import type { ContentScanner } from './content-scanner.js';
import { parseMailParams, parseRcptParams, type RequireTlsState } from './mail-params.js';
import type { Submission, SubmissionHold } from '../intake/index.js';

type Parsed<T> = { ok: true } & T | { ok: false; reply: SmtpReply };

/**
 * One mail transaction: MAIL, RCPTs, then DATA or BDAT chunks (RFC 5321 §3.3).
 * The protocol only: syntax, parameters, duplicates and the recipient limit.
 * Whether a sender or recipient is allowed is for the checks (policy/).
 */
export class Transaction {
  readonly recipients: Recipient[] = [];
  /** Set by the first BDAT: the content collected so far (RFC 3030). */
  chunking: ContentScanner | undefined;

  private constructor(
    readonly mailFrom: Mailbox | null,
    readonly params: MailParams,
  ) {}

  static begin(args: string, opts: { readonly maxSize: number; readonly requireTls?: RequireTlsState }): Parsed<{ tx: Transaction }> {
    const path = parsePath(args, { utf8: true, allowNull: true });
    if (!path.ok) return { ok: false, reply: Replies.badSenderSyntax() };
    const params = parseMailParams(path.rest, opts.maxSize, opts.requireTls);
    if (!params.ok) return params;
    // RFC 6531 §3.4: a non-ASCII address needs SMTPUTF8 on this MAIL command.
    if (path.mailbox && !isAsciiMailbox(path.mailbox) && !params.params.smtputf8) {
      return { ok: false, reply: Replies.nonAsciiWithoutUtf8() };
    }
    return { ok: true, tx: new Transaction(path.mailbox, params.params) };
  }

  /**
   * Parse one RCPT argument. `<Postmaster>` without a domain (RFC 5321 §4.5.1:
   * every server must accept it) stands for `postmaster`, the postmaster of
   * our first local domain; with no local domain there is none to deliver to.
   */
  parseRecipient(args: string, postmaster: Mailbox | undefined): Parsed<{ recipient: Recipient }> {
    let path = parsePath(args, { utf8: true, allowNull: false });
    if (!path.ok && /^<postmaster>(?: |$)/i.test(args)) {
      if (!postmaster) return { ok: false, reply: Replies.mailboxUnknown() };
      path = { ok: true, mailbox: postmaster, rest: args.slice('<postmaster>'.length).trimStart() };
    }
    if (!path.ok || !path.mailbox) return { ok: false, reply: Replies.badRecipientSyntax() };
    const rcpt = path.mailbox;
    if (!isAsciiMailbox(rcpt) && !this.params.smtputf8) return { ok: false, reply: Replies.nonAsciiWithoutUtf8() };
    const params = parseRcptParams(path.rest);
    if (!params.ok) return params;
    return { ok: true, recipient: { address: rcpt, ...params.params } };
  }

  /** Already a recipient of this transaction (domain case-insensitive, local part as given): stored once. */
  has(r: Recipient): boolean {
    return this.recipients.some((x) => x.address.domain === r.address.domain && x.address.local === r.address.local);
  }

  /**
   * Add a recipient the checks allowed. Past `max`, 452 4.5.3 (RFC 5321
   * §4.5.3.1.8): the client sends the rest in another transaction.
   */
  add(r: Recipient, max: number): SmtpReply {
    if (this.has(r)) return Replies.recipientOk();
    if (this.recipients.length >= max) return Replies.tooManyRecipients();
    this.recipients.push(r);
    return Replies.recipientOk();
  }

  toSubmission(content: Buffer, origin: Origin, isSubmission: boolean, checkEdits: readonly HeaderEdits[], hold?: SubmissionHold): Submission {
    return { mailFrom: this.mailFrom, recipients: this.recipients, params: this.params, origin, content, isSubmission, checkEdits, ...(hold ? { hold } : {}) };
  }
}
