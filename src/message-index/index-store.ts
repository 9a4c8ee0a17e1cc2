/**
 * The message index (DESIGN §9 Store): a search projection of the events
 * outbox, one row per message and one per recipient. The queue cannot answer
 * searches: a delivered message leaves it at once. The index keeps what the
 * API's search and lists need for as long as `events.retention` keeps events.
 *
 * It is fed only through `apply`, which writes a batch of changes and moves
 * the cursor (the id of the last event projected) in one transaction: a crash
 * loses both or neither, so every event is projected exactly once. Every
 * backend passes `index-store.contract.ts`; callers never see SQL.
 */

/** What became of a recipient, as the search sees it: `pending` split into queued and deferred, plus suppressed (never queued). */
export const INDEX_STATES = ['queued', 'deferred', 'delivered', 'bounced', 'expired', 'suppressed'] as const;
export type IndexState = (typeof INDEX_STATES)[number];

export interface IndexedRecipient {
  /** "local@domain" as queued. */
  readonly address: string;
  /** Lower case. */
  readonly domain: string;
  readonly state: IndexState;
  readonly attempts: number;
  /** The last reply ("250 2.0.0 Ok") or, without one, the error. */
  readonly lastReply?: string;
  readonly remoteMta?: string;
  readonly updatedAt: number;
}

export interface IndexedMessageFields {
  readonly queueId: string;
  readonly receivedAt: number;
  /** "" for the null reverse-path <>. */
  readonly sender: string;
  readonly subject?: string;
  readonly size: number;
  /** smtp, local or api. */
  readonly originKind: string;
  /** The authenticated SMTP user. */
  readonly user?: string;
  /** The API key's name. */
  readonly apiKey?: string;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
}

export interface IndexedMessage extends IndexedMessageFields {
  readonly held: boolean;
  /** When an operator deleted it (absent: not deleted). */
  readonly deletedAt?: number;
  readonly recipients: readonly IndexedRecipient[];
}

/** One change the projection makes (projection.ts): what a backend writes. */
export type IndexChange =
  | { readonly kind: 'message'; readonly message: IndexedMessageFields; readonly recipients: readonly string[] }
  | {
      readonly kind: 'recipient';
      readonly queueId: string;
      readonly address: string;
      readonly state: IndexState;
      readonly at: number;
      /** The attempt number the event reports (attempts never go down). */
      readonly attempt?: number;
      readonly lastReply?: string;
      readonly remoteMta?: string;
    }
  | { readonly kind: 'held'; readonly queueId: string; readonly held: boolean }
  | { readonly kind: 'deleted'; readonly queueId: string; readonly at: number };

/** Where a page ended: search results are ordered by (receivedAt, queueId), newest first. */
export interface SearchPosition {
  readonly receivedAt: number;
  readonly queueId: string;
}

/** Every filter is optional; all given must hold. Addresses and domains match in any case. */
export interface SearchQuery {
  readonly sender?: string;
  readonly senderDomain?: string;
  /** A message with a recipient of this address. */
  readonly recipient?: string;
  /** A message with a recipient in this domain. */
  readonly domain?: string;
  /** A message with a recipient in this state. */
  readonly state?: IndexState;
  readonly tag?: string;
  /** Received at or after (ms). */
  readonly since?: number;
  /** Received before (ms). */
  readonly until?: number;
  readonly limit: number;
  /** Continue after this position (the previous page's `next`). */
  readonly after?: SearchPosition;
}

export interface SearchPage {
  readonly messages: readonly IndexedMessage[];
  /** Present when there may be more: pass it as `after`. */
  readonly next?: SearchPosition;
}

/** `apply` found the stored cursor elsewhere than the caller thought: another projector writes this index. */
export class IndexCursorMoved extends Error {
  override readonly name = 'IndexCursorMoved';
  constructor(
    readonly expected: number,
    readonly found: number,
  ) {
    super(`The message index cursor is at ${found}, not ${expected}: another projector writes this index`);
  }
}

export interface MessageIndexStore {
  /** The id of the last event projected (0: none yet). */
  cursor(): Promise<number>;
  /**
   * Write `changes` and move the cursor from `from` to `to`, in one commit.
   * Throws IndexCursorMoved (writing nothing) if the cursor is not at `from`.
   * Changes for a message the index does not hold are ignored.
   */
  apply(from: number, to: number, changes: readonly IndexChange[]): Promise<void>;
  get(queueId: string): Promise<IndexedMessage | undefined>;
  /** Newest first, keyset-paginated: stable while new messages arrive. */
  search(query: SearchQuery): Promise<SearchPage>;
  /** Remove messages received before `before` (ms), with their recipients; returns how many went. */
  prune(before: number): Promise<number>;
  count(): Promise<number>;
  close(): Promise<void>;
}
