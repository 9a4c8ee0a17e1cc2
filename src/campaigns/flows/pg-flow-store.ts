import { migratePg, type PgStoreOptions } from '../../postgres/index.js';
import { ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import { FIRST_POSITION } from './flow-position.js';
import { PG_FLOWS_SCHEMA } from './pg-flow-migrations.js';
import { ZERO_COUNTS, type FlowCounts, type FlowRecord, type FlowRunState, type FlowStore } from './flow-store.js';
import { contactOf, runOf, type RunRow } from './sqlite-flow-store.js';

interface FlowRow {
  id: number;
  name: string;
  trigger: FlowRecord['trigger'];
  steps: FlowRecord['steps'];
  active: boolean;
  api_key: string;
  created_at: number;
  updated_at: number;
}

const flowOf = (r: FlowRow): FlowRecord => ({
  id: r.id,
  name: r.name,
  trigger: r.trigger,
  steps: r.steps,
  active: r.active,
  apiKey: r.api_key,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const RUN_COLUMNS = 'r.id, r.flow_id, r.contact_id, c.address, r.position, r.state, r.next_at, r.exit_reason, r.started_at, r.updated_at';
const LIVE = "('waiting', 'running')";
const CONTACT_COLUMNS = 'id, address, attributes, created_at, updated_at';

/**
 * Flows in PostgreSQL, shared by a cluster. One node runs the runner (the
 * `flow-runner` lease), but a claim does not rely on that: it takes due rows
 * with FOR UPDATE SKIP LOCKED, so two runners never claim the same run.
 */
export async function openPgFlowStore(opts: PgStoreOptions): Promise<FlowStore> {
  const { db } = opts;
  await migratePg(db, PG_FLOWS_SCHEMA);
  const V = ROW_SCHEMA_VERSION;
  const one = async (sql: string, params: unknown[]) => (await db.query<FlowRow>(sql, params)).rows[0];
  const runById = async (id: number) => {
    const row = (await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM flow_runs r LEFT JOIN contacts c ON c.id = r.contact_id WHERE r.id = $1`, [id])).rows[0];
    return row ? runOf(row) : undefined;
  };
  const runsWhere = async (where: string, params: unknown[], tail = 'ORDER BY r.id') =>
    (await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM flow_runs r LEFT JOIN contacts c ON c.id = r.contact_id WHERE ${where} ${tail}`, params)).rows.map(runOf);

  return {
    dialect: 'postgres',
    async inSegment(id, segment) {
      const { rows } = await db.query(`SELECT 1 FROM contacts c WHERE (${segment.where}) AND c.id = $${segment.params.length + 1}`, [...segment.params, id]);
      return rows.length > 0;
    },
    async create(def, now) {
      const row = await one(
        `INSERT INTO flows (name, trigger_type, trigger, steps, active, api_key, created_at, updated_at, schema_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, ${V}) RETURNING *`,
        [def.name, def.trigger.type, JSON.stringify(def.trigger), JSON.stringify(def.steps), def.active, def.apiKey, now],
      );
      return flowOf(row as FlowRow);
    },
    async get(id) {
      const row = await one('SELECT * FROM flows WHERE id = $1', [id]);
      return row ? flowOf(row) : undefined;
    },
    async list() {
      return (await db.query<FlowRow>('SELECT * FROM flows ORDER BY id')).rows.map(flowOf);
    },
    async activeByTrigger(type) {
      return (await db.query<FlowRow>('SELECT * FROM flows WHERE trigger_type = $1 AND active ORDER BY id', [type])).rows.map(flowOf);
    },
    async update(id, def, now) {
      const row = await one('UPDATE flows SET name = $1, trigger_type = $2, trigger = $3, steps = $4, active = $5, updated_at = $6, api_key = coalesce($8, api_key) WHERE id = $7 RETURNING *', [
        def.name, def.trigger.type, JSON.stringify(def.trigger), JSON.stringify(def.steps), def.active, now, id, def.apiKey ?? null,
      ]);
      return row ? flowOf(row) : undefined;
    },
    async setActive(id, active, now) {
      const row = await one('UPDATE flows SET active = $1, updated_at = $2 WHERE id = $3 RETURNING *', [active, now, id]);
      return row ? flowOf(row) : undefined;
    },
    async delete(id) {
      return ((await db.query('DELETE FROM flows WHERE id = $1', [id])).rowCount ?? 0) > 0;
    },
    async counts(flowIds) {
      const out = new Map<number, FlowCounts>(flowIds.map((id) => [id, { ...ZERO_COUNTS }]));
      if (flowIds.length === 0) return out;
      const { rows } = await db.query<{ flow_id: number; state: FlowRunState; n: number }>(
        'SELECT flow_id, state, count(*)::bigint AS n FROM flow_runs WHERE flow_id = ANY($1::bigint[]) GROUP BY flow_id, state',
        [flowIds],
      );
      for (const r of rows) out.set(r.flow_id, { ...(out.get(r.flow_id) ?? ZERO_COUNTS), [r.state]: r.n });
      return out;
    },
    async enroll(flowId, contactId, now) {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO flow_runs (flow_id, contact_id, position, state, next_at, started_at, updated_at, schema_version) VALUES ($1, $2, '${FIRST_POSITION}', 'waiting', $3, $3, $3, ${V})
         ON CONFLICT (flow_id, contact_id) WHERE state IN ${LIVE} DO NOTHING RETURNING id`,
        [flowId, contactId, now],
      );
      return rows[0] ? runById(rows[0].id) : undefined;
    },
    async enrollMany(pairs, now) {
      if (pairs.length === 0) return 0;
      const { rowCount } = await db.query(
        `INSERT INTO flow_runs (flow_id, contact_id, position, state, next_at, started_at, updated_at, schema_version)
         SELECT f, c, '${FIRST_POSITION}', 'waiting', $3, $3, $3, ${V} FROM unnest($1::bigint[], $2::bigint[]) AS p(f, c)
         ON CONFLICT (flow_id, contact_id) WHERE state IN ${LIVE} DO NOTHING`,
        [pairs.map((p) => p.flowId), pairs.map((p) => p.contactId), now],
      );
      return rowCount ?? 0;
    },
    async claimDue(now, limit, leaseMs) {
      const { rows } = await db.query<{ id: number }>(
        `UPDATE flow_runs SET state = 'running', next_at = $2, updated_at = $1 WHERE id IN (
           SELECT r.id FROM flow_runs r JOIN flows f ON f.id = r.flow_id
           WHERE r.state IN ${LIVE} AND r.next_at <= $1 AND f.active ORDER BY r.next_at, r.id LIMIT $3 FOR UPDATE OF r SKIP LOCKED) RETURNING id`,
        [now, now + leaseMs, limit],
      );
      if (rows.length === 0) return [];
      return runsWhere('r.id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    },
    async advance(runId, to, now) {
      let r;
      switch (to.state) {
        case 'running':
          r = await db.query("UPDATE flow_runs SET position = $1, updated_at = $2 WHERE id = $3 AND state = 'running'", [to.position, now, runId]);
          break;
        case 'waiting':
          r = await db.query("UPDATE flow_runs SET position = $1, state = 'waiting', next_at = $2, updated_at = $3 WHERE id = $4 AND state = 'running'", [to.position, to.nextAt, now, runId]);
          break;
        case 'completed':
          r = await db.query("UPDATE flow_runs SET state = 'completed', next_at = NULL, updated_at = $1 WHERE id = $2 AND state = 'running'", [now, runId]);
          break;
      }
      return (r.rowCount ?? 0) > 0;
    },
    async exit(runId, reason, now) {
      const r = await db.query(`UPDATE flow_runs SET state = 'exited', exit_reason = $1, next_at = NULL, updated_at = $2 WHERE id = $3 AND state IN ${LIVE}`, [reason, now, runId]);
      return (r.rowCount ?? 0) > 0;
    },
    async liveRunsOf(address) {
      return runsWhere(`c.address = $1 AND r.state IN ${LIVE}`, [address.trim().toLowerCase()]);
    },
    async runs(flowId, q) {
      return runsWhere('r.flow_id = $1 AND ($2::bigint IS NULL OR r.contact_id = $2) AND ($3::bigint IS NULL OR r.id < $3)', [flowId, q.contactId ?? null, q.before ?? null, q.limit], 'ORDER BY r.id DESC LIMIT $4');
    },
    run: runById,
    async listStatus(listId, id) {
      return (await db.query<{ status: string }>('SELECT status FROM list_members WHERE list_id = $1 AND contact_id = $2', [listId, id])).rows[0]?.status;
    },
    async contact(id) {
      const row = (await db.query(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE id = $1`, [id])).rows[0];
      return row ? contactOf(row as Parameters<typeof contactOf>[0]) : undefined;
    },
    async contactByAddress(address) {
      const row = (await db.query(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE address = $1`, [address.trim().toLowerCase()])).rows[0];
      return row ? contactOf(row as Parameters<typeof contactOf>[0]) : undefined;
    },
    async setAttribute(id, name, value, now) {
      const r =
        value === null || value === undefined
          ? await db.query('UPDATE contacts SET attributes = attributes - $1::text, updated_at = $2 WHERE id = $3', [name, now, id])
          : await db.query('UPDATE contacts SET attributes = jsonb_set(attributes, ARRAY[$1::text], $2::jsonb), updated_at = $3 WHERE id = $4', [name, JSON.stringify(value), now, id]);
      return (r.rowCount ?? 0) > 0;
    },
    async close() {
      // The pool is the process's (src/stores closes it).
    },
  };
}
