import { openPgAdminStore } from '../api/admins/pg-admin-store.js';
import { openPgIdempotencyStore } from '../api/idempotency/pg-idempotency-store.js';
import { openPgApiKeyStore } from '../api/keys/pg-api-key-store.js';
import { openPgClusterStore } from '../cluster/index.js';
import { openPgStsPolicyStore } from '../delivery/tls/mta-sts/store/pg-sts-policy-store.js';
import type { Config } from '../config/index.js';
import { systemClock } from '../core/index.js';
import { openPgGreylistStore } from '../greylist/pg-greylist-store.js';
import { openPgDkimKeyStore } from '../mailauth/pg-dkim-key-store.js';
import { openPgMessageIndex } from '../message-index/pg-index-store.js';
import { closingWith, openPgDatabase, type PgDatabase } from '../postgres/index.js';
import { openPgQueueStore } from '../queue/postgres/index.js';
import { openPgSendingCounters } from '../quotas/pg-sending-counters.js';
import { openPgSuppressionStore } from '../suppression/pg-suppression-store.js';
import { openPgTrafficStore } from '../traffic/pg-traffic-store.js';
import { openPgUserStore } from '../users/pg-user-store.js';
import { openPgWebhookStore } from '../webhooks/pg-webhook-store.js';
import { openPgTlsRptStore } from '../delivery/tls/tls-rpt/pg-tlsrpt-store.js';
import { openPgWarmupCounters } from '../delivery/egress/pg-warmup-store.js';
import { openPgFlowStore } from '../campaigns/flows/pg-flow-store.js';
import { openPgCampaignStore } from '../campaigns/sending/pg-campaign-store.js';
import { openPgSegmentStore } from '../campaigns/segments/index.js';
import { openPgTemplateStore } from '../campaigns/templates/index.js';
import { openPgContactStore } from '../campaigns/contacts/pg-contact-store.js';
import type { OpenStoresOptions, Stores } from './index.js';
import { openInOrder } from './open-in-order.js';

/**
 * Every store in one PostgreSQL database (`queue.url`), on one pool per
 * process: what a cluster of nodes shares (docs/cluster.md). Each concern
 * applies its own numbered migrations as it opens (src/postgres/migrate.ts).
 */
export async function openPgStores(config: Pick<Config, 'queue' | 'cluster'>, opts: OpenStoresOptions = {}): Promise<Stores> {
  const clock = opts.clock ?? systemClock;
  const db = openPgDb(config, 'baton');
  // Opened in order; if one fails, the ones already open are closed, newest first, then the pool.
  const { open, close } = openInOrder(() => db.close());
  const queue = await open(() => openPgQueueStore({ db, clock, ...(opts.bus ? { bus: opts.bus } : {}) }));
  const users = await open(() => openPgUserStore({ db, clock }));
  const dkimKeys = await open(() => openPgDkimKeyStore({ db }));
  const suppressions = await open(() => openPgSuppressionStore({ db }));
  const sendingCounters = await open(() => openPgSendingCounters({ db }));
  const greylist = await open(() => openPgGreylistStore({ db }));
  const apiKeys = await open(() => openPgApiKeyStore({ db }));
  const messageIndex = await open(() => openPgMessageIndex({ db }));
  const webhooks = await open(() => openPgWebhookStore({ db }));
  const idempotency = await open(() => openPgIdempotencyStore({ db }));
  const traffic = await open(() => openPgTrafficStore({ db }));
  const admins = await open(() => openPgAdminStore({ db }));
  const cluster = await open(() => openPgClusterStore({ db }));
  const tlsRpt = await open(() => openPgTlsRptStore({ db }));
  const mtaStsPolicies = await open(() => openPgStsPolicyStore({ db }));
  const warmup = await open(() => openPgWarmupCounters({ db }));
  const flows = await open(() => openPgFlowStore({ db }));
  const segments = await open(() => openPgSegmentStore({ db }));
  const templates = await open(() => openPgTemplateStore({ db }));
  // After the suppressions: a contact's status reads their table.
  const contacts = await open(() => openPgContactStore({ db, now: () => clock.now() }));
  // After the contacts and the queue: the audience is selected from contacts and checked against the send log.
  const campaigns = await open(() => openPgCampaignStore({ db }));
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

/** The pool for `queue.url`; its connections are named after the node in pg_stat_activity. */
export function openPgDb(config: Pick<Config, 'queue' | 'cluster'>, role: string): PgDatabase {
  const url = config.queue.url;
  if (!url) throw new Error('queue.url is not set: this node uses the SQLite queue');
  const node = config.cluster.nodeName ?? '';
  return openPgDatabase({
    url,
    schema: config.queue.schema,
    poolSize: config.queue.poolSize,
    applicationName: node ? `${role} ${node}`.slice(0, 63) : role,
  });
}

/** One store on a pool of its own that closes with it (CLI commands that need only that store). */
export async function openOnOwnPool<T extends { close(): Promise<void> }>(
  config: Pick<Config, 'queue' | 'cluster'>,
  role: string,
  make: (db: PgDatabase) => Promise<T>,
): Promise<T> {
  const db = openPgDb(config, role);
  let store: T;
  try {
    store = await make(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return closingWith(store, db);
}
