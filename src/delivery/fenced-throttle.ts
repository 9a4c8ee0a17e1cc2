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
 * `lifted` runs once (the engine hands its queued jobs back to the queue:
 * their leases may have been taken over meanwhile).
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
      this.deps.logger.info('cluster: heartbeat back, queued jobs handed back to the queue');
      this.deps.lifted();
      return 'lifted';
    }
    return ok ? 'ok' : 'fenced';
  }

  admit(job: DeliveryJob): Admission {
    // Lifted during this call: the job asking was handed back with the others, so it must not start.
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
