import { CONTACTS_SCHEMA } from '../contacts/contact-migrations.js';
import { migrate, openConcernDatabase, ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import { CAMPAIGNS_SCHEMA } from './campaign-migrations.js';
import { campaignFromRow, contactFromRow, failureFrom, mergeDeltas, progressFrom, STAT_COLUMNS, statsFrom, type CampaignRow, type ContactRow, type StatsRow } from './campaign-rows.js';
import { campaignScope, CampaignStatsCursorMoved, type CampaignStore, type StatsDelta } from './campaign-store.js';

export interface SqliteCampaignStoreOptions {
  /** The queue's file (`queue.path`): the audience is selected from `contacts` and checked against `send_log` there. */
  readonly path: string;
}

/**
 * Campaigns in the queue's SQLite file, on this thread. The contacts concern
 * is migrated here too (it is a no-op when contacts/ opened first): the
 * audience's INSERT … SELECT needs its tables whichever store opens first.
 */
export function openSqliteCampaignStore(opts: SqliteCampaignStoreOptions): CampaignStore {
  const db = openConcernDatabase(opts.path, CAMPAIGNS_SCHEMA, (d) => migrate(d, CONTACTS_SCHEMA));
  const insert = db.prepare(
    `INSERT INTO campaigns (name, template_id, segment_id, sender, stream, pool, rate, send_at, api_key, state, created_at, schema_version)
     VALUES (@name, @templateId, @segmentId, @from, @stream, @pool, @rate, @sendAt, @apiKey, 'draft', @at, ${ROW_SCHEMA_VERSION}) RETURNING *`,
  );
  const byId = db.prepare('SELECT * FROM campaigns WHERE id = ?');
  const page = db.prepare('SELECT * FROM campaigns WHERE id < ? ORDER BY id DESC LIMIT ?');
  const due = db.prepare(`SELECT * FROM campaigns WHERE state = 'sending' OR (state = 'scheduled' AND coalesce(send_at, 0) <= ?) ORDER BY id`);
  const pending = db.prepare(
    `SELECT c.id, c.address, c.attributes, c.created_at, c.updated_at FROM campaign_audience a JOIN contacts c ON c.id = a.contact_id
     WHERE a.campaign_id = ? AND a.status = 'pending' AND a.contact_id > ? ORDER BY a.contact_id LIMIT ?`,
  );
  const markQueued = db.prepare(
    `UPDATE campaign_audience SET status = 'queued', reason = NULL, at = @at,
       queue_id = (SELECT queue_id FROM send_log WHERE scope = @scope AND key = @key)
     WHERE campaign_id = @id AND contact_id = @contactId`,
  );
  const markOther = db.prepare('UPDATE campaign_audience SET status = @status, reason = @reason, at = @at WHERE campaign_id = @id AND contact_id = @contactId');
  const progress = db.prepare('SELECT status, count(*) AS n FROM campaign_audience WHERE campaign_id = ? GROUP BY status');
  const failures = db.prepare(
    `SELECT a.contact_id, c.address, a.status, a.reason, a.at FROM campaign_audience a LEFT JOIN contacts c ON c.id = a.contact_id
     WHERE a.campaign_id = ? AND a.status IN ('skipped', 'failed') ORDER BY a.at DESC, a.contact_id LIMIT ?`,
  );
  const statsRow = db.prepare(`SELECT ${STAT_COLUMNS.join(', ')} FROM campaign_stats WHERE campaign_id = ?`);
  const categories = db.prepare('SELECT category, n FROM campaign_bounce_categories WHERE campaign_id = ? ORDER BY category');
  const ofQueue = db.prepare(`SELECT scope FROM send_log WHERE queue_id = ? AND scope LIKE 'campaign:%'`).pluck();
  const latestTo = db.prepare(
    `SELECT a.campaign_id FROM contacts c JOIN campaign_audience a ON a.contact_id = c.id AND a.status = 'queued'
     WHERE c.address = ? ORDER BY a.campaign_id DESC LIMIT 1`,
  ).pluck();
  const readCursor = db.prepare('SELECT after_id FROM campaign_stats_cursor WHERE one = 1').pluck();
  const moveCursor = db.prepare('UPDATE campaign_stats_cursor SET after_id = ? WHERE one = 1');
  const addStats = db.prepare(
    `INSERT INTO campaign_stats (campaign_id, ${STAT_COLUMNS.join(', ')}) VALUES (@campaignId, ${STAT_COLUMNS.map((c) => `@${c}`).join(', ')})
     ON CONFLICT (campaign_id) DO UPDATE SET ${STAT_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
  );
  const addCategory = db.prepare(
    'INSERT INTO campaign_bounce_categories (campaign_id, category, n) VALUES (?, ?, ?) ON CONFLICT (campaign_id, category) DO UPDATE SET n = n + excluded.n',
  );

  const writeDeltas = (deltas: readonly StatsDelta[]) => {
    for (const d of mergeDeltas(deltas)) {
      addStats.run({ campaignId: d.campaignId, ...Object.fromEntries(STAT_COLUMNS.map((c) => [c, d.counts[c] ?? 0])) });
      for (const [cat, n] of Object.entries(d.categories ?? {})) addCategory.run(d.campaignId, cat, n);
    }
  };
  const applyTx = db.transaction((from: number, to: number, deltas: readonly StatsDelta[]) => {
    const at = readCursor.get() as number;
    if (at !== from) throw new CampaignStatsCursorMoved(from, at);
    writeDeltas(deltas);
    moveCursor.run(to);
  });

  return {
    async create(def, at) {
      const row = insert.get({ ...def, pool: def.pool ?? null, rate: def.rate ?? null, sendAt: def.sendAt ?? null, at }) as CampaignRow;
      return campaignFromRow(row);
    },
    async get(id) {
      const row = byId.get(id) as CampaignRow | undefined;
      return row ? campaignFromRow(row) : undefined;
    },
    async list(limit, before) {
      return (page.all(before ?? Number.MAX_SAFE_INTEGER, limit) as CampaignRow[]).map(campaignFromRow);
    },
    async transition(id, from, to, at, note) {
      const started = to === 'sending' ? ', started_at = coalesce(started_at, @at)' : '';
      const finished = to === 'sent' || to === 'cancelled' ? ', finished_at = @at' : '';
      const row = db
        .prepare(`UPDATE campaigns SET state = @to, note = @note${started}${finished} WHERE id = @id AND state IN (${from.map((_, i) => `@f${i}`).join(', ')}) RETURNING *`)
        .get({ id, to, at, note: note ?? null, ...Object.fromEntries(from.map((s, i) => [`f${i}`, s])) }) as CampaignRow | undefined;
      return row ? campaignFromRow(row) : undefined;
    },
    async due(now) {
      return (due.all(now) as CampaignRow[]).map(campaignFromRow);
    },
    async materialize(id, audience, at) {
      return db
        .transaction(() => {
          const done = db.prepare('UPDATE campaigns SET materialized = 1 WHERE id = ? AND materialized = 0').run(id).changes === 1;
          if (done) {
            db.prepare(`INSERT OR IGNORE INTO campaign_audience (campaign_id, contact_id, status, at) SELECT ?, c.id, 'pending', ? FROM contacts c WHERE ${audience.where}`).run(
              id,
              at,
              ...audience.params,
            );
          }
          return db.prepare('SELECT count(*) FROM campaign_audience WHERE campaign_id = ?').pluck().get(id) as number;
        })
        .immediate();
    },
    async pending(id, after, limit) {
      return (pending.all(id, after, limit) as ContactRow[]).map(contactFromRow);
    },
    async mark(id, contactId, status, at, reason) {
      if (status === 'queued') markQueued.run({ id, contactId, at, scope: campaignScope(id), key: String(contactId) });
      else markOther.run({ id, contactId, status, reason: reason ?? null, at });
    },
    async progress(id) {
      return progressFrom(progress.all(id) as { status: string; n: number }[]);
    },
    async failures(id, limit) {
      return (failures.all(id, limit) as Parameters<typeof failureFrom>[0][]).map(failureFrom);
    },
    async stats(id) {
      return statsFrom(statsRow.get(id) as StatsRow | undefined, categories.all(id) as { category: string; n: number }[]);
    },
    async campaignsOf(queueIds) {
      const out = new Map<string, number>();
      for (const q of new Set(queueIds)) {
        const scope = ofQueue.get(q) as string | undefined;
        if (scope) out.set(q, Number(scope.slice('campaign:'.length)));
      }
      return out;
    },
    async latestCampaignTo(address) {
      const id = latestTo.get(address) as number | undefined;
      return id === undefined ? undefined : Number(id);
    },
    async statsCursor() {
      return readCursor.get() as number;
    },
    async applyStats(from, to, deltas) {
      // A projection commits with NORMAL sync (as the contacts' activity): replayed from the outbox after a power loss.
      db.pragma('synchronous = NORMAL');
      try {
        applyTx.immediate(from, to, deltas);
      } finally {
        db.pragma('synchronous = FULL');
      }
    },
    async addStats(deltas) {
      db.transaction(() => writeDeltas(deltas)).immediate();
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
