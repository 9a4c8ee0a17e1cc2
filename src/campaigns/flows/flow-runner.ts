import type { Clock } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { Contact, ContactMailer, ContactStatus } from '../types.js';
import { domainOfFrom, durationMs, MAX_FLOW_STEPS, type BranchFilter, type FlowStep } from './flow-definition.js';
import { branchPosition, nextPosition, stepAt } from './flow-position.js';
import type { FlowRecord, FlowRun, FlowStore, RunAdvance } from './flow-store.js';

export interface FlowRunnerDeps {
  readonly store: FlowStore;
  readonly mailer: ContactMailer;
  /** Whether the contact is in the segment `filter` describes (a branch's condition). */
  readonly matches: (filter: BranchFilter, contactId: number) => Promise<boolean>;
  /** The contact's standing for mail from `fromDomain` (null: global entries only), from the suppression store. */
  readonly contactStatus: (address: string, fromDomain: string | null) => Promise<ContactStatus>;
  /** Set (null: remove) an attribute; absent: the store's SQL. Returns the contact as it is now, undefined when gone. */
  readonly setAttribute?: (contact: Contact, name: string, value: unknown) => Promise<Contact | undefined>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `campaigns.flows`: tick, batch, retry. */
  readonly config: { readonly tick: number; readonly batch: number; readonly retry: number };
  /** How long a claim holds a run before another round may take it (a runner that died). */
  readonly leaseMs?: number;
}

const DEFAULT_LEASE_MS = 10 * 60_000;

/**
 * Walks due runs (flows/, docs/campaigns.md "Automation (flows)"): claims
 * runs whose wait is over in batches and does their steps one by one until a
 * wait, committing the position after each step. A `send` is queued with the
 * send log entry (`flow-run:<run id>`, position), and the position moves only
 * once the queue answered queued or already-sent, so a kill -9 at any moment
 * sends each step at most once and never skips one. Before every step the
 * contact's status is checked (for a send: against its From domain too), so
 * an unsubscribe or a suppression ends the run before anything else goes out.
 * One runner per cluster: main.ts runs it under the `flow-runner` lease.
 */
export class FlowRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly deps: FlowRunnerDeps) {}

  start(): void {
    this.stopped = false;
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Look for due runs now (a trigger enrolled someone), not at the next tick. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.round().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.wake();
        return;
      }
      this.timer = setTimeout(() => this.wake(), this.deps.config.tick);
      this.timer.unref();
    });
  }

  private async round(): Promise<void> {
    try {
      // Full batches mean more is due: go on until a short one.
      while (!this.stopped && (await this.runDue()) >= this.deps.config.batch);
    } catch (err) {
      this.deps.logger.error({ err }, 'flows: a runner round failed');
    }
  }

  /** Claim one batch of due runs and walk each; returns how many were claimed (tests call this directly). */
  async runDue(): Promise<number> {
    const { store, clock, config } = this.deps;
    const runs = await store.claimDue(clock.now(), config.batch, this.deps.leaseMs ?? DEFAULT_LEASE_MS);
    const flows = new Map<number, FlowRecord | undefined>();
    // A few runs at a time: each waits mostly on the queue's commit.
    const queue = [...runs];
    const worker = async () => {
      for (let run = queue.shift(); run; run = queue.shift()) {
        if (!flows.has(run.flowId)) flows.set(run.flowId, await store.get(run.flowId));
        await this.walk(run, flows.get(run.flowId)).catch((err: unknown) => this.failed(run, err));
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, runs.length) }, worker));
    return runs.length;
  }

  private async failed(run: FlowRun, err: unknown): Promise<void> {
    this.deps.logger.error({ err, flow: run.flowId, run: run.id }, 'flows: a step failed; trying it again later');
    const at = this.deps.clock.now();
    await this.deps.store.advance(run.id, { state: 'waiting', position: run.position, nextAt: at + this.deps.config.retry }, at).catch(() => {});
  }

  private async end(run: FlowRun, reason: string): Promise<void> {
    await this.deps.store.exit(run.id, reason, this.deps.clock.now());
    this.deps.logger.info({ flow: run.flowId, run: run.id, contact: run.contactId, reason }, 'flows: run exited');
  }

  /** Do the run's steps from its position until a wait, the end, or an exit. */
  private async walk(claimed: FlowRun, flow: FlowRecord | undefined): Promise<void> {
    const { store, clock } = this.deps;
    if (!flow) return;
    let run = claimed;
    let contact = await store.contact(run.contactId);
    if (!contact) return this.end(run, 'contact deleted');
    // Bounded: positions only move forward, so a flow's steps are each done once at most in one walk.
    for (let n = 0; n <= MAX_FLOW_STEPS; n++) {
      const step = stepAt(flow.steps, run.position);
      // A PUT may have taken the step away: the run cannot know where it stands in the new steps.
      if (!step) return this.end(run, `flow changed: no step ${run.position}`);
      const status = await this.deps.contactStatus(contact.address, step.type === 'send' ? (domainOfFrom(step.from) ?? null) : null);
      if (status !== 'subscribed') return this.end(run, status);
      // Leaving the list a flow started from ends it too (no suppression is written for one list).
      if (flow.trigger.type === 'list-joined' && (await store.listStatus(flow.trigger.list, contact.id)) === 'unsubscribed') return this.end(run, 'left the list');
      const outcome = await this.step(run, flow, contact, step);
      if (outcome.kind === 'exit') return this.end(run, outcome.reason);
      if (outcome.kind === 'contact') {
        contact = outcome.contact;
        if (!contact) return this.end(run, 'contact deleted');
      }
      const to: RunAdvance = outcome.kind === 'wait' ? outcome.to : nextOf(outcome.next);
      // False: the run was exited meanwhile (an unsubscribe): stop here.
      if (!(await store.advance(run.id, to, clock.now()))) return;
      if (to.state !== 'running') return;
      run = { ...run, position: to.position };
    }
  }

  private async step(run: FlowRun, flow: FlowRecord, contact: Contact, step: FlowStep): Promise<StepOutcome> {
    const now = this.deps.clock.now();
    const next = () => nextPosition(flow.steps, run.position);
    switch (step.type) {
      case 'wait': {
        const after = next();
        if (after === undefined) return { kind: 'next', next: undefined };
        return { kind: 'wait', to: { state: 'waiting', position: after, nextAt: now + (durationMs(step.duration) ?? 0) } };
      }
      case 'send': {
        const r = await this.deps.mailer.send({
          contact,
          templateId: step.template,
          from: step.from,
          stream: step.stream ?? 'bulk',
          sendLog: { scope: `flow-run:${run.id}`, key: run.position },
          apiKey: flow.apiKey,
          tags: ['flow'],
          metadata: { flow: String(flow.id), flowRun: String(run.id) },
        });
        switch (r.kind) {
          case 'queued':
          case 'already-sent':
            return { kind: 'next', next: next() };
          case 'suppressed':
            return { kind: 'exit', reason: `suppressed: ${r.reason}` };
          case 'render-failed':
            return { kind: 'exit', reason: `render failed (${r.part}): ${r.reason}` };
          case 'refused':
            if (r.temporary) return { kind: 'wait', to: { state: 'waiting', position: run.position, nextAt: now + this.deps.config.retry } };
            return { kind: 'exit', reason: `refused: ${r.reason}` };
        }
        break;
      }
      case 'branch': {
        const arm = (await this.deps.matches(step.if, contact.id)) ? 'then' : 'else';
        return { kind: 'next', next: branchPosition(flow.steps, run.position, arm) };
      }
      case 'update': {
        const { store } = this.deps;
        const updated = this.deps.setAttribute
          ? await this.deps.setAttribute(contact, step.attr, step.value)
          : (await store.setAttribute(contact.id, step.attr, step.value, now)) ? await store.contact(contact.id) : undefined;
        return { kind: 'contact', contact: updated, next: next() };
      }
      case 'exit':
        return { kind: 'exit', reason: `exit step ${run.position}` };
    }
    return { kind: 'exit', reason: 'unknown step' };
  }
}

type StepOutcome =
  | { readonly kind: 'next'; readonly next: string | undefined }
  | { readonly kind: 'contact'; readonly contact: Contact | undefined; readonly next: string | undefined }
  | { readonly kind: 'wait'; readonly to: RunAdvance }
  | { readonly kind: 'exit'; readonly reason: string };

const nextOf = (position: string | undefined): RunAdvance => (position === undefined ? { state: 'completed' } : { state: 'running', position });
