import type { Singletons } from '../cluster/index.js';
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
  deps: {
    readonly store: WebhookStore;
    readonly events: EventStore;
    readonly clock: Clock;
    readonly random: Random;
    readonly logger: Logger;
    readonly record: (event: BatonEvent) => Promise<void>;
    /** A cluster: the deliverer runs only on the node holding leader lease "webhook-deliverer" (one POST per event and endpoint). */
    readonly singletons?: Singletons;
  },
): Webhooks {
  const post = httpPoster({ connectTimeoutMs: config.webhooks.connectTimeout, timeoutMs: config.webhooks.timeout, maxConnections: config.webhooks.maxConnections });
  const admin = new WebhookAdmin(deps);
  const make = () => new WebhookDeliverer({ ...deps, post, config: config.webhooks });
  const deliverer = deps.singletons ? undefined : make();
  return {
    admin,
    post,
    lag: () => admin.lag(),
    start: (bus) => {
      if (deliverer) return deliverer.start(bus);
      // A deliverer cannot start again once stopped: a new one each time the lease is won.
      deps.singletons?.run('webhook-deliverer', () => {
        const d = make();
        return { start: () => d.start(bus), stop: () => d.stop() };
      });
    },
    async stop() {
      // With singletons, the leader loops stop the deliverer (before this is called: main.ts).
      await deliverer?.stop();
      post.close();
    },
  };
}
