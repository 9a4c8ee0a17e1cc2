import type { Contact, ContactId, SegmentSql, SqlDialect } from '../types.js';
import type { FlowDefinition } from './flow-definition.js';

/**
 * The flow store (DESIGN §9 Store): flow definitions and their runs, one run
 * per contact enrolled. Every backend passes `flow-store.contract.ts`.
 */

export type FlowRunState = 'waiting' | 'running' | 'completed' | 'exited';

export interface FlowRecord extends FlowDefinition {
  readonly id: number;
  /** The API key (its name) that created the flow: its identity, domains and quotas apply to the flow's mail. */
  readonly apiKey: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface FlowCounts {
  readonly running: number;
  readonly waiting: number;
  readonly completed: number;
  readonly exited: number;
}

export interface FlowRun {
  readonly id: number;
  readonly flowId: number;
  readonly contactId: ContactId;
  /** The contact's address ('' when the contact is gone). */
  readonly address: string;
  /** The path of the next step ("2.then.0"); the last one done when completed or exited. */
  readonly position: string;
  readonly state: FlowRunState;
  /** Waiting: when it is due; running: when its claim lapses. */
  readonly nextAt?: number;
  readonly exitReason?: string;
  readonly startedAt: number;
  readonly updatedAt: number;
}

/** What a step did to its run: go on now, wait until `nextAt`, or end. */
export type RunAdvance =
  | { readonly state: 'running'; readonly position: string }
  | { readonly state: 'waiting'; readonly position: string; readonly nextAt: number }
  | { readonly state: 'completed' };

export interface FlowRunQuery {
  readonly contactId?: ContactId;
  /** Runs with an id below this one (pages go newest first). */
  readonly before?: number;
  readonly limit: number;
}

export interface FlowStore {
  /** The SQL a segment is compiled to for `inSegment`. */
  readonly dialect: SqlDialect;
  create(def: FlowDefinition & { readonly apiKey: string }, now: number): Promise<FlowRecord>;
  get(id: number): Promise<FlowRecord | undefined>;
  /** Every flow, by id. */
  list(): Promise<FlowRecord[]>;
  /** Active flows whose trigger is of this type (what a contact change can start). */
  activeByTrigger(type: FlowDefinition['trigger']['type']): Promise<FlowRecord[]>;
  /** Replace name, trigger, steps and active, and the api key when given (runs keep their positions, resolved against the new steps). */
  update(id: number, def: FlowDefinition & { readonly apiKey?: string | undefined }, now: number): Promise<FlowRecord | undefined>;
  setActive(id: number, active: boolean, now: number): Promise<FlowRecord | undefined>;
  /** The flow and its runs. */
  delete(id: number): Promise<boolean>;
  /** Runs per state of each flow asked for (flows without runs: zeros). */
  counts(flowIds: readonly number[]): Promise<Map<number, FlowCounts>>;

  /** Start a run at the first step, due now; undefined when the contact has a live (waiting or running) run of this flow. */
  enroll(flowId: number, contactId: ContactId, now: number): Promise<FlowRun | undefined>;
  /** Start runs for many (flow, contact) pairs in one commit (live ones skipped); how many started. */
  enrollMany(pairs: readonly { readonly flowId: number; readonly contactId: ContactId }[], now: number): Promise<number>;
  /**
   * Claim up to `limit` live runs of active flows that are due (next_at <= now),
   * oldest due first: each becomes running with next_at = now + leaseMs (a
   * claim that outlives its runner lapses and is claimed again).
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<FlowRun[]>;
  /** Commit a step: only while the run is running (an exit in between wins: false). */
  advance(runId: number, to: RunAdvance, now: number): Promise<boolean>;
  /** End a live run with a reason; false when it was not live. */
  exit(runId: number, reason: string, now: number): Promise<boolean>;
  /** Live runs of the contact with this address (any case). */
  liveRunsOf(address: string): Promise<FlowRun[]>;
  /** A flow's runs, newest first. */
  runs(flowId: number, query: FlowRunQuery): Promise<FlowRun[]>;
  run(id: number): Promise<FlowRun | undefined>;

  /** A contact from the contacts tables (read here until the contacts store is what flows are given). */
  contact(id: ContactId): Promise<Contact | undefined>;
  contactByAddress(address: string): Promise<Contact | undefined>;
  /** Whether the contact is among those `segment` selects (a branch's condition, compiled for `dialect`). */
  inSegment(id: ContactId, segment: SegmentSql): Promise<boolean>;
  /** The contact's membership of a list: pending, subscribed, unsubscribed; undefined when not a member. */
  listStatus(listId: number, id: ContactId): Promise<string | undefined>;
  /** Set (null: remove) one attribute of a contact with SQL; false when there is no such contact. */
  setAttribute(id: ContactId, name: string, value: unknown, now: number): Promise<boolean>;
  close(): Promise<void>;
}

export const ZERO_COUNTS: FlowCounts = { running: 0, waiting: 0, completed: 0, exited: 0 };
