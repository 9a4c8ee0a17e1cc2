import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { EventBus } from '../../events/index.js';
import type { Logger } from '../../log/index.js';
import type { Stores } from '../../stores/index.js';
import type { Suppressions } from '../../suppression/index.js';
import type { ApiKeys } from '../keys/index.js';
import type { ApiRoute } from '../route.js';
import type { SessionAuthenticator } from '../auth.js';
import { keyRoutes } from './keys.js';
import type { BatonMetrics } from '../../metrics/index.js';
import { healthRoutes, type HealthDeps } from './health.js';
import { metricsRoutes } from './metrics.js';
import { metaRoutes } from './meta.js';
import type { SiteOf } from './queue-sites.js';
import { readRoutes } from './read-routes.js';
import { webhookRoutes } from './webhooks.js';
import type { Webhooks } from '../../webhooks/index.js';
import { messagesSendRoutes } from './messages-send.js';
import { userRoutes } from './users.js';
import { statsRoutes } from './stats.js';
import type { ApiSender } from '../send/index.js';
import type { AdminSessions } from '../admins/index.js';
import type { AuthFailureLimiter } from '../rate-limits.js';
import { sessionRoutes } from './session.js';
import type { Flows } from '../../campaigns/flows/index.js';
import { flowRoutes } from './flows.js';
import { eventTriggerRoutes } from './events-trigger.js';
import { campaignRoutes } from './campaigns.js';
import type { CampaignService } from '../../campaigns/sending/index.js';
import { segmentRoutes } from './segments.js';
import { templateRoutes } from './templates.js';
import type { TemplatesPart } from '../../campaigns/templates/index.js';
import { contactRoutes, type Contacts } from '../../campaigns/contacts/index.js';
import { ApiProblem } from '../problem.js';

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
  /** The Suppressions service (suppression routes: its events are written). */
  readonly suppressions?: Suppressions;
  /** Groups queue stats by delivery site (queue-sites.ts); absent: per domain. */
  readonly siteOf?: SiteOf;
  /** Webhook delivery and its admin (routes/webhooks.ts). */
  readonly webhooks?: Webhooks;
  /** Sending over HTTP (api/send): absent on a node without intake. */
  readonly apiSend?: ApiSender;
  /** Prometheus metrics (GET /metrics). */
  readonly metrics?: BatonMetrics;
  /** What GET /readyz checks. */
  readonly readiness?: HealthDeps;
  /** Dashboard logins: admin sessions as a second way in beside API keys (api/sessions). */
  readonly sessions?: SessionAuthenticator;
  /** Dashboard logins and logouts (routes/session.ts), the same object as `sessions`. */
  readonly admins?: AdminSessions;
  /** The per-IP failed-authentication limiter shared by API keys and dashboard logins. */
  readonly authFailureLimiter?: AuthFailureLimiter;
  /** Automation flows (campaigns/flows): absent on a node without them. */
  readonly flows?: Flows;
  /** Campaigns (campaigns/sending): definitions, state changes, progress and stats. */
  readonly campaigns?: CampaignService;
  /** The template renderer and unsubscribe URLs (campaigns/templates/); absent: the template routes make their own from config. */
  readonly templates?: TemplatesPart;
  /** Contacts and lists (campaigns/contacts): absent on a node built without them (tests). */
  readonly contacts?: Contacts;
}

/** Every route of the API: one line per group. */
export function apiRoutes(deps: ApiDeps): ApiRoute[] {
  const routes: ApiRoute[] = [];
  routes.push(
    ...metaRoutes({ allRoutes: () => routes }),
    ...keyRoutes(deps),
    ...readRoutes(deps),
    ...webhookRoutes(deps),
    ...messagesSendRoutes(deps),
    ...healthRoutes(deps),
    ...metricsRoutes(deps),
    ...userRoutes(deps),
    ...statsRoutes({
      // Getters: read when a handler runs (the OpenAPI test lists routes with empty deps).
      get traffic() {
        return deps.stores.traffic;
      },
      get clock() {
        return deps.clock;
      },
      get webhooks() {
        return deps.webhooks;
      },
    }),
    ...sessionRoutes(deps),
    ...flowRoutes(deps),
    ...eventTriggerRoutes(deps),
    ...campaignRoutes(deps),
    ...segmentRoutes(deps),
    ...templateRoutes(deps),
    ...contactRoutes(() => {
      if (!deps.contacts) throw new ApiProblem('temporary-failure', 'contacts are not available on this node');
      return deps.contacts;
    }),
  );
  return routes;
}
