import type { Envelope, Mailbox, Notify, Origin, QueueId, SmtpReply } from '../core/index.js';
import type { BatonEvent } from '../events/index.js';

/**
 * The queue store contract (DESIGN §5). Every backend passes `store.contract.ts`.
 * Callers never see SQL; the inbound side only calls `enqueue` (through intake),
 * the delivery side claims, records and finishes.
 *
 * Every state change writes its events (events/types.ts) in the same
 * transaction (the outbox, DESIGN §9 Event): the events given with an enqueue
 * or an update, and `held`/`released`/`deleted` for the queue actions. Events
 * of an update whose lease was lost are not written. After the commit the
 * store publishes the written events to the process's EventBus, if it has one.
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
  /** Written in the same transaction (the `accepted` event). */
  readonly events?: readonly BatonEvent[];
  /** Store the message held: never claimed until released (a content check's hold). Only through `enqueue`. */
  readonly held?: boolean;
  /**
   * Enqueue at most once per (scope, key), recorded in the send log in the
   * same transaction as the message: a campaign's contact, a flow step. When
   * the send log already holds the pair, nothing is stored and the enqueue
   * fails with code ALREADY_SENT, so a producer that crashed between
   * deciding and enqueueing can simply try again.
   */
  readonly sendLog?: SendLogEntry;
}

/** One row of the send log (table `send_log`: scope, key, queue_id, at; read by campaigns/). */
export interface SendLogEntry {
  /** What the key is unique in, e.g. "campaign:42" or "flow-run:7". */
  readonly scope: string;
  /** Unique within the scope, e.g. a contact id or "step-3". */
  readonly key: string;
}

/** QueueStoreError.code of an enqueue whose send-log entry was already there: nothing was stored. */
export const ALREADY_SENT = 'ALREADY_SENT';

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
  /** Delivered to a next hop that took NOTIFY on: it owes the success notice, not us (RFC 3461 §5.2.2). */
  readonly noticePassedOn?: true;
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

/** What every update may carry: the reply or error that decided it, and its events. */
interface UpdateDetail {
  readonly rowId: number;
  readonly reply?: SmtpReply;
  readonly remoteMta?: string;
  /** Written in the same transaction, unless the lease was lost. */
  readonly events?: readonly BatonEvent[];
}

/** The new state of one claimed recipient after an attempt. */
export type RecipientUpdate =
  | (UpdateDetail & { readonly kind: 'delivered'; readonly noticePassedOn?: true })
  | (UpdateDetail & { readonly kind: 'bounced'; readonly error?: string })
  | (UpdateDetail & { readonly kind: 'expired'; readonly error?: string })
  | (UpdateDetail & { readonly kind: 'deferred'; readonly nextAttemptAt: number; readonly error?: string });

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

/**
 * Which messages a bulk action touches (`POST /api/v1/queue/hold` ...): all
 * given must hold; addresses and domains match in any case.
 */
export interface QueueSelector {
  /** The envelope sender "local@domain"; "" selects the null sender <>. */
  readonly sender?: string;
  readonly senderDomain?: string;
  /** A recipient of the message (any status) is this address. */
  readonly recipient?: string;
  /** A recipient of the message (any status) is in this domain. */
  readonly recipientDomain?: string;
  /** Received before this instant (ms): "older than". */
  readonly receivedBefore?: number;
  readonly held?: boolean;
}

/** Pending recipients of one recipient domain (`GET /api/v1/queue/stats`). */
export interface DestinationStats {
  /** Lower case. */
  readonly domain: string;
  readonly pending: number;
  /** Of those, recipients of held messages (never claimed until released). */
  readonly held: number;
  readonly oldestReceivedAt: number;
  /** The newest failure among its pending recipients: the reply ("451 4.7.1 ...") or error text. */
  readonly lastError?: string;
  readonly lastErrorAt?: number;
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

  /**
   * Extend the lease of rows this owner still holds (long deliveries). Returns
   * the rows renewed: those still leased to `owner` (after a heartbeat outage,
   * the engine keeps exactly these and drops the rest, which another node took).
   */
  renewLease(rowIds: readonly number[], opts: RecordOptions & { readonly leaseMs: number }): Promise<number[]>;

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
   * Ids of the messages a selector matches, in id order after `after`, at most
   * `limit`: bulk actions walk them page by page and act on each page in one
   * commit, so the writer is never held for the whole selection.
   */
  listIds(selector: QueueSelector, page: { readonly after?: QueueId; readonly limit: number }): Promise<QueueId[]>;

  /** How many messages a selector matches now (the total a paged bulk action reports progress against). */
  countIds(selector: QueueSelector): Promise<number>;

  /** Pending recipients per recipient domain, most first, at most `limit` domains. */
  destinations(limit: number): Promise<DestinationStats[]>;

  /**
   * Messages all of whose recipients are final (no pending row): the delivery side
   * sends DSNs for them, then deletes them. Survives restarts, so a crash between
   * the last outcome and the DSN only delays the DSN.
   */
  listFinished(limit: number): Promise<MessageDetail[]>;

  /**
   * Delete a message and its recipients (event `deleted` with the reason:
   * an operator's delete, or retirement once its DSN was queued). Returns
   * false if it did not exist.
   */
  delete(id: QueueId, reason?: 'operator' | 'finished'): Promise<boolean>;

  /** Held messages are never claimed (events `held`, `released`). */
  hold(id: QueueId): Promise<boolean>;
  release(id: QueueId): Promise<boolean>;

  /** Make pending recipients due now: by message, or by recipient domain. Returns rows touched. */
  retryNow(target: { readonly id: QueueId } | { readonly domain: string } | { readonly all: true }, now: number): Promise<number>;

  /** Earliest next_attempt_at among claimable pending rows, for the scheduler's sleep. */
  nextDueAt(): Promise<number | undefined>;

  close(): Promise<void>;
}
