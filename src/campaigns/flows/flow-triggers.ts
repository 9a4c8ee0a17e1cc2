import type { Clock } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { Contact, ContactChangeSink } from '../types.js';
import { attributeTriggerMatches } from './flow-definition.js';
import type { FlowRecord, FlowStore } from './flow-store.js';

export interface FlowTriggersDeps {
  readonly store: FlowStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs were enrolled: the runner should look now (on this node; a cluster's leader finds them at its next tick). */
  readonly onEnrolled: () => void;
}

/**
 * What starts runs: the contacts store's changes (ContactChangeSink, called
 * after its commit) and API events (POST /api/v1/events). Re-entry: one live
 * run per contact and flow (the store's unique index); a contact whose run
 * ended (completed or exited) starts a new one on the next trigger.
 */
export class FlowTriggers implements ContactChangeSink {
  constructor(private readonly deps: FlowTriggersDeps) {}

  async joinedList(contact: Contact, listId: number): Promise<void> {
    await this.safely(async () => {
      const flows = await this.deps.store.activeByTrigger('list-joined');
      await this.enroll(flows.filter((f) => f.trigger.type === 'list-joined' && f.trigger.list === listId), contact.id);
    });
  }

  async attributeChanged(contact: Contact, name: string, _before: unknown, after: unknown): Promise<void> {
    await this.safely(async () => {
      const flows = await this.deps.store.activeByTrigger('attribute-changed');
      await this.enroll(flows.filter((f) => attributeTriggerMatches(f.trigger, name, after)), contact.id);
    });
  }

  /** An API event for the contact with this address: how many runs it started; undefined when there is no such contact. */
  async event(name: string, address: string): Promise<number | undefined> {
    const contact = await this.deps.store.contactByAddress(address);
    if (!contact) return undefined;
    const flows = await this.deps.store.activeByTrigger('event');
    return this.enroll(flows.filter((f) => f.trigger.type === 'event' && f.trigger.name === name), contact.id);
  }

  private async enroll(flows: readonly FlowRecord[], contactId: number): Promise<number> {
    let started = 0;
    for (const f of flows) if (await this.deps.store.enroll(f.id, contactId, this.deps.clock.now())) started++;
    if (started > 0) this.deps.onEnrolled();
    return started;
  }

  /** The contacts store has committed its change already: a failure here is logged, not its caller's. */
  private async safely(fn: () => Promise<void>): Promise<void> {
    await fn().catch((err: unknown) => this.deps.logger.error({ err }, 'flows: enrolling after a contact change failed'));
  }
}
