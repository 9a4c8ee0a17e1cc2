import type { Clock } from '../core/index.js';
import { OutboxProjector, outboxFeed, type OutboxFeedOptions } from '../events/index.js';
import { rollUp } from './rollup.js';
import { TrafficCursorMoved, type TrafficStore } from './traffic-store.js';

/** Minutes are kept this long: the week chart and a day more (a few hundred KiB at most). */
export const TRAFFIC_KEEP_MS = 8 * 86_400_000;

export interface TrafficProjectorOptions extends OutboxFeedOptions {
  readonly traffic: TrafficStore;
  readonly clock: Clock;
}

/**
 * Counts the events outbox into the traffic rollup by cursor (rollup.ts
 * says what counts), exactly once across kill -9 (OutboxProjector). The
 * rollup outlives `events.retention` when that is shorter than a week: the
 * minutes are pruned on their own clock (TRAFFIC_KEEP_MS).
 */
export class TrafficProjector extends OutboxProjector {
  constructor(o: TrafficProjectorOptions) {
    const { traffic } = o;
    super({
      name: 'the traffic rollup',
      ...outboxFeed(o),
      target: {
        cursor: () => traffic.cursor(),
        apply: (from, to, events) => traffic.apply(from, to, rollUp(events)),
        movedTo: (err) => (err instanceof TrafficCursorMoved ? err.found : undefined),
      },
      maintenance: {
        everyMs: 3_600_000,
        run: async () => {
          await traffic.prune(o.clock.now() - TRAFFIC_KEEP_MS);
        },
      },
    });
  }
}
