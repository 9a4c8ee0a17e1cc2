/**
 * Start rates shared by several nodes (DESIGN §9 Throttle, "cluster-wide when
 * the store is shared"): the shaper asks before every start that a rated
 * scope (site, provider, domain rule) allows, after its own token bucket.
 * Synchronous, as `Throttle.admit` is: an implementation answers from tokens
 * it fetched ahead and fetches more in the background (cluster/cluster-rates.ts).
 */
export interface SharedRates {
  /** `true`: a start at `rate` per second for `key` may go now (then call `take`); else when to ask again. */
  check(key: string, rate: number, now: number): true | number;
  /** Use one token of `key` (after every rated scope of the job said true). */
  take(key: string): void;
  /** Forget keys at rest (from the shaper's sweep). */
  sweep?(now: number): void;
}
