/** The answers of the API routes the overview reads (docs/api.md: Stats, Queue). */

export const SERIES = ['accepted', 'delivered', 'deferred', 'bounced', 'suppressed'] as const;
export type SeriesName = (typeof SERIES)[number];
export type Counts = Readonly<Record<SeriesName, number>>;

export type Range = 'hour' | 'day' | 'week';

/** GET /api/v1/stats/traffic */
export interface Traffic {
  readonly range: Range;
  readonly bucket: 'minute' | 'hour';
  readonly from: string;
  readonly to: string;
  readonly series: readonly (Counts & { readonly at: string })[];
  readonly totals: Counts;
}

/** GET /api/v1/queue/stats: the queue explorer's types. */
export type { QueueStats, SiteStats, Throttle } from '../queue/types';

export interface WebhookHealth {
  readonly id: string;
  readonly url: string;
  readonly description: string | null;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly failures: number;
  readonly failingSince: string | null;
  readonly lastError: string | null;
  readonly pendingEvents: number;
  readonly lagSeconds: number;
  readonly lastDelivery: { readonly at: string; readonly ok: boolean; readonly status: number | null } | null;
}

/** GET /api/v1/stats/webhooks */
export interface WebhooksSummary {
  readonly total: number;
  readonly enabled: number;
  readonly disabled: number;
  readonly failing: number;
  readonly maxLagSeconds: number;
  readonly webhooks: readonly WebhookHealth[];
}
