import type { ApiRoute } from '../route.js';
import type { ApiDeps } from './index.js';
import { domainRoutes } from './domains.js';
import { messagesReadRoutes } from './messages-read.js';
import { queueRoutes } from './queue.js';
import { suppressionRoutes } from './suppressions.js';

/**
 * Messages (read, search), queue (stats, actions), suppressions, domains: their deps
 * as getters over ApiDeps, read only when a handler runs (route factories are
 * also called with empty deps, to list the routes for the OpenAPI document).
 */
export function readRoutes(deps: ApiDeps): ApiRoute[] {
  const d = deps;
  return [
    ...messagesReadRoutes({
      get queue() {
        return d.stores.queue;
      },
      get events() {
        return d.stores.events;
      },
      get index() {
        return d.stores.messageIndex;
      },
    }),
    ...queueRoutes({
      get queue() {
        return d.stores.queue;
      },
      get events() {
        return d.stores.events;
      },
      get index() {
        return d.stores.messageIndex;
      },
      get clock() {
        return d.clock;
      },
      get siteOf() {
        return d.siteOf;
      },
    }),
    ...suppressionRoutes({
      get suppressions() {
        if (!d.suppressions) throw new Error('readRoutes: ApiDeps.suppressions is not set (main.ts passes the Suppressions service)');
        return d.suppressions;
      },
    }),
    ...domainRoutes({
      get config() {
        return d.config;
      },
      get dkimKeys() {
        return d.stores.dkimKeys;
      },
      get clock() {
        return d.clock;
      },
    }),
  ];
}
