import type { HeaderEdits, Mailbox, MailParams, Origin, QueueId, Recipient } from '../core/index.js';
import type { AcceptedEvent } from '../events/index.js';
import type { SendLogEntry } from '../queue/index.js';

/** What a producer (SMTP session, DSN builder, HTTP inject) hands to intake for one message. */
export interface Submission {
  readonly mailFrom: Mailbox | null;
  readonly recipients: readonly Recipient[];
  readonly params: MailParams;
  readonly origin: Origin;
  /** Content as received (unstuffed, CRLF). */
  readonly content: Buffer;
  /** Submission traffic gets Message-ID and Date added when missing (RFC 6409 §8). */
  readonly isSubmission: boolean;
  /** Header edits the content checks asked for (DESIGN §9 Check `headers` verdict), in check order. */
  readonly checkEdits?: readonly HeaderEdits[];
  /** A content check asked for the message to be queued held (e.g. DMARC p=quarantine): released only by an operator. */
  readonly hold?: SubmissionHold;
  /** The client may name the stream with X-Baton-Stream: it authenticated or is in a trusted network (intake/stream.ts). */
  readonly mayChooseStream?: boolean;
  /**
   * The queue id to use, chosen by a producer that must name it before the
   * message is durable (the API's Idempotency-Key: a retry after a crash looks
   * the id up); absent: intake makes one.
   */
  readonly queueId?: QueueId;
  /** What the sender said about the message (API `tags`, `metadata`) and its Subject: carried in the `accepted` event. */
  readonly annotations?: Pick<AcceptedEvent, 'tags' | 'metadata' | 'subject'>;
  /**
   * Queue this message at most once per (scope, key): the send log row commits
   * with the message (campaigns, flows). A repeat fails with QueueStoreError
   * code ALREADY_SENT and stores nothing.
   */
  readonly sendLog?: SendLogEntry;
}

export interface SubmissionHold {
  /** The check that asked. */
  readonly check: string;
  readonly reason: string;
}

export interface Intake {
  /** Resolves with the queue id once the message is durable. */
  submit(submission: Submission): Promise<QueueId>;
}
