import type { Envelope, Mailbox, Notify, Origin, QueueId, SmtpReply } from '../core/index.js';

/**
 * The queue store contract (DESIGN §5). Every backend passes `store.contract.ts`.
 * Callers never see SQL; the inbound side only calls `enqueue` (through intake),
 * the delivery side claims, records and finishes.
 */

export interface EnqueueRequest {
  readonly id: QueueId;
  readonly envelope: Envelope;
  readonly origin: Origin;
  /** The complete message as it will be sent: CRLF line endings, not dot-stuffed. */
  readonly message: Buffer;
  readonly receivedAt: number;
  /** After this instant pending recipients expire (lifetime). */
  readonly expiresAt: number;
  /** When the first attempt is due (usually receivedAt). */
  readonly firstAttemptAt?: number;
}

export type RecipientStatus = 'pending' | 'delivered' | 'bounced' | 'expired';

export interface RecipientRow {
  /** Store-wide unique id of this recipient row, never reused (not even after its message is removed). */
  readonly rowId: number;
  readonly queueId: QueueId;
  readonly address: Mailbox;
  readonly notify?: Notify;
  readonly orcpt?: string;
  readonly status: RecipientStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  /** The last reply that concerned this recipient (remote or local), if any. */
  readonly lastReply?: SmtpReply;
  /** Free text describing the last failure when there is no reply (e.g. "connection refused"). */
  readonly lastError?: string;
  /** Remote MTA that gave the last reply. */
  readonly remoteMta?: string;
  readonly updatedAt: number;
}

export interface MessageSummary {
  readonly id: QueueId;
  readonly envelope: Envelope;
  readonly origin: Origin;
  readonly size: number;
  readonly receivedAt: number;
  readonly expiresAt: number;
  readonly held: boolean;
}

export interface MessageDetail extends MessageSummary {
  readonly recipients: readonly RecipientRow[];
}

/** Due work handed to one delivery worker under a lease. */
export interface ClaimedMessage {
  readonly message: MessageSummary;
  /** Only the recipients this claim covers (due, pending, not held). */
  readonly recipients: readonly RecipientRow[];
  readonly leaseUntil: number;
}

export interface ClaimOptions {
  readonly now: number;
  /** Maximum number of recipient rows in this claim. */
  readonly limit: number;
  readonly leaseMs: number;
  /** Identifies the claimer (node + process); a lease only binds its owner. */
  readonly owner: string;
}

/** The new state of one claimed recipient after an attempt. */
export type RecipientUpdate =
  | { readonly rowId: number; readonly kind: 'delivered'; readonly reply?: SmtpReply; readonly remoteMta?: string }
  | { readonly rowId: number; readonly kind: 'bounced'; readonly reply?: SmtpReply; readonly error?: string; readonly remoteMta?: string }
  | { readonly rowId: number; readonly kind: 'expired'; readonly reply?: SmtpReply; readonly error?: string; readonly remoteMta?: string }
  | { readonly rowId: number; readonly kind: 'deferred'; readonly nextAttemptAt: number; readonly reply?: SmtpReply; readonly error?: string; readonly remoteMta?: string };

export interface RecordOptions {
  readonly owner: string;
  readonly now: number;
}

export interface RecordResult {
  readonly lost: readonly number[];
  /** Messages finished by this record and removed with it: no DSN was due. */
  readonly removed: readonly QueueId[];
  /** Messages finished by this record that need a DSN: they stay until the finisher sends it. */
  readonly finished: readonly QueueId[];
}

export interface ListFilter {
  readonly limit?: number;
  readonly status?: RecipientStatus;
  readonly held?: boolean;
}

export interface QueueStats {
  readonly messages: number;
  readonly held: number;
  readonly recipients: Readonly<Record<RecipientStatus, number>>;
  /** Bytes of message data currently stored. */
  readonly bytes: number;
  readonly oldestReceivedAt?: number;
}

export interface QueueStore {
  /**
   * Store a message and one row per recipient in one transaction. Resolves only
   * after the commit is durable on disk (fsync); concurrent calls share one
   * commit (group commit). Never blocks the event loop on fsync.
   */
  enqueue(req: EnqueueRequest): Promise<QueueId>;

  /**
   * Enqueue (as `enqueue`, equally durable) with every recipient already leased
   * to `owner`: a delivery worker of the same process can send the message at
   * once, without claiming it or reading it back (the in-memory hand-off). If
   * that process dies, the lease expires or is taken over like any other.
   */
  enqueueClaimed(req: EnqueueRequest, lease: { readonly owner: string; readonly leaseMs: number }): Promise<ClaimedMessage>;

  /**
   * Claim up to `limit` due pending recipients (next_attempt_at <= now, message not
   * held, no live lease of another owner), grouped by message, leasing them to
   * `owner` until now + leaseMs. A recipient whose lease expired can be claimed again.
   */
  claimDue(opts: ClaimOptions): Promise<ClaimedMessage[]>;

  /** Extend the lease of rows this owner still holds (long deliveries). */
  renewLease(rowIds: readonly number[], opts: RecordOptions & { readonly leaseMs: number }): Promise<void>;

  /**
   * Record the outcome of an attempt for claimed rows and clear their lease, in one
   * durable transaction. Rows whose lease this owner no longer holds are ignored
   * (another worker took them over) and their ids are returned in `lost`.
   * A message this makes finished (every recipient final) is removed in the
   * same transaction when no DSN is due for it (`removed`: the common case,
   * all delivered); one that needs a DSN stays for the finisher (`finished`).
   */
  recordOutcomes(updates: readonly RecipientUpdate[], opts: RecordOptions): Promise<RecordResult>;

  /** Release leases without recording an attempt (graceful stop). */
  releaseLeases(rowIds: readonly number[], owner: string): Promise<void>;

  /** Distinct owners holding leases now, live or expired (to take over a dead process's work). */
  leaseOwners(): Promise<string[]>;

  /** Release every lease of these owners, known to be dead: their rows are due again at once. Returns rows touched. */
  releaseOwners(owners: readonly string[]): Promise<number>;

  /** The message bytes as stored; undefined if the message is gone. */
  readBody(id: QueueId): Promise<Buffer | undefined>;

  getMessage(id: QueueId): Promise<MessageDetail | undefined>;

  /** Messages (newest first unless stated) with their recipients, for `baton queue list`. */
  list(filter?: ListFilter): Promise<MessageDetail[]>;

  stats(): Promise<QueueStats>;

  /**
   * Messages all of whose recipients are final (no pending row): the delivery side
   * sends DSNs for them, then deletes them. Survives restarts, so a crash between
   * the last outcome and the DSN only delays the DSN.
   */
  listFinished(limit: number): Promise<MessageDetail[]>;

  /** Delete a message and its recipients. Returns false if it did not exist. */
  delete(id: QueueId): Promise<boolean>;

  /** Held messages are never claimed. */
  hold(id: QueueId): Promise<boolean>;
  release(id: QueueId): Promise<boolean>;

  /** Make pending recipients due now: by message, or by recipient domain. Returns rows touched. */
  retryNow(target: { readonly id: QueueId } | { readonly domain: string } | { readonly all: true }, now: number): Promise<number>;

  /** Earliest next_attempt_at among claimable pending rows, for the scheduler's sleep. */
  nextDueAt(): Promise<number | undefined>;

  close(): Promise<void>;
}
