import type { ApiRoute } from '../route.js';
import type { ApiDeps } from './index.js';
import { dkimKeyRoutes } from './dkim-keys.js';
import { domainRoutes } from './domains.js';
import { messagesReadRoutes } from './messages-read.js';
import { messageHeadersRoute } from './message-headers.js';
import { queueRoutes } from './queue.js';
import { suppressionRoutes } from './suppressions.js';

/**
 * Messages (read, search), queue (stats, actions), suppressions, domains: their deps
 * as getters over ApiDeps, read only when a handler runs (route factories are
 * also called with empty deps, to list the routes for the OpenAPI document).
 */
export function readRoutes(deps: ApiDeps): ApiRoute[] {
  const d = deps;
  // One set of getters serves every group (each takes the part its deps interface names).
  const lazy = {
    get queue() {
      return d.stores.queue;
    },
    get events() {
      return d.stores.events;
    },
    get index() {
      return d.stores.messageIndex;
    },
    get dkimKeys() {
      return d.stores.dkimKeys;
    },
    get clock() {
      return d.clock;
    },
    get config() {
      return d.config;
    },
    get siteOf() {
      return d.siteOf;
    },
    get suppressions() {
      if (!d.suppressions) throw new Error('readRoutes: ApiDeps.suppressions is not set (main.ts passes the Suppressions service)');
      return d.suppressions;
    },
  };
  return [...messagesReadRoutes(lazy), messageHeadersRoute(lazy), ...queueRoutes(lazy), ...suppressionRoutes(lazy), ...domainRoutes(lazy), ...dkimKeyRoutes(lazy)];
}
