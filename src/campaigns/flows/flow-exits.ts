import type { Clock } from '../../core/index.js';
import type { BatonEvent, EventBus } from '../../events/index.js';
import type { Logger } from '../../log/index.js';
import { domainAndParents } from '../../suppression/index.js';
import type { ContactStatus } from '../types.js';
import { allSteps, domainOfFrom } from './flow-definition.js';
import type { FlowRecord, FlowStore } from './flow-store.js';

/** A suppression's reason as the contact status it makes (the words a run's exit reason uses). */
export function statusOfReason(reason: string | undefined): ContactStatus {
  if (reason === 'hard-bounce') return 'bounced';
  if (reason === 'complaint') return 'complained';
  return 'unsubscribed';
}

/** Whether a suppression scoped to `domain` stops any send of the flow (an entry applies to its domain and subdomains). */
export function flowSendsFrom(flow: FlowRecord, domain: string): boolean {
  for (const { step } of allSteps(flow.steps)) {
    if (step.type !== 'send') continue;
    const from = domainOfFrom(step.from);
    if (from !== undefined && domainAndParents(from).includes(domain.toLowerCase())) return true;
  }
  return false;
}

export interface FlowExitsDeps {
  readonly store: FlowStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Ends runs the moment their contact is suppressed (an unsubscribe, a hard
 * bounce, a complaint) by listening to the events committed in this
 * process: the store update makes the runner's next `advance` fail, so no
 * further step fires. Changes committed on another node are caught by the
 * check the runner makes before every step.
 */
export function exitOnSuppression(bus: EventBus, deps: FlowExitsDeps): () => void {
  const exitRuns = async (address: string, reason: ContactStatus, domain: string | undefined) => {
    for (const run of await deps.store.liveRunsOf(address)) {
      if (domain !== undefined) {
        const flow = await deps.store.get(run.flowId);
        if (!flow || !flowSendsFrom(flow, domain)) continue;
      }
      if (await deps.store.exit(run.id, reason, deps.clock.now())) deps.logger.info({ flow: run.flowId, run: run.id, contact: run.contactId, reason }, 'flows: run exited');
    }
  };
  const onEvent = (event: BatonEvent) => {
    const work =
      event.type === 'suppression-added'
        ? exitRuns(event.address, statusOfReason(event.reason), event.domain)
        : event.type === 'complained' && event.recipient !== undefined
          ? exitRuns(event.recipient, 'complained', undefined)
          : undefined;
    void work?.catch((err: unknown) => deps.logger.error({ err, event: event.type }, 'flows: exiting runs after a suppression failed'));
  };
  return bus.subscribe(['suppression-added', 'complained'], onEvent);
}
