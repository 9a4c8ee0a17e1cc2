/** GET /api/v1/queue/stats (docs/api.md "Queue"). */

export interface Throttle {
  readonly scope: string;
  readonly action: 'slowed' | 'paused' | 'recovered';
  readonly at: string;
  readonly rate: number | null;
  readonly pausedUntil: string | null;
  readonly reply: string | null;
}

export interface DomainStats {
  readonly domain: string;
  readonly pending: number;
  readonly held: number;
  readonly oldestReceivedAt: string;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
}

export interface SiteStats extends Omit<DomainStats, 'domain'> {
  readonly site: string;
  readonly provider: string | null;
  readonly throttle: { readonly site: Throttle | null; readonly provider: Throttle | null };
  readonly domains: readonly DomainStats[];
}

export interface QueueStats {
  readonly messages: number;
  readonly held: number;
  readonly bytes: number;
  readonly oldestReceivedAt: string | null;
  readonly recipients: { readonly pending: number; readonly delivered: number; readonly bounced: number; readonly expired: number };
  readonly sites: readonly SiteStats[];
}

export const BULK_ACTIONS = ['hold', 'release', 'retry', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** The filter of a bulk action, as POST /api/v1/queue/{action} takes it. */
export interface BulkFilter {
  sender?: string;
  senderDomain?: string;
  recipient?: string;
  recipientDomain?: string;
  olderThan?: string;
}

export interface BulkAnswer {
  readonly action: BulkAction;
  readonly messages: number;
  readonly recipients?: number;
  readonly total?: number;
  readonly nextCursor?: string | null;
}
