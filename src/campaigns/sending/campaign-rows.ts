import type { Contact } from '../types.js';
import type { Campaign, CampaignFailure, CampaignProgress, CampaignState, CampaignStats, StatsDelta } from './campaign-store.js';

/** A campaigns row as both backends read it (PostgreSQL bigints come back as strings or numbers: Number() either way). */
export interface CampaignRow {
  id: number | string;
  name: string;
  template_id: number | string;
  segment_id: number | string;
  sender: string;
  stream: string;
  pool: string | null;
  rate: string | null;
  send_at: number | string | null;
  api_key: string;
  state: string;
  note: string | null;
  materialized: number | boolean;
  created_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
}

const num = (v: number | string | null): number | undefined => (v === null ? undefined : Number(v));

export function campaignFromRow(r: CampaignRow): Campaign {
  const sendAt = num(r.send_at);
  const startedAt = num(r.started_at);
  const finishedAt = num(r.finished_at);
  return {
    id: Number(r.id),
    name: r.name,
    templateId: Number(r.template_id),
    segmentId: Number(r.segment_id),
    from: r.sender,
    stream: r.stream === 'transactional' ? 'transactional' : 'bulk',
    ...(r.pool !== null ? { pool: r.pool } : {}),
    ...(r.rate !== null ? { rate: r.rate } : {}),
    ...(sendAt !== undefined ? { sendAt } : {}),
    apiKey: r.api_key,
    state: r.state as CampaignState,
    ...(r.note !== null ? { note: r.note } : {}),
    materialized: r.materialized === true || r.materialized === 1,
    createdAt: Number(r.created_at),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
  };
}

export interface ContactRow {
  id: number | string;
  address: string;
  attributes: string | Record<string, unknown>;
  created_at: number | string;
  updated_at: number | string;
}

export function contactFromRow(r: ContactRow): Contact {
  const attributes = typeof r.attributes === 'string' ? (JSON.parse(r.attributes) as Record<string, unknown>) : r.attributes;
  return { id: Number(r.id), address: r.address, attributes, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

/** Progress from `status, n` rows of a GROUP BY. */
export function progressFrom(rows: readonly { status: string; n: number | string }[]): CampaignProgress {
  const by: Record<string, number> = {};
  for (const r of rows) by[r.status] = Number(r.n);
  const queued = by['queued'] ?? 0;
  const skipped = by['skipped'] ?? 0;
  const failed = by['failed'] ?? 0;
  const remaining = by['pending'] ?? 0;
  return { audience: queued + skipped + failed + remaining, queued, skipped, failed, remaining };
}

export function failureFrom(r: { contact_id: number | string; address: string | null; status: string; reason: string | null; at: number | string | null }): CampaignFailure {
  return { contact: Number(r.contact_id), address: r.address ?? '', status: r.status === 'failed' ? 'failed' : 'skipped', reason: r.reason ?? '', at: Number(r.at ?? 0) };
}

export type StatsRow = Record<'sent' | 'delivered' | 'deferred' | 'hard' | 'soft' | 'unsubscribed' | 'complained' | 'opened' | 'clicked', number | string>;

export function statsFrom(row: StatsRow | undefined, categories: readonly { category: string; n: number | string }[]): CampaignStats {
  const n = (k: keyof StatsRow) => Number(row?.[k] ?? 0);
  return {
    sent: n('sent'),
    delivered: n('delivered'),
    deferred: n('deferred'),
    bounced: { hard: n('hard'), soft: n('soft'), byCategory: Object.fromEntries(categories.map((c) => [c.category, Number(c.n)])) },
    unsubscribed: n('unsubscribed'),
    complained: n('complained'),
    opened: n('opened'),
    clicked: n('clicked'),
  };
}

/** The stats columns, in the order the upserts bind them. */
export const STAT_COLUMNS = ['sent', 'delivered', 'deferred', 'hard', 'soft', 'unsubscribed', 'complained', 'opened', 'clicked'] as const;

/** Deltas for the same campaign merged (one upsert per campaign per batch). */
export function mergeDeltas(deltas: readonly StatsDelta[]): StatsDelta[] {
  const by = new Map<number, { counts: Record<string, number>; categories: Record<string, number> }>();
  for (const d of deltas) {
    let m = by.get(d.campaignId);
    if (!m) by.set(d.campaignId, (m = { counts: {}, categories: {} }));
    for (const [k, v] of Object.entries(d.counts)) m.counts[k] = (m.counts[k] ?? 0) + (v ?? 0);
    for (const [k, v] of Object.entries(d.categories ?? {})) m.categories[k] = (m.categories[k] ?? 0) + v;
  }
  return [...by].map(([campaignId, m]) => ({ campaignId, counts: m.counts, categories: m.categories }));
}
