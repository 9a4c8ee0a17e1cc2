/** The API's campaign shapes (issue 15, part C: tag `campaigns`). Times are ms epoch. */

export type CampaignState = 'draft' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled';

export interface CampaignProgress {
  readonly audience: number;
  readonly queued: number;
  readonly skipped: number;
  readonly failed: number;
  readonly remaining: number;
}

export interface CampaignStats {
  readonly sent: number;
  readonly delivered: number;
  readonly deferred: number;
  readonly bounced: { readonly hard: number; readonly soft: number; readonly byCategory: Readonly<Record<string, number>> };
  readonly unsubscribed: number;
  readonly complained: number;
  readonly opened?: number | null;
  readonly clicked?: number | null;
}

export interface CampaignView {
  readonly id: number;
  readonly name: string;
  readonly state: CampaignState;
  readonly template: number;
  readonly segment: number;
  readonly from: string;
  readonly stream: 'bulk' | 'transactional';
  readonly pool?: string | null;
  readonly rate?: string | null;
  readonly sendAt?: number | null;
  readonly apiKey: string;
  /** Why it is paused or waiting (an operator, a quota, a refused key). */
  readonly note?: string | null;
  readonly createdAt: number;
  readonly startedAt?: number | null;
  readonly finishedAt?: number | null;
  readonly progress: CampaignProgress;
  readonly stats: CampaignStats;
}

export interface CampaignFailure {
  readonly contact: number;
  readonly address: string;
  readonly reason: string;
  readonly at: number;
}

/** Contacts the campaign is done with (queued, skipped as suppressed or unsubscribed, or failed to render). */
export function doneOf(p: CampaignProgress): number {
  return p.queued + p.skipped + p.failed;
}

/** States in which the numbers still move: the pages poll while a campaign is in one. */
export function isLive(state: CampaignState): boolean {
  return state === 'sending' || state === 'scheduled';
}

/** The state word with its tone: the shared Badge does not know campaign states. */
export function CampaignBadge({ state }: { readonly state: CampaignState }) {
  const tone = state === 'sent' ? 'ok' : state === 'paused' ? 'warn' : state === 'cancelled' ? 'bad' : 'info';
  return <span className={`badge ${tone}`}>{state}</span>;
}
