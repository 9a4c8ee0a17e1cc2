import type { HeaderEdits, MailParams, Mailbox, Origin, Recipient } from '../../core/index.js';

/** What an intake transform sees: the message as received, and what intake knows of it. */
export interface IntakeView {
  readonly queueId: string;
  readonly mailFrom: Mailbox | null;
  /** After alias expansion. */
  readonly recipients: readonly Recipient[];
  readonly params: MailParams;
  readonly origin: Origin;
  /** Content as received (unstuffed, CRLF); read only. */
  readonly content: Buffer;
  readonly receivedAt: number;
  /** Submission traffic (RFC 6409) rather than relay or MX traffic. */
  readonly isSubmission: boolean;
  /** Header edits the content checks asked for (e.g. Authentication-Results), in check order. */
  readonly checkEdits: readonly HeaderEdits[];
}

/**
 * A change to the message at accept time (DESIGN §9 Transform): header
 * fields added or replaced before it is stored, the body never copied again.
 * Transforms run in order; the first one's fields end up on top.
 */
export interface IntakeTransform {
  readonly name: string;
  /** One edit, or several (applied in order, as one transform's). */
  edit(view: IntakeView): HeaderEdits | readonly HeaderEdits[];
}
