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

type Change = { readonly contactId: number } & ({ readonly kind: 'joined'; readonly listId: number } | { readonly kind: 'attribute'; readonly name: string; readonly after: unknown });

/** Enrollments per commit when many changes come at once (an import into a list). */
const CHUNK = 1000;

/**
 * What starts runs: the contacts store's changes (ContactChangeSink, called
 * after its commit) and API events (POST /api/v1/events). Re-entry: one live
 * run per contact and flow (the store's unique index); a contact whose run
 * ended (completed or exited) starts a new one on the next trigger.
 *
 * Contact changes are gathered and enrolled together a moment later (after
 * the caller's turn of the event loop), in commits of up to 1,000: an import
 * of 100,000 contacts into a list with a welcome flow costs a hundred commits,
 * not 100,000. The sink call returns at once; a crash in that moment loses
 * the enrollments (the contact change itself is committed already).
 */
export class FlowTriggers implements ContactChangeSink {
  private pending: Change[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly deps: FlowTriggersDeps) {}

  joinedList(contact: Contact, listId: number): void {
    this.add({ kind: 'joined', contactId: contact.id, listId });
  }

  attributeChanged(contact: Contact, name: string, _before: unknown, after: unknown): void {
    this.add({ kind: 'attribute', contactId: contact.id, name, after });
  }

  /** Resolves once the changes handed over so far are enrolled (tests; a graceful stop). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** An API event for the contact with this address: how many runs it started; undefined when there is no such contact. */
  async event(name: string, address: string): Promise<number | undefined> {
    const contact = await this.deps.store.contactByAddress(address);
    if (!contact) return undefined;
    const flows = await this.deps.store.activeByTrigger('event');
    const pairs = flows.filter((f) => f.trigger.type === 'event' && f.trigger.name === name).map((f) => ({ flowId: f.id, contactId: contact.id }));
    const started = await this.deps.store.enrollMany(pairs, this.deps.clock.now());
    if (started > 0) this.deps.onEnrolled();
    return started;
  }

  private add(change: Change): void {
    this.pending.push(change);
    this.schedule();
  }

  private schedule(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.flush())
      .catch((err: unknown) => this.deps.logger.error({ err }, 'flows: enrolling after contact changes failed'))
      .finally(() => {
        this.flushing = undefined;
        // Changes handed over after the last chunk was taken.
        if (this.pending.length > 0) this.schedule();
      });
  }

  private async flush(): Promise<void> {
    let started = 0;
    while (this.pending.length > 0) {
      const changes = this.pending.splice(0, CHUNK);
      const joined = changes.some((c) => c.kind === 'joined') ? await this.deps.store.activeByTrigger('list-joined') : [];
      const changed = changes.some((c) => c.kind === 'attribute') ? await this.deps.store.activeByTrigger('attribute-changed') : [];
      const pairs = changes.flatMap((c) => starts(c, joined, changed).map((f) => ({ flowId: f.id, contactId: c.contactId })));
      started += await this.deps.store.enrollMany(pairs, this.deps.clock.now());
    }
    if (started > 0) this.deps.onEnrolled();
  }
}

function starts(c: Change, joined: readonly FlowRecord[], changed: readonly FlowRecord[]): readonly FlowRecord[] {
  if (c.kind === 'joined') return joined.filter((f) => f.trigger.type === 'list-joined' && f.trigger.list === c.listId);
  return changed.filter((f) => attributeTriggerMatches(f.trigger, c.name, c.after));
}
