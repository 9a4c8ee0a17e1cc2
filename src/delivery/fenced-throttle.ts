import type { Clock } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { DeliveryJob } from './job.js';
import type { Admission, Throttle } from './throttle/index.js';

/** While fenced, a queued job asks again this often. */
const FENCED_POLL_MS = 500;

/**
 * The throttle as the engine's dispatcher sees it in a cluster: while this
 * node's heartbeat is failing (OwnerLiveness.mayClaim false) no attempt
 * starts, not only no claim: the database is probably away, so its outcome
 * could not be recorded, and the other nodes may be about to declare this
 * node dead and take its recipients. When the heartbeat is good again
 * `lifted` runs once (the engine takes its queued jobs back and keeps those
 * whose leases are still its own: the others may have been taken over).
 */
export class FencedThrottle implements Throttle {
  private fenced = false;

  constructor(
    private readonly inner: Throttle,
    private readonly deps: { readonly mayClaim: () => boolean; readonly lifted: () => void; readonly clock: Clock; readonly logger: Logger },
  ) {}

  /** Whether attempts may start now; notices the fence going up and coming down ("lifted": just now). */
  check(): 'ok' | 'fenced' | 'lifted' {
    const ok = this.deps.mayClaim();
    if (!ok && !this.fenced) {
      this.fenced = true;
      this.deps.logger.warn('cluster: heartbeat failing, no new delivery attempts until it is back');
    } else if (ok && this.fenced) {
      this.fenced = false;
      this.deps.logger.info('cluster: heartbeat back, checking the leases of the queued jobs');
      this.deps.lifted();
      return 'lifted';
    }
    return ok ? 'ok' : 'fenced';
  }

  admit(job: DeliveryJob): Admission {
    // Lifted during this call: the job asking was taken back with the others (its lease is being checked), so it must not start.
    if (this.check() !== 'ok') return { kind: 'wait', until: this.deps.clock.now() + FENCED_POLL_MS };
    return this.inner.admit(job);
  }

  recipientsPerTransaction(job: DeliveryJob): number {
    return this.inner.recipientsPerTransaction(job);
  }

  sweep(): void {
    this.inner.sweep?.();
  }
}
