import type { ApiRoute } from '../route.js';
import { queueActionRoutes, type QueueActionDeps } from './queue-actions.js';
import { queueStatsRoute, type QueueStatsDeps } from './queue-stats.js';

export type QueueRoutesDeps = QueueActionDeps & QueueStatsDeps;

/** The queue: stats by site, and hold/release/retry/delete by id and in bulk (docs/api.md "Queue"). */
export function queueRoutes(deps: QueueRoutesDeps): ApiRoute[] {
  return [queueStatsRoute(deps), ...queueActionRoutes(deps)];
}
