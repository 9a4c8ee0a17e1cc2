import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { EventBus } from '../../events/index.js';
import type { Logger } from '../../log/index.js';
import type { Stores } from '../../stores/index.js';
import type { ApiKeys } from '../keys/index.js';
import type { ApiRoute } from '../route.js';
import { keyRoutes } from './keys.js';
import { metaRoutes } from './meta.js';
import { messagesSendRoutes } from './messages-send.js';
import type { ApiSender } from '../send/index.js';

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
  /** Sending over HTTP (api/send): absent on a node without intake. */
  readonly apiSend?: ApiSender;
}

/** Every route of the API: one line per group. */
export function apiRoutes(deps: ApiDeps): ApiRoute[] {
  const routes: ApiRoute[] = [];
  routes.push(
    ...metaRoutes({ allRoutes: () => routes }),
    ...keyRoutes(deps),
    ...messagesSendRoutes(deps),
  );
  return routes;
}
