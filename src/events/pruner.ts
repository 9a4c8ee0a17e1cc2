import type { Clock } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { EventStore } from './event-store.js';

/** How often old events are pruned. */
const EVERY_MS = 3_600_000;

/**
 * Deletes events older than `events.retention`, at start and then hourly, so
 * the outbox does not grow without bound. Consumers that must not miss an
 * event read it well within the retention.
 */
export class EventPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: { readonly store: EventStore; readonly retentionMs: number; readonly clock: Clock; readonly logger: Logger }) {}

  start(): void {
    this.running = this.prune();
    this.timer = setInterval(() => {
      this.running = this.prune();
    }, EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async prune(): Promise<void> {
    try {
      const gone = await this.deps.store.prune(this.deps.clock.now() - this.deps.retentionMs);
      if (gone > 0) this.deps.logger.info({ events: gone }, 'pruned old events');
    } catch (err) {
      this.deps.logger.error({ err }, 'pruning old events failed');
    }
  }
}
