import type { Clock } from '../core/index.js';
import { OutboxProjector, type EventBus, type EventStore } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { rollUp } from './rollup.js';
import { TrafficCursorMoved, type TrafficStore } from './traffic-store.js';

/** Minutes are kept this long: the week chart and a day more (a few hundred KiB at most). */
export const TRAFFIC_KEEP_MS = 8 * 86_400_000;

export interface TrafficProjectorOptions {
  readonly events: Pick<EventStore, 'readEvents'>;
  readonly traffic: TrafficStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Wakes the projector when events commit in this process; absent: polling only. */
  readonly bus?: EventBus;
  readonly batch?: number;
  readonly pollMs?: number;
  readonly gatherMs?: number;
}

/**
 * Counts the events outbox into the traffic rollup by cursor (rollup.ts
 * says what counts), exactly once across kill -9 (OutboxProjector). The
 * rollup outlives `events.retention` when that is shorter than a week: the
 * minutes are pruned on their own clock (TRAFFIC_KEEP_MS).
 */
export class TrafficProjector {
  private readonly projector: OutboxProjector;

  constructor(o: TrafficProjectorOptions) {
    const { traffic } = o;
    this.projector = new OutboxProjector({
      name: 'the traffic rollup',
      events: o.events,
      logger: o.logger,
      ...(o.bus ? { bus: o.bus } : {}),
      ...(o.batch !== undefined ? { batch: o.batch } : {}),
      ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
      ...(o.gatherMs !== undefined ? { gatherMs: o.gatherMs } : {}),
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

  start(): void {
    this.projector.start();
  }

  /** Count whatever is there now. Resolves when the rollup has caught up. */
  catchUp(): Promise<void> {
    return this.projector.catchUp();
  }

  stop(): Promise<void> {
    return this.projector.stop();
  }
}
