import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { EventBus } from '../../events/index.js';
import type { Logger } from '../../log/index.js';
import type { Stores } from '../../stores/index.js';
import type { ApiKeys } from '../keys/index.js';
import type { ApiRoute } from '../route.js';
import { keyRoutes } from './keys.js';
import type { BatonMetrics } from '../../metrics/index.js';
import { healthRoutes, type HealthDeps } from './health.js';
import { metricsRoutes } from './metrics.js';
import { metaRoutes } from './meta.js';

/**
 * What route groups may use. Each group adds the fields it needs here (one
 * line each, optional where a node may lack the part). Route factories must
 * not touch deps when called, only in handlers: the OpenAPI test lists the
 * routes with empty deps.
 */
export interface ApiDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stores: Stores;
  readonly apiKeys: ApiKeys;
  readonly bus?: EventBus;
  /** Prometheus metrics (GET /metrics). */
  readonly metrics?: BatonMetrics;
  /** What GET /readyz checks. */
  readonly readiness?: HealthDeps;
}

/** Every route of the API: one line per group. */
export function apiRoutes(deps: ApiDeps): ApiRoute[] {
  const routes: ApiRoute[] = [];
  routes.push(
    ...metaRoutes({ allRoutes: () => routes }),
    ...keyRoutes(deps),
    ...healthRoutes(deps),
    ...metricsRoutes(deps),
  );
  return routes;
}
