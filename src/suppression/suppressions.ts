import type { Clock } from '../core/index.js';
import type { EventStore, SuppressionChangeEvent } from '../events/index.js';
import { suppressionKey, type NewSuppression, type SuppressionStore } from './suppression-store.js';

/**
 * The one way anything adds to or removes from the suppression list: the
 * store change, then one `suppression-added` / `suppression-removed` event
 * per address, so webhooks and timelines see every feed (bounces, complaints,
 * unsubscribes, the CLI). The store and the events outbox are separate
 * concerns, so the two writes are two commits: an event can be lost to a
 * crash between them, a suppression cannot.
 */
export class Suppressions {
  constructor(
    readonly store: SuppressionStore,
    private readonly events: Pick<EventStore, 'append'>,
    private readonly clock: Clock,
  ) {}

  /** Add or replace entries (createdAt defaults to now); returns how many were written. */
  async add(entries: readonly (Omit<NewSuppression, 'createdAt'> & { readonly createdAt?: number })[]): Promise<number> {
    if (entries.length === 0) return 0;
    const now = this.clock.now();
    const full: NewSuppression[] = entries.map((e) => ({ ...e, createdAt: e.createdAt ?? now }));
    const written = await this.store.add(full);
    await this.events.append(
      full.map(
        (e): SuppressionChangeEvent => ({
          type: 'suppression-added',
          at: now,
          address: suppressionKey(e.address),
          reason: e.reason,
          ...(e.domain ? { domain: e.domain.toLowerCase() } : {}),
          ...(e.source ? { source: e.source } : {}),
        }),
      ),
    );
    return written;
  }

  /** Remove one scope's entry (absent: global), or every scope's; returns how many went. */
  async remove(address: string, opts: { readonly domain?: string; readonly allScopes?: boolean; readonly source?: string } = {}): Promise<number> {
    const removed = await this.store.remove(address, opts);
    if (removed > 0) {
      await this.events.append([
        {
          type: 'suppression-removed',
          at: this.clock.now(),
          address: suppressionKey(address),
          ...(opts.domain && !opts.allScopes ? { domain: opts.domain.toLowerCase() } : {}),
          ...(opts.source ? { source: opts.source } : {}),
        },
      ]);
    }
    return removed;
  }
}
