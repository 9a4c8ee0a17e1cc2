import { PG_CONTACTS_SCHEMA } from '../contacts/pg-contact-migrations.js';
import { migratePg, type PgStoreOptions } from '../../postgres/index.js';

/** A pool or a transaction's client: what both answer. */
type Q = { query(text: string, values?: readonly unknown[]): Promise<{ rows: unknown[] }> };
import { ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import { PG_CAMPAIGNS_SCHEMA } from './campaign-migrations.js';
import { campaignFromRow, contactFromRow, failureFrom, mergeDeltas, progressFrom, STAT_COLUMNS, statsFrom, type CampaignRow, type ContactRow, type StatsRow } from './campaign-rows.js';
import { campaignScope, CampaignStatsCursorMoved, type CampaignStore, type StatsDelta } from './campaign-store.js';

/**
 * Campaigns in PostgreSQL, shared by a cluster. State changes are
 * compare-and-set UPDATEs, so an API call on one node and the runner on
 * another never both win; the stats cursor is locked (FOR UPDATE) before it
 * is checked, as the traffic rollup's is.
 */
export async function openPgCampaignStore(opts: PgStoreOptions): Promise<CampaignStore> {
  const { db } = opts;
  await migratePg(db, PG_CONTACTS_SCHEMA);
  await migratePg(db, PG_CAMPAIGNS_SCHEMA);
  const one = async <T>(q: Q, sql: string, params: unknown[]): Promise<T | undefined> => (await q.query(sql, params)).rows[0] as T | undefined;

  const writeDeltas = async (q: Q, deltas: readonly StatsDelta[]) => {
    for (const d of mergeDeltas(deltas)) {
      await q.query(
        `INSERT INTO campaign_stats AS s (campaign_id, ${STAT_COLUMNS.join(', ')}) VALUES ($1, ${STAT_COLUMNS.map((_, i) => `$${i + 2}`).join(', ')})
         ON CONFLICT (campaign_id) DO UPDATE SET ${STAT_COLUMNS.map((c) => `${c} = s.${c} + excluded.${c}`).join(', ')}`,
        [d.campaignId, ...STAT_COLUMNS.map((c) => d.counts[c] ?? 0)],
      );
      for (const [cat, n] of Object.entries(d.categories ?? {})) {
        await q.query(
          'INSERT INTO campaign_bounce_categories AS b (campaign_id, category, n) VALUES ($1, $2, $3) ON CONFLICT (campaign_id, category) DO UPDATE SET n = b.n + excluded.n',
          [d.campaignId, cat, n],
        );
      }
    }
  };

  return {
    async create(def, at) {
      const row = await one<CampaignRow>(
        db,
        `INSERT INTO campaigns (name, template_id, segment_id, sender, stream, pool, rate, send_at, api_key, state, created_at, schema_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, ${ROW_SCHEMA_VERSION}) RETURNING *`,
        [def.name, def.templateId, def.segmentId, def.from, def.stream, def.pool ?? null, def.rate ?? null, def.sendAt ?? null, def.apiKey, at],
      );
      return campaignFromRow(row as CampaignRow);
    },
    async get(id) {
      const row = await one<CampaignRow>(db, 'SELECT * FROM campaigns WHERE id = $1', [id]);
      return row ? campaignFromRow(row) : undefined;
    },
    async list(limit, before) {
      const { rows } = await db.query<CampaignRow>('SELECT * FROM campaigns WHERE id < $1 ORDER BY id DESC LIMIT $2', [before ?? Number.MAX_SAFE_INTEGER, limit]);
      return rows.map(campaignFromRow);
    },
    async transition(id, from, to, at, note) {
      const started = to === 'sending' ? ', started_at = coalesce(started_at, $3::bigint)' : '';
      const finished = to === 'sent' || to === 'cancelled' ? ', finished_at = $3::bigint' : '';
      const row = await one<CampaignRow>(
        db,
        `UPDATE campaigns SET state = $2, note = $4${started}${finished} WHERE id = $1 AND state = ANY($5::text[]) AND $3::bigint IS NOT NULL RETURNING *`,
        [id, to, at, note ?? null, [...from]],
      );
      return row ? campaignFromRow(row) : undefined;
    },
    async due(now) {
      const { rows } = await db.query<CampaignRow>(`SELECT * FROM campaigns WHERE state = 'sending' OR (state = 'scheduled' AND coalesce(send_at, 0) <= $1) ORDER BY id`, [now]);
      return rows.map(campaignFromRow);
    },
    async materialize(id, audience, at) {
      return db.transaction(async (client) => {
        const done = (await client.query('UPDATE campaigns SET materialized = true WHERE id = $1 AND NOT materialized', [id])).rowCount === 1;
        if (done) {
          // The segment's placeholders are $1..$n: ours go after them.
          const n = audience.params.length;
          await client.query(
            `INSERT INTO campaign_audience (campaign_id, contact_id, status, at) SELECT $${n + 1}, c.id, 'pending', $${n + 2} FROM contacts c WHERE ${audience.where} ON CONFLICT DO NOTHING`,
            [...audience.params, id, at],
          );
        }
        const r = await client.query<{ n: string }>('SELECT count(*) AS n FROM campaign_audience WHERE campaign_id = $1', [id]);
        return Number(r.rows[0]?.n ?? 0);
      });
    },
    async pending(id, after, limit) {
      const { rows } = await db.query<ContactRow>(
        `SELECT c.id, c.address, c.attributes, c.created_at, c.updated_at FROM campaign_audience a JOIN contacts c ON c.id = a.contact_id
         WHERE a.campaign_id = $1 AND a.status = 'pending' AND a.contact_id > $2 ORDER BY a.contact_id LIMIT $3`,
        [id, after, limit],
      );
      return rows.map(contactFromRow);
    },
    async mark(id, contactId, status, at, reason) {
      if (status === 'queued') {
        await db.query(
          `UPDATE campaign_audience SET status = 'queued', reason = NULL, at = $3,
             queue_id = (SELECT queue_id FROM send_log WHERE scope = $4 AND key = $5) WHERE campaign_id = $1 AND contact_id = $2`,
          [id, contactId, at, campaignScope(id), String(contactId)],
        );
      } else {
        await db.query('UPDATE campaign_audience SET status = $3, reason = $4, at = $5 WHERE campaign_id = $1 AND contact_id = $2', [id, contactId, status, reason ?? null, at]);
      }
    },
    async progress(id) {
      const { rows } = await db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM campaign_audience WHERE campaign_id = $1 GROUP BY status', [id]);
      return progressFrom(rows);
    },
    async failures(id, limit) {
      const { rows } = await db.query<Parameters<typeof failureFrom>[0]>(
        `SELECT a.contact_id, c.address, a.status, a.reason, a.at FROM campaign_audience a LEFT JOIN contacts c ON c.id = a.contact_id
         WHERE a.campaign_id = $1 AND a.status IN ('skipped', 'failed') ORDER BY a.at DESC, a.contact_id LIMIT $2`,
        [id, limit],
      );
      return rows.map(failureFrom);
    },
    async stats(id) {
      const row = await one<StatsRow>(db, `SELECT ${STAT_COLUMNS.join(', ')} FROM campaign_stats WHERE campaign_id = $1`, [id]);
      const cats = await db.query<{ category: string; n: string }>('SELECT category, n FROM campaign_bounce_categories WHERE campaign_id = $1 ORDER BY category', [id]);
      return statsFrom(row, cats.rows);
    },
    async campaignsOf(queueIds) {
      const out = new Map<string, number>();
      if (queueIds.length === 0) return out;
      const { rows } = await db.query<{ queue_id: string; scope: string }>(
        `SELECT queue_id, scope FROM send_log WHERE queue_id = ANY($1::text[]) AND scope LIKE 'campaign:%'`,
        [[...new Set(queueIds)]],
      );
      for (const r of rows) out.set(r.queue_id, Number(r.scope.slice('campaign:'.length)));
      return out;
    },
    async latestCampaignTo(address) {
      const row = await one<{ campaign_id: string }>(
        db,
        `SELECT a.campaign_id FROM contacts c JOIN campaign_audience a ON a.contact_id = c.id AND a.status = 'queued' WHERE c.address = $1 ORDER BY a.campaign_id DESC LIMIT 1`,
        [address],
      );
      return row ? Number(row.campaign_id) : undefined;
    },
    async statsCursor() {
      return Number((await one<{ after_id: string }>(db, 'SELECT after_id FROM campaign_stats_cursor WHERE one = 1', []))?.after_id ?? 0);
    },
    async applyStats(from, to, deltas) {
      await db.transaction(async (client) => {
        const at = Number((await one<{ after_id: string }>(client, 'SELECT after_id FROM campaign_stats_cursor WHERE one = 1 FOR UPDATE', []))?.after_id ?? 0);
        if (at !== from) throw new CampaignStatsCursorMoved(from, at);
        await writeDeltas(client, deltas);
        await client.query('UPDATE campaign_stats_cursor SET after_id = $1 WHERE one = 1', [to]);
      });
    },
    async addStats(deltas) {
      await db.transaction((client) => writeDeltas(client, deltas));
    },
    async close() {
      // The pool is the process's (src/stores closes it).
    },
  };
}
