import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../../sqlite/index.js';
import type { Contact } from '../types.js';
import { FIRST_POSITION } from './flow-position.js';
import { FLOWS_SCHEMA } from './flow-migrations.js';
import { ZERO_COUNTS, type FlowCounts, type FlowRecord, type FlowRun, type FlowRunState, type FlowStore } from './flow-store.js';

export interface SqliteFlowStoreOptions {
  /** The queue's file (`queue.path`): runs read the contacts tables in it. */
  readonly path: string;
}

interface FlowRow {
  id: number;
  name: string;
  trigger: string;
  steps: string;
  active: number;
  api_key: string;
  created_at: number;
  updated_at: number;
}

export interface RunRow {
  id: number;
  flow_id: number;
  contact_id: number;
  address: string | null;
  position: string;
  state: FlowRunState;
  next_at: number | null;
  exit_reason: string | null;
  started_at: number;
  updated_at: number;
}

const flowOf = (r: FlowRow): FlowRecord => ({
  id: r.id,
  name: r.name,
  trigger: JSON.parse(r.trigger) as FlowRecord['trigger'],
  steps: JSON.parse(r.steps) as FlowRecord['steps'],
  active: r.active === 1 || (r.active as unknown) === true,
  apiKey: r.api_key,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const runOf = (r: RunRow): FlowRun => ({
  id: r.id,
  flowId: r.flow_id,
  contactId: r.contact_id,
  address: r.address ?? '',
  position: r.position,
  state: r.state,
  ...(r.next_at !== null ? { nextAt: r.next_at } : {}),
  ...(r.exit_reason !== null ? { exitReason: r.exit_reason } : {}),
  startedAt: r.started_at,
  updatedAt: r.updated_at,
});

export const contactOf = (r: { id: number; address: string; attributes: string | Record<string, unknown>; created_at: number; updated_at: number }): Contact => ({
  id: r.id,
  address: r.address,
  attributes: typeof r.attributes === 'string' ? (JSON.parse(r.attributes) as Record<string, unknown>) : r.attributes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const RUN_COLUMNS = 'r.id, r.flow_id, r.contact_id, c.address, r.position, r.state, r.next_at, r.exit_reason, r.started_at, r.updated_at';
const LIVE = "('waiting', 'running')";

/**
 * Flows in the queue's SQLite file, on this thread (like the other concern
 * stores). Claims are one UPDATE … RETURNING, so a claim and its lease commit
 * together.
 */
export function openSqliteFlowStore(opts: SqliteFlowStoreOptions): FlowStore {
  // synchronous=NORMAL (no fsync per commit, like the traffic rollup): a kill -9 loses nothing (the WAL is written), a power
  // failure may lose the last steps' commits, and a step done again is safe: a send finds its send-log entry (already-sent).
  const db = openConcernDatabase(opts.path, FLOWS_SCHEMA, (d) => d.pragma('synchronous = NORMAL'));
  const V = ROW_SCHEMA_VERSION;
  // Statements over the contacts tables are prepared at first use: the contacts concern may open after this one.
  const later = (sql: string) => {
    let stmt: ReturnType<typeof db.prepare> | undefined;
    return () => (stmt ??= db.prepare(sql));
  };
  const insertFlow = db.prepare(
    `INSERT INTO flows (name, trigger_type, trigger, steps, active, api_key, created_at, updated_at, schema_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ${V}) RETURNING *`,
  );
  const getFlow = db.prepare('SELECT * FROM flows WHERE id = ?');
  const allFlows = db.prepare('SELECT * FROM flows ORDER BY id');
  const byTrigger = db.prepare('SELECT * FROM flows WHERE trigger_type = ? AND active = 1 ORDER BY id');
  const updateFlow = db.prepare('UPDATE flows SET name = ?, trigger_type = ?, trigger = ?, steps = ?, active = ?, api_key = coalesce(?, api_key), updated_at = ? WHERE id = ? RETURNING *');
  const activeFlow = db.prepare('UPDATE flows SET active = ?, updated_at = ? WHERE id = ? RETURNING *');
  const deleteFlow = db.prepare('DELETE FROM flows WHERE id = ?');
  const insertRun = db.prepare(
    `INSERT INTO flow_runs (flow_id, contact_id, position, state, next_at, started_at, updated_at, schema_version) VALUES (?, ?, '${FIRST_POSITION}', 'waiting', ?, ?, ?, ${V})
     ON CONFLICT (flow_id, contact_id) WHERE state IN ${LIVE} DO NOTHING RETURNING id`,
  );
  const getRun = later(`SELECT ${RUN_COLUMNS} FROM flow_runs r LEFT JOIN contacts c ON c.id = r.contact_id WHERE r.id = ?`);
  const claim = db.prepare(
    `UPDATE flow_runs SET state = 'running', next_at = @lease, updated_at = @now WHERE id IN (
       SELECT r.id FROM flow_runs r JOIN flows f ON f.id = r.flow_id
       WHERE r.state IN ${LIVE} AND r.next_at <= @now AND f.active = 1 ORDER BY r.next_at, r.id LIMIT @limit) RETURNING id`,
  );
  // A read first (the partial index flow_runs_due): the runner asks every tick, and most
  // ticks find nothing, so no write lock is taken from the queue's writer for nothing.
  const anyDue = db.prepare(`SELECT 1 FROM flow_runs WHERE state IN ${LIVE} AND next_at <= ? LIMIT 1`).pluck();
  const toRunning = db.prepare("UPDATE flow_runs SET position = ?, updated_at = ? WHERE id = ? AND state = 'running'");
  const toWaiting = db.prepare("UPDATE flow_runs SET position = ?, state = 'waiting', next_at = ?, updated_at = ? WHERE id = ? AND state = 'running'");
  const toCompleted = db.prepare("UPDATE flow_runs SET state = 'completed', next_at = NULL, updated_at = ? WHERE id = ? AND state = 'running'");
  const toExited = db.prepare(`UPDATE flow_runs SET state = 'exited', exit_reason = ?, next_at = NULL, updated_at = ? WHERE id = ? AND state IN ${LIVE}`);
  const liveOf = later(`SELECT ${RUN_COLUMNS} FROM flow_runs r JOIN contacts c ON c.id = r.contact_id WHERE c.address = ? AND r.state IN ${LIVE} ORDER BY r.id`);
  const runsOf = later(
    `SELECT ${RUN_COLUMNS} FROM flow_runs r LEFT JOIN contacts c ON c.id = r.contact_id
     WHERE r.flow_id = @flow AND (@contact IS NULL OR r.contact_id = @contact) AND (@before IS NULL OR r.id < @before) ORDER BY r.id DESC LIMIT @limit`,
  );
  const memberStatus = later('SELECT status FROM list_members WHERE list_id = ? AND contact_id = ?');
  const contactById = later('SELECT id, address, attributes, created_at, updated_at FROM contacts WHERE id = ?');
  const contactByAddr = later('SELECT id, address, attributes, created_at, updated_at FROM contacts WHERE address = ?');
  const setAttr = later("UPDATE contacts SET attributes = json_set(attributes, '$.' || json_quote(?), json(?)), updated_at = ? WHERE id = ?");
  const removeAttr = later("UPDATE contacts SET attributes = json_remove(attributes, '$.' || json_quote(?)), updated_at = ? WHERE id = ?");

  const runById = (id: number) => {
    const row = getRun().get(id) as RunRow | undefined;
    return row ? runOf(row) : undefined;
  };

  return {
    dialect: 'sqlite',
    async inSegment(id, segment) {
      return db.prepare(`SELECT 1 FROM contacts c WHERE (${segment.where}) AND c.id = ?`).get(...segment.params, id) !== undefined;
    },
    async create(def, now) {
      return flowOf(insertFlow.get(def.name, def.trigger.type, JSON.stringify(def.trigger), JSON.stringify(def.steps), def.active ? 1 : 0, def.apiKey, now, now) as FlowRow);
    },
    async get(id) {
      const row = getFlow.get(id) as FlowRow | undefined;
      return row ? flowOf(row) : undefined;
    },
    async list() {
      return (allFlows.all() as FlowRow[]).map(flowOf);
    },
    async activeByTrigger(type) {
      return (byTrigger.all(type) as FlowRow[]).map(flowOf);
    },
    async update(id, def, now) {
      const row = updateFlow.get(def.name, def.trigger.type, JSON.stringify(def.trigger), JSON.stringify(def.steps), def.active ? 1 : 0, def.apiKey ?? null, now, id) as FlowRow | undefined;
      return row ? flowOf(row) : undefined;
    },
    async setActive(id, active, now) {
      const row = activeFlow.get(active ? 1 : 0, now, id) as FlowRow | undefined;
      return row ? flowOf(row) : undefined;
    },
    async delete(id) {
      return deleteFlow.run(id).changes > 0;
    },
    async counts(flowIds) {
      const out = new Map<number, FlowCounts>(flowIds.map((id) => [id, { ...ZERO_COUNTS }]));
      if (flowIds.length === 0) return out;
      const rows = db
        .prepare(`SELECT flow_id, state, count(*) AS n FROM flow_runs WHERE flow_id IN (${flowIds.map(() => '?').join(',')}) GROUP BY flow_id, state`)
        .all(...flowIds) as { flow_id: number; state: FlowRunState; n: number }[];
      for (const r of rows) out.set(r.flow_id, { ...(out.get(r.flow_id) ?? ZERO_COUNTS), [r.state]: r.n });
      return out;
    },
    async enroll(flowId, contactId, now) {
      const row = insertRun.get(flowId, contactId, now, now, now) as { id: number } | undefined;
      return row ? runById(row.id) : undefined;
    },
    async enrollMany(pairs, now) {
      return db.transaction(() => pairs.reduce((n, p) => n + (insertRun.get(p.flowId, p.contactId, now, now, now) ? 1 : 0), 0)).immediate();
    },
    async claimDue(now, limit, leaseMs) {
      if (anyDue.get(now) === undefined) return [];
      const ids = db.transaction(() => (claim.all({ now, lease: now + leaseMs, limit }) as { id: number }[]).map((r) => r.id)).immediate();
      return ids
        .sort((a, b) => a - b)
        .map(runById)
        .filter((r): r is FlowRun => r !== undefined);
    },
    async advance(runId, to, now) {
      switch (to.state) {
        case 'running':
          return toRunning.run(to.position, now, runId).changes > 0;
        case 'waiting':
          return toWaiting.run(to.position, to.nextAt, now, runId).changes > 0;
        case 'completed':
          return toCompleted.run(now, runId).changes > 0;
      }
    },
    async exit(runId, reason, now) {
      return toExited.run(reason, now, runId).changes > 0;
    },
    async liveRunsOf(address) {
      return (liveOf().all(address.trim().toLowerCase()) as RunRow[]).map(runOf);
    },
    async runs(flowId, q) {
      return (runsOf().all({ flow: flowId, contact: q.contactId ?? null, before: q.before ?? null, limit: q.limit }) as RunRow[]).map(runOf);
    },
    async run(id) {
      return runById(id);
    },
    async listStatus(listId, id) {
      return (memberStatus().get(listId, id) as { status: string } | undefined)?.status;
    },
    async contact(id) {
      const row = contactById().get(id) as Parameters<typeof contactOf>[0] | undefined;
      return row ? contactOf(row) : undefined;
    },
    async contactByAddress(address) {
      const row = contactByAddr().get(address.trim().toLowerCase()) as Parameters<typeof contactOf>[0] | undefined;
      return row ? contactOf(row) : undefined;
    },
    async setAttribute(id, name, value, now) {
      const r = value === null || value === undefined ? removeAttr().run(name, now, id) : setAttr().run(name, JSON.stringify(value), now, id);
      return r.changes > 0;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
