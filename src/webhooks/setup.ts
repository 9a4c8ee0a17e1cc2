import type { Config } from '../config/index.js';
import type { Clock, Random } from '../core/index.js';
import type { BatonEvent, EventBus, EventStore } from '../events/index.js';
import type { Logger } from '../log/index.js';
import { WebhookAdmin, type WebhookLag } from './admin.js';
import { WebhookDeliverer } from './deliverer.js';
import { httpPoster, type Poster } from './http-post.js';
import type { WebhookStore } from './webhook-store.js';

/** The webhooks of a running node: the admin (API routes), the lag (metrics), start and stop (main.ts). */
export interface Webhooks {
  readonly admin: WebhookAdmin;
  /** POSTs with the node's limits (`baton webhook test`, the API's test). */
  readonly post: Poster;
  lag(): Promise<WebhookLag[]>;
  start(bus: EventBus): void;
  stop(): Promise<void>;
}

export function setUpWebhooks(
  config: Pick<Config, 'webhooks'>,
  deps: { readonly store: WebhookStore; readonly events: EventStore; readonly clock: Clock; readonly random: Random; readonly logger: Logger; readonly record: (event: BatonEvent) => Promise<void> },
): Webhooks {
  const post = httpPoster({ connectTimeoutMs: config.webhooks.connectTimeout, timeoutMs: config.webhooks.timeout, maxConnections: config.webhooks.maxConnections });
  const admin = new WebhookAdmin(deps);
  const deliverer = new WebhookDeliverer({ ...deps, post, config: config.webhooks });
  return {
    admin,
    post,
    lag: () => admin.lag(),
    start: (bus) => deliverer.start(bus),
    async stop() {
      await deliverer.stop();
      post.close();
    },
  };
}
