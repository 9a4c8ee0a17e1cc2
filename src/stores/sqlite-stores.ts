import { openSqliteApiKeyStore } from '../api/keys/index.js';
import type { Config } from '../config/index.js';
import { openSqliteIdempotencyStore } from '../api/idempotency/index.js';
import { systemClock } from '../core/index.js';
import { openSqliteGreylistStore } from '../greylist/index.js';
import { openSqliteMessageIndex } from '../message-index/index.js';
import { openSqliteDkimKeyStore } from '../mailauth/index.js';
import { openSqliteQueueStore } from '../queue/index.js';
import { openSqliteSendingCounters } from '../quotas/index.js';
import { openSqliteSuppressionStore } from '../suppression/index.js';
import { openSqliteTrafficStore } from '../traffic/index.js';
import { openSqliteUserStore } from '../users/index.js';
import { openSqliteWebhookStore } from '../webhooks/index.js';
import { openSqliteAdminStore } from '../api/admins/index.js';
import { openSqliteClusterStore } from '../cluster/index.js';
import { openSqliteTlsRptStore } from '../delivery/tls/tls-rpt/sqlite-tlsrpt-store.js';
import { openSqliteStsPolicyStore } from '../delivery/tls/mta-sts/store/index.js';
import { openSqliteWarmupCounters } from '../delivery/egress/sqlite-warmup-store.js';
import { openSqliteFlowStore } from '../campaigns/flows/index.js';
import { openSqliteCampaignStore } from '../campaigns/sending/sqlite-campaign-store.js';
import { openSqliteSegmentStore } from '../campaigns/segments/index.js';
import { openSqliteTemplateStore } from '../campaigns/templates/index.js';
import { openSqliteContactStore } from '../campaigns/contacts/sqlite-contact-store.js';
import type { OpenStoresOptions, Stores } from './index.js';
import { openInOrder } from './open-in-order.js';

/** Every store in the queue's SQLite file (`queue.path`): the embedded default, one node. */
export async function openSqliteStores(config: Pick<Config, 'queue'>, opts: OpenStoresOptions = {}): Promise<Stores> {
  const clock = opts.clock ?? systemClock;
  const path = config.queue.path;
  // Opened in order; if one fails, the ones already open are closed, newest first.
  const { open, close } = openInOrder();
  const queue = await open(() => openSqliteQueueStore({ path, clock, ...(opts.mustExist ? { mustExist: true } : {}), ...(opts.bus ? { bus: opts.bus } : {}) }));
  const users = await open(() => openSqliteUserStore({ path, clock }));
  const dkimKeys = await open(() => openSqliteDkimKeyStore({ path }));
  const suppressions = await open(() => openSqliteSuppressionStore({ path }));
  const sendingCounters = await open(() => openSqliteSendingCounters({ path }));
  const greylist = await open(() => openSqliteGreylistStore({ path }));
  const apiKeys = await open(() => openSqliteApiKeyStore({ path }));
  const messageIndex = await open(() => openSqliteMessageIndex({ path }));
  const webhooks = await open(() => openSqliteWebhookStore({ path }));
  const idempotency = await open(() => openSqliteIdempotencyStore({ path }));
  const traffic = await open(() => openSqliteTrafficStore({ path }));
  const admins = await open(() => openSqliteAdminStore({ path }));
  const cluster = await open(() => openSqliteClusterStore({ path, clock }));
  const tlsRpt = await open(() => openSqliteTlsRptStore({ path }));
  const mtaStsPolicies = await open(() => openSqliteStsPolicyStore({ path }));
  const warmup = await open(() => openSqliteWarmupCounters({ path }));
  const flows = await open(() => openSqliteFlowStore({ path }));
  const segments = await open(() => openSqliteSegmentStore({ path }));
  const templates = await open(() => openSqliteTemplateStore({ path }));
  // After the suppressions: a contact's status reads their table.
  const contacts = await open(() => openSqliteContactStore({ path, now: () => clock.now() }));
  // After the contacts and the queue: the audience is selected from contacts and checked against the send log.
  const campaigns = await open(() => openSqliteCampaignStore({ path }));
  return {
    queue,
    events: queue,
    users,
    dkimKeys,
    suppressions,
    sendingCounters,
    greylist,
    apiKeys,
    messageIndex,
    webhooks,
    idempotency,
    traffic,
    admins,
    cluster,
    tlsRpt,
    mtaStsPolicies,
    warmup,
    flows,
    campaigns,
    segments,
    templates,
    contacts,
    close,
  };
}

