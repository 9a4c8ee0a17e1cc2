import type { SchemaConcern } from '../../sqlite/index.js';

/**
 * The flows concern (`schema:flows`) on PostgreSQL (as on SQLite), beside the
 * contacts tables its runs point at (by id, without a foreign key: contacts
 * is another concern; a run whose contact is gone exits).
 *
 * - `flows.trigger_type` repeats `trigger`'s type so enrolling reads only the
 *   active flows a change can start.
 * - `flow_runs.position` is the path of the next step ("2.then.0"); it and
 *   `next_at` are committed after each step (durable, resumed on restart).
 *   A running run's `next_at` is its claim's lease: a runner that died with
 *   it claimed leaves it due again once the lease is over.
 * - At most one live (waiting or running) run per contact and flow: the
 *   partial unique index; a contact re-enters after its run ended.
 */
export const PG_FLOWS_SCHEMA: SchemaConcern = {
  name: 'flows',
  migrations: [
    {
      version: 1,
      name: 'flows and runs',
      sql: `
CREATE TABLE flows (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  trigger_type text NOT NULL,
  trigger jsonb NOT NULL,
  steps jsonb NOT NULL,
  active boolean NOT NULL,
  api_key text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  schema_version integer NOT NULL
);
CREATE INDEX flows_trigger ON flows (trigger_type, active);

CREATE TABLE flow_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  flow_id bigint NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
  contact_id bigint NOT NULL,
  position text NOT NULL,
  state text NOT NULL CHECK (state IN ('waiting', 'running', 'completed', 'exited')),
  next_at bigint,
  exit_reason text,
  started_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  schema_version integer NOT NULL
);
CREATE UNIQUE INDEX flow_runs_live ON flow_runs (flow_id, contact_id) WHERE state IN ('waiting', 'running');
CREATE INDEX flow_runs_due ON flow_runs (next_at) WHERE state IN ('waiting', 'running');
CREATE INDEX flow_runs_flow ON flow_runs (flow_id, id);
CREATE INDEX flow_runs_contact ON flow_runs (contact_id) WHERE state IN ('waiting', 'running');
`,
    },
  ],
};
