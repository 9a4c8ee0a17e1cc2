import type { ListenerConfig } from '../../config/index.js';
import type { HeaderEdits, MailParams, Mailbox, Recipient, SmtpReply } from '../../core/index.js';
import type { ContentFacts } from '../content-scanner.js';
import type { AuthenticatedUser } from '../session-types.js';

/**
 * The inbound policy seam (DESIGN §9 Check). A check runs at one stage of the
 * SMTP dialogue and returns a verdict; the session runs the checks its
 * listener's role is configured with, in order, and knows nothing else about
 * them. Adding a defence (DNSBL, rate limits, SPF, rspamd...) is a new file in
 * `checks/` and a name in the config, never an edit of the session.
 */
export type CheckStage = 'connect' | 'helo' | 'auth' | 'mail' | 'rcpt' | 'content';

export type Verdict =
  /** No opinion: the next check runs. */
  | { readonly kind: 'continue' }
  /** Accept at this stage now: the remaining checks of the stage are skipped (Postfix OK, Haraka OK). */
  | { readonly kind: 'accept' }
  /** Refuse for good: a 5xx reply. */
  | { readonly kind: 'reject'; readonly reply: SmtpReply }
  /** Refuse for now: a 4xx reply; the client will try again. */
  | { readonly kind: 'defer'; readonly reply: SmtpReply }
  /**
   * Content stage: edit the header (add fields, each ending in CRLF; remove
   * some), then go on. With `hold` (the reason), the message is queued held:
   * nothing delivers it until an operator releases it.
   */
  | { readonly kind: 'headers'; readonly edits: HeaderEdits; readonly hold?: string };

export const Verdicts = {
  continue: { kind: 'continue' } as Verdict,
  accept: { kind: 'accept' } as Verdict,
  reject: (reply: SmtpReply): Verdict => ({ kind: 'reject', reply }),
  defer: (reply: SmtpReply): Verdict => ({ kind: 'defer', reply }),
  headers: (fields: readonly string[], more: Omit<HeaderEdits, 'prepend'> = {}): Verdict => ({ kind: 'headers', edits: { prepend: fields, ...more } }),
  /** `headers`, and the message is queued held for `reason`. */
  held: (reason: string, fields: readonly string[], more: Omit<HeaderEdits, 'prepend'> = {}): Verdict => ({ kind: 'headers', edits: { prepend: fields, ...more }, hold: reason }),
} as const;

/** What every check knows about the session that is asking. */
export interface SessionFacts {
  readonly clientIp: string;
  readonly clientPort: number;
  readonly listener: ListenerConfig;
  /** The client is in `relay.trustedNetworks`. */
  readonly trusted: boolean;
  /** The session is encrypted (STARTTLS or implicit TLS). */
  readonly tls: boolean;
  readonly helo?: { readonly name: string; readonly extended: boolean };
  readonly user?: AuthenticatedUser;
}

/** What a check of each stage is given. */
export interface StageInputs {
  readonly connect: { readonly session: SessionFacts };
  readonly helo: { readonly session: SessionFacts; readonly helo: { readonly name: string; readonly extended: boolean } };
  /** After the credentials were checked: `user` is undefined when they were wrong. */
  readonly auth: { readonly session: SessionFacts; readonly login: string; readonly user: AuthenticatedUser | undefined };
  readonly mail: { readonly session: SessionFacts; readonly sender: Mailbox | null; readonly params: MailParams };
  readonly rcpt: {
    readonly session: SessionFacts;
    readonly sender: Mailbox | null;
    readonly params: MailParams;
    readonly recipient: Recipient;
    /** Recipients accepted so far in this transaction. */
    readonly accepted: readonly Recipient[];
  };
  readonly content: {
    readonly session: SessionFacts;
    readonly sender: Mailbox | null;
    readonly params: MailParams;
    readonly recipients: readonly Recipient[];
    /** The message as received (unstuffed, CRLF); read only. */
    readonly message: Buffer;
    readonly facts: ContentFacts;
  };
}

export interface Check<S extends CheckStage = CheckStage> {
  /** The name the config uses (`checks.<role>`), and logs and events show. */
  readonly name: string;
  readonly stage: S;
  /**
   * What an error or a timeout of this check means. `open`: the check is
   * skipped (logged), for checks whose outage must not stop mail (DNSBL).
   * `closed`: the client gets `451 4.3.0` and tries later (DESIGN §4: an
   * unknown error is temporary), for checks that guard the relay.
   */
  readonly onFailure: 'open' | 'closed';
  /** Longest the check may take; `limits.checkTimeout` when absent. Only asynchronous checks can time out. */
  readonly timeoutMs?: number;
  /**
   * Independent of the checks around it (a scanner that only reads the
   * message): consecutive checks that say so run at the same time, and their
   * verdicts are then taken in configured order, as if run one by one.
   */
  readonly parallel?: boolean;
  /** A synchronous answer costs no promise: the cheap checks on the hot path stay cheap. */
  run(input: StageInputs[S]): Verdict | Promise<Verdict>;
}

/** A check of any stage. */
export type AnyCheck = { [S in CheckStage]: Check<S> }[CheckStage];
