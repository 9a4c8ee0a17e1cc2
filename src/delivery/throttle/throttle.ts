import type { EgressSource } from '../egress/egress-source.js';
import type { DeliveryJob, RecipientVerdict } from '../job.js';
import type { Outcome } from '../outcome.js';

/** Permission for one attempt; give it back with what the attempt found. */
export interface ThrottleSlot {
  /** Transactions per connection for this destination, when a shaping rule sets it. */
  readonly messagesPerConnection?: number;
  /** The egress source this attempt sends from (delivery/egress/); absent: the host's default address. */
  readonly egress?: EgressSource;
  done(verdicts: readonly RecipientVerdict[]): void;
}

export type Admission =
  | { readonly kind: 'go'; readonly slot: ThrottleSlot }
  /**
   * Not now. `until`: ask again then (a rate limit); absent: when a slot is
   * given back. `global`: only the global connection limit holds it back, so
   * no other site can go either.
   */
  | { readonly kind: 'wait'; readonly until?: number; readonly global?: boolean }
  /** Do not attempt: record `outcome` for every recipient, next attempt not before `until` (a site in back-off, a paused provider). */
  | { readonly kind: 'defer'; readonly outcome: Outcome; readonly until: number };

/**
 * The delivery throttle (DESIGN §9 Throttle): admits an attempt for a job's
 * site, provider and domain, or says when to ask again, and learns from each
 * attempt's outcome. The engine asks before every attempt and knows nothing
 * of the limits behind the answer: connection counts, rates, back-off.
 */
export interface Throttle {
  admit(job: DeliveryJob): Admission;
  /** Most recipients one transaction of this job's destination may carry (the engine splits a larger job). */
  recipientsPerTransaction(job: DeliveryJob): number;
  /** Forget state at rest (called from the engine's claim loop). */
  sweep?(): void;
}
