import type { Singletons } from '../../cluster/index.js';
import type { CampaignsConfig } from '../../config/campaigns-schema.js';
import type { Clock } from '../../core/index.js';
import type { EventBus } from '../../events/index.js';
import type { Logger } from '../../log/index.js';
import type { SuppressionStore } from '../../suppression/index.js';
import type { Contact, ContactMailer, ContactStatus } from '../types.js';
import type { BranchFilter } from './flow-definition.js';
import { exitOnSuppression, statusOfReason } from './flow-exits.js';
import { FlowRunner } from './flow-runner.js';
import type { FlowStore } from './flow-store.js';
import { FlowTriggers } from './flow-triggers.js';

export * from './flow-definition.js';
export { branchPosition, FIRST_POSITION, nextPosition, stepAt } from './flow-position.js';
export type { FlowCounts, FlowRecord, FlowRun, FlowRunQuery, FlowRunState, FlowStore, RunAdvance } from './flow-store.js';
export { ZERO_COUNTS } from './flow-store.js';
export { openSqliteFlowStore } from './sqlite-flow-store.js';
export { FLOWS_SCHEMA } from './flow-migrations.js';
export { FlowRunner, type FlowRunnerDeps } from './flow-runner.js';
export { FlowTriggers } from './flow-triggers.js';
export { exitOnSuppression, flowSendsFrom, statusOfReason } from './flow-exits.js';

export interface FlowsDeps {
  readonly store: FlowStore;
  /** Templated mail to one contact, exactly once per send log key (campaigns/sending). */
  readonly mailer: ContactMailer;
  /** A branch's condition: is the contact in the segment the filter describes (campaigns/segments). */
  readonly matches: (filter: BranchFilter, contactId: number) => Promise<boolean>;
  /** Where a contact's status comes from before each step. */
  readonly suppressions: Pick<SuppressionStore, 'matching'>;
  /** Set an attribute through the contacts store (its change sink is told); absent: SQL. */
  readonly setAttribute?: (contact: Contact, name: string, value: unknown) => Promise<Contact | undefined>;
  readonly config: CampaignsConfig['flows'];
  readonly clock: Clock;
  readonly logger: Logger;
  /** Committed events in this process: suppressions exit runs at once. */
  readonly bus?: EventBus;
}

/** What main.ts wires: the change sink for the contacts store, the API's part, the runner loop. */
export interface Flows {
  readonly store: FlowStore;
  /** The contacts store's ContactChangeSink; `event` serves POST /api/v1/events. */
  readonly triggers: FlowTriggers;
  /** `campaigns.flows.minWait`, for the routes' checks. */
  readonly minWaitMs: number;
  /** Start the runner (under the `flow-runner` lease when given singletons) and the suppression listener. */
  start(singletons?: Singletons): void;
  stop(): Promise<void>;
}

/** A contact's status for mail from a domain (null: global entries only), from the suppression store. */
export function suppressionStatus(store: Pick<SuppressionStore, 'matching'>, clock: Clock): (address: string, fromDomain: string | null) => Promise<ContactStatus> {
  return async (address, fromDomain) => {
    const hit = (await store.matching([address], fromDomain, clock.now())).get(address);
    return hit ? statusOfReason(hit.reason) : 'subscribed';
  };
}

/** Automation flows (docs/campaigns.md "Automation (flows)"). */
export function buildFlows(deps: FlowsDeps): Flows {
  const { store, clock, logger, config } = deps;
  let runner: FlowRunner | undefined;
  const makeRunner = () =>
    new FlowRunner({
      store,
      mailer: deps.mailer,
      matches: deps.matches,
      contactStatus: suppressionStatus(deps.suppressions, clock),
      ...(deps.setAttribute ? { setAttribute: deps.setAttribute } : {}),
      clock,
      logger,
      config,
    });
  const triggers = new FlowTriggers({ store, clock, logger, onEnrolled: () => runner?.wake() });
  let unsubscribe: (() => void) | undefined;
  let own: FlowRunner | undefined;
  return {
    store,
    triggers,
    minWaitMs: config.minWait,
    start(singletons) {
      if (deps.bus) unsubscribe = exitOnSuppression(deps.bus, { store, clock, logger });
      if (singletons) {
        singletons.run('flow-runner', () => {
          const r = makeRunner();
          runner = r;
          return { start: () => r.start(), stop: () => r.stop() };
        });
      } else {
        own = runner = makeRunner();
        own.start();
      }
    },
    async stop() {
      await triggers.settled();
      unsubscribe?.();
      await own?.stop();
    },
  };
}
