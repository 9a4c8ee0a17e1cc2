import type { Singletons } from '../../cluster/index.js';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { EventBus, EventStore } from '../../events/index.js';
import type { Logger } from '../../log/index.js';
import type { ApiCaller } from '../../api/route.js';
import type { ApiSender } from '../../api/send/api-sender.js';
import type { ApiKeyStore } from '../../api/keys/index.js';
import type { SegmentSql } from '../types.js';
import { CampaignRunner } from './campaign-runner.js';
import { CampaignService } from './campaign-service.js';
import type { CampaignStore } from './campaign-store.js';
import { CampaignContactMailer, type CampaignRenderer } from './contact-mailer.js';
import { CampaignStatsProjector } from './stats-projector.js';
import { CampaignTracking } from './tracking.js';

export interface CampaignSendingDeps {
  readonly config: Pick<Config, 'campaigns' | 'hostname' | 'egress'>;
  readonly store: CampaignStore;
  readonly events: Pick<EventStore, 'readEvents'>;
  readonly apiKeys: Pick<ApiKeyStore, 'byName'>;
  /** Absent on a node without intake: the service answers, nothing is sent from here. */
  readonly apiSend?: Pick<ApiSender, 'sendPrepared'>;
  readonly render: CampaignRenderer;
  readonly audienceOf: (segmentId: number, now: number) => Promise<SegmentSql | undefined>;
  readonly unsubscribeUrl?: (address: string, domain: string) => string;
  /** Open and click tracking (campaignTracking), when configured on. */
  readonly tracking?: CampaignTracking;
  readonly templateExists?: (id: number) => Promise<boolean>;
  readonly segmentExists?: (id: number) => Promise<boolean>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bus?: EventBus;
  /** The runner and the stats projector run where their leader lease is held (cluster/leader-loops.ts). */
  readonly singletons: Singletons;
}

export interface CampaignSending {
  readonly service: CampaignService;
  /** Hands the runner and the stats projector to the singletons (call once, before they start). */
  start(): void;
}

/** A key's identity for sendPrepared, looked up per message: a revoked key stops its campaigns (and flows) at once. */
export function callerFrom(keys: Pick<ApiKeyStore, 'byName'>) {
  return async (name: string): Promise<ApiCaller | undefined> => {
    const k = await keys.byName(name);
    if (!k || k.revokedAt !== undefined) return undefined;
    return { keyId: k.id, name: k.name, scopes: k.scopes, domains: k.domains };
  };
}

/** Campaign sending (docs/campaigns.md): the service for the API and CLI, the runner and the stats projector for main. */
export function buildCampaignSending(deps: CampaignSendingDeps): CampaignSending {
  const { store, clock, logger } = deps;
  const cfg = deps.config.campaigns.sending;
  const pools = deps.config.egress?.pools ?? {};
  let runner: CampaignRunner | undefined;
  const service = new CampaignService({
    store,
    clock,
    poolExists: (name) => Object.hasOwn(pools, name),
    ...(deps.templateExists ? { templateExists: deps.templateExists } : {}),
    ...(deps.segmentExists ? { segmentExists: deps.segmentExists } : {}),
    onChange: () => runner?.wake(),
  });
  return {
    service,
    start() {
      const apiSend = deps.apiSend;
      if (apiSend) {
        const mailer = new CampaignContactMailer({
          render: deps.render,
          sender: apiSend,
          callerFor: callerFrom(deps.apiKeys),
          hostname: deps.config.hostname,
          clock,
          ...(deps.unsubscribeUrl ? { unsubscribeUrl: deps.unsubscribeUrl } : {}),
          ...(deps.tracking ? { tracking: deps.tracking } : {}),
        });
        const make = () =>
          (runner = new CampaignRunner({
            store,
            mailer,
            audienceOf: deps.audienceOf,
            clock,
            logger,
            concurrency: cfg.concurrency,
            backoffMs: cfg.backoff,
            sleep: (ms, signal) => sleepFor(ms, signal),
          }));
        deps.singletons.run('campaign-runner', make);
      }
      const projector = new CampaignStatsProjector({ store, events: deps.events, logger, ...(deps.bus ? { bus: deps.bus } : {}) });
      deps.singletons.run('campaign-stats-projector', () => projector);
    },
  };
}

function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The tracker when `campaigns.sending.tracking` turns opens or clicks on and
 * the public links server exists (`unsubscribe`: its base URL and first secret).
 */
export function campaignTracking(config: Pick<Config, 'campaigns' | 'unsubscribe'>): CampaignTracking | undefined {
  const t = config.campaigns.sending.tracking;
  const u = config.unsubscribe;
  const secret = u?.secrets[0]?.secret;
  if (!(t.opens || t.clicks) || !u || secret === undefined) return undefined;
  return new CampaignTracking({ opens: t.opens, clicks: t.clicks, baseUrl: u.baseUrl, secret });
}
