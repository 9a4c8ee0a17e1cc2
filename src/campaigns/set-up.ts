import type { Singletons } from '../cluster/index.js';
import type { Config } from '../config/index.js';
import type { Clock } from '../core/index.js';
import type { EventBus } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { ApiSender } from '../api/send/api-sender.js';
import type { Stores } from '../stores/index.js';
import type { Suppressions } from '../suppression/index.js';
import type { PublicMount, UnsubscribeParts } from '../unsubscribe/index.js';
import { buildContacts, ContactsError, type Contacts } from './contacts/index.js';
import { buildFlows, type Flows } from './flows/index.js';
import { compileSegment, type SegmentFilter } from './segments/index.js';
import { buildCampaignSending, callerFrom, CampaignContactMailer, campaignParts, campaignTracking, trackingMount, type CampaignService } from './sending/index.js';
import { buildTemplates, type TemplatesPart } from './templates/index.js';
import type { ContactMailer } from './types.js';

export interface CampaignsDeps {
  readonly stores: Stores;
  readonly suppressions: Suppressions;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bus?: EventBus;
}

/** What the API routes of campaigns/ need (ApiDeps fields). */
export interface CampaignsApi {
  readonly templates: TemplatesPart;
  readonly contacts: Contacts;
  readonly flows: Flows;
  readonly campaigns: CampaignService;
}

export interface CampaignsSetUp {
  /** Public pages for the unsubscribe endpoint: confirmation links, the hosted form, tracking. */
  readonly mounts: readonly PublicMount[];
  /**
   * The second half, once the ApiSender and the unsubscribe parts exist (they
   * are built after the public mounts): templates, campaign sending, the flows'
   * mailer. Hands the projectors and runners to the singletons (call once,
   * before they start) and returns the API's part.
   */
  connect(o: { readonly apiSend: ApiSender; readonly unsubscribe: UnsubscribeParts | undefined; readonly singletons: Singletons }): CampaignsApi;
  stop(): Promise<void>;
}

/**
 * Campaigns on the relay's own pipeline (docs/campaigns.md), composed in one
 * place (DESIGN §2: main.ts holds no logic). The parts meet only here:
 * contacts tell flows when someone joins a list or changes (ContactChangeSink);
 * flows and campaigns send through one ContactMailer shape (render, compose,
 * ApiSender.sendPrepared with a send-log entry, so each contact or step is
 * queued exactly once); segments compile to SQL for whichever backend the
 * stores use.
 */
export function setUpCampaigns(config: Config, deps: CampaignsDeps): CampaignsSetUp {
  const { stores, clock, logger, bus } = deps;
  let apiSend: ApiSender | undefined;
  // Flows are built before the contacts so the contacts' changes start runs; their mailer exists once connect() ran.
  let flowMailer: ContactMailer | undefined;
  const flows = buildFlows({
    store: stores.flows,
    mailer: { send: async (req) => (flowMailer ? flowMailer.send(req) : { kind: 'refused', reason: 'campaign sending is not connected yet', temporary: true }) },
    matches: (filter, contactId) => stores.flows.inSegment(contactId, compileSegment(filter as SegmentFilter, stores.flows.dialect, clock.now())),
    // Through the contacts service, so its change sink hears of it; a contact deleted meanwhile ends the run, other errors retry the step.
    setAttribute: (contact, name, value) =>
      contactsPart.contacts.patch(contact.id, { [name]: value }).catch((err: unknown) => (err instanceof ContactsError && err.code === 'not-found' ? undefined : Promise.reject(err))),
    suppressions: stores.suppressions,
    config: config.campaigns.flows,
    clock,
    logger,
    ...(bus ? { bus } : {}),
  });
  const contactsPart = buildContacts(config, {
    store: stores.contacts, suppressions: deps.suppressions, apiKeys: stores.apiKeys, apiSend: () => apiSend, events: stores.events, clock, logger, sink: flows.triggers,
    ...(bus ? { bus } : {}),
  });
  // Open and click tracking (off by default): two more public routes on the same server.
  const tracking = campaignTracking(config);
  const trackingMounts = tracking
    ? [
        trackingMount(tracking, {
          store: stores.campaigns,
          recordActivity: async (id, event, at) => {
            const c = await stores.contacts.get(id);
            if (c) await stores.contacts.recordActivity(c.address, event, at);
          },
          now: () => clock.now(),
          onError: (err) => logger.error({ err }, 'counting a tracking hit failed'),
        }),
      ]
    : [];

  return {
    mounts: [...contactsPart.mounts, ...trackingMounts],
    connect(o) {
      apiSend = o.apiSend;
      // One renderer (one cache of parsed templates) for the API's previews, campaigns and flows.
      const templates = buildTemplates(config, o.unsubscribe);
      const dialect = config.queue.url ? 'postgres' : 'sqlite';
      const parts = campaignParts({ stores, templates, dialect });
      const campaigns = buildCampaignSending({
        config, store: stores.campaigns, events: stores.events, apiKeys: stores.apiKeys, apiSend: o.apiSend, clock, logger, singletons: o.singletons, ...parts,
        ...(bus ? { bus } : {}),
        ...(tracking ? { tracking } : {}),
      });
      // Flow mail: the same mailer as the flow's API key; no tracking (its counts are per campaign).
      flowMailer = new CampaignContactMailer({
        render: parts.render,
        ...(parts.unsubscribeUrl ? { unsubscribeUrl: parts.unsubscribeUrl } : {}),
        sender: o.apiSend,
        callerFor: callerFrom(stores.apiKeys),
        hostname: config.hostname,
        clock,
      });
      o.singletons.run('contact-activity-projector', () => contactsPart.projector);
      campaigns.start();
      flows.start(o.singletons);
      return { templates, contacts: contactsPart.contacts, flows, campaigns: campaigns.service };
    },
    stop: () => flows.stop(),
  };
}
