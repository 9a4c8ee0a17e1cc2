import type { Contact, SegmentSql } from '../types.js';

/**
 * Campaigns and their audiences (DESIGN §9 Store; concern `campaigns`). Every
 * backend passes campaign-store.contract.ts. The store lives in the queue's
 * database because it reads two tables it does not own: `contacts` (the
 * audience is materialized from a segment's SQL over it) and the queue's
 * `send_log` (a contact is "queued" only when the send log has its row, so
 * progress never claims more than the queue committed).
 */

export const CAMPAIGN_STATES = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export interface CampaignDefinition {
  readonly name: string;
  readonly templateId: number;
  readonly segmentId: number;
  readonly from: string;
  readonly stream: 'bulk' | 'transactional';
  readonly pool?: string;
  /** "1000/min": at most this many messages per unit (rate.ts). */
  readonly rate?: string;
  /** ms epoch: `send` schedules the campaign for then instead of now. */
  readonly sendAt?: number;
  /** The API key's name: its identity, domains and quotas apply to every message. */
  readonly apiKey: string;
}

export interface Campaign extends CampaignDefinition {
  readonly id: number;
  readonly state: CampaignState;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Why the campaign is paused or waiting (an operator, a quota), for the view. */
  readonly note?: string;
  /** True once the audience has been materialized (it is never materialized twice). */
  readonly materialized: boolean;
}

export type AudienceStatus = 'pending' | 'queued' | 'skipped' | 'failed';

export interface CampaignProgress {
  readonly audience: number;
  readonly queued: number;
  readonly skipped: number;
  readonly failed: number;
  readonly remaining: number;
}

export interface CampaignFailure {
  readonly contact: number;
  readonly address: string;
  readonly status: 'skipped' | 'failed';
  readonly reason: string;
  readonly at: number;
}

export interface CampaignStats {
  readonly sent: number;
  readonly delivered: number;
  readonly deferred: number;
  readonly bounced: { readonly hard: number; readonly soft: number; readonly byCategory: Readonly<Record<string, number>> };
  readonly unsubscribed: number;
  readonly complained: number;
  readonly opened: number;
  readonly clicked: number;
}

/** Counters to add to one campaign's stats (the projector's batch, a tracking hit). */
export interface StatsDelta {
  readonly campaignId: number;
  readonly counts: Partial<Record<'sent' | 'delivered' | 'deferred' | 'hard' | 'soft' | 'unsubscribed' | 'complained' | 'opened' | 'clicked', number>>;
  readonly categories?: Readonly<Record<string, number>>;
}

/** `applyStats` found the cursor elsewhere: another projector writes these stats. */
export class CampaignStatsCursorMoved extends Error {
  override readonly name = 'CampaignStatsCursorMoved';
  constructor(
    readonly expected: number,
    readonly found: number,
  ) {
    super(`The campaign stats cursor is at ${found}, not ${expected}: another projector writes these stats`);
  }
}

export interface CampaignStore {
  create(def: CampaignDefinition, at: number): Promise<Campaign>;
  get(id: number): Promise<Campaign | undefined>;
  /** Newest first; `before`: ids below it (the list cursor). */
  list(limit: number, before?: number): Promise<Campaign[]>;
  /**
   * Move a campaign to `to` if its state is one of `from` (compare-and-set: two
   * nodes or an API call and the runner never both win); undefined otherwise.
   */
  transition(id: number, from: readonly CampaignState[], to: CampaignState, at: number, note?: string): Promise<Campaign | undefined>;
  /** Campaigns the runner must look at: sending ones, and scheduled ones whose sendAt is due. */
  due(now: number): Promise<Campaign[]>;
  /**
   * Materialize the audience once: one INSERT … SELECT of the segment's
   * contacts as pending rows, and the campaign marked materialized, in one
   * commit. A second call inserts nothing. Returns the audience size.
   */
  materialize(id: number, audience: SegmentSql, at: number): Promise<number>;
  /** Up to `limit` pending contacts of the campaign with ids above `after`, in id order. */
  pending(id: number, after: number, limit: number): Promise<Contact[]>;
  /**
   * Record a contact's outcome. `queued` takes the queue id from the send
   * log (scope `campaign:<id>`, key `<contactId>`), so it is only ever set
   * for a message the queue committed.
   */
  mark(id: number, contactId: number, status: Exclude<AudienceStatus, 'pending'>, at: number, reason?: string): Promise<void>;
  progress(id: number): Promise<CampaignProgress>;
  failures(id: number, limit: number): Promise<CampaignFailure[]>;
  stats(id: number): Promise<CampaignStats>;
  /** The campaigns of these queue ids (via the send log); absent: not a campaign's message. */
  campaignsOf(queueIds: readonly string[]): Promise<Map<string, number>>;
  /** The newest campaign that queued a message to this address, if any (unsubscribes carry no queue id). */
  latestCampaignTo(address: string): Promise<number | undefined>;
  /** The id of the last event counted into the stats (0: none). */
  statsCursor(): Promise<number>;
  /** Add the deltas and move the cursor from `from` to `to` in one commit; CampaignStatsCursorMoved if it is not at `from`. */
  applyStats(from: number, to: number, deltas: readonly StatsDelta[]): Promise<void>;
  /** Add counts outside the outbox (tracking hits: not events). */
  addStats(deltas: readonly StatsDelta[]): Promise<void>;
  close(): Promise<void>;
}

/** The send log scope of a campaign (exactly once per contact). */
export const campaignScope = (id: number): string => `campaign:${id}`;
