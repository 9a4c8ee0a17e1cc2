import type { Config } from '../../config/index.js';
import { systemRandom, type Clock, type Random } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { Stores } from '../../stores/index.js';
import { mergeProviders, type Throttle } from '../throttle/index.js';
import { WarmupAllowances } from './allowances.js';
import { EgressThrottle } from './egress-throttle.js';
import { EgressPools } from './pools.js';

export interface EgressDeps {
  readonly config: Config;
  readonly stores: Stores;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Weighted choice of a source; default Math.random. */
  readonly random?: Random;
}

/**
 * Egress sources, pools and warm-up (config `egress`): a wrapper around the
 * shaping throttle that picks each attempt's source; undefined when the
 * config names no pools (every attempt uses the host's default address).
 */
export function setUpEgress(deps: EgressDeps): ((shaper: Throttle) => Throttle) | undefined {
  const { config, clock, logger } = deps;
  if (config.egress.pools.length === 0) return undefined;
  const pools = new EgressPools(config.egress);
  const allowances = new WarmupAllowances({ counters: deps.stores.warmup, clock, logger });
  const providers = mergeProviders(config.shaping.providers);
  logger.info({ sources: config.egress.sources.map((s) => s.name), pools: config.egress.pools.map((p) => p.name) }, 'egress: pools and sources');
  return (shaper) => new EgressThrottle(shaper, { pools, allowances, providers, clock, random: deps.random ?? systemRandom, logger });
}
