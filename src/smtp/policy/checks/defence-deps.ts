import type { AuthFailuresConfig, PregreetConfig, RateLimitsConfig } from '../../../config/index.js';
import type { AuthBlockedEvent } from '../../../events/index.js';
import type { Logger } from '../../../log/index.js';
import type { RateCounters } from '../rate-counters.js';

/** What the connection-stage defences (rate limits, pregreet, failed logins) are built from. */
export interface DefenceDeps {
  readonly rateLimits: RateLimitsConfig;
  readonly pregreet: PregreetConfig;
  readonly authFailures: AuthFailuresConfig;
  /** Shared by every listener of the node (a cluster backend later). */
  readonly counters: RateCounters;
  /** Waits `ms` (the pregreet pause, the failed-login tarpit); tests pass an instant one. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly onEvent: (event: AuthBlockedEvent) => void;
  readonly logger: Logger;
  /** Event times. */
  readonly now: () => number;
}

/** A timer-backed wait that does not keep the process alive on its own. */
export function timerSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
