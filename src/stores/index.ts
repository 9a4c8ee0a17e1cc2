import type { AdminStore } from '../api/admins/index.js';
import type { IdempotencyStore } from '../api/idempotency/index.js';
import type { ApiKeyStore } from '../api/keys/index.js';
import { openPgClusterStore, openSqliteClusterStore, type ClusterStore } from '../cluster/index.js';
import { existsSync } from 'node:fs';
import type { Config } from '../config/index.js';
import { systemClock, type Clock } from '../core/index.js';
import type { EventBus, EventStore } from '../events/index.js';
import type { GreylistStore } from '../greylist/index.js';
import type { WarmupCounters } from '../delivery/egress/warmup-store.js';
import type { CampaignStore } from '../campaigns/sending/campaign-store.js';
import type { DkimKeyStore } from '../mailauth/index.js';
import type { StsPolicyStore } from '../delivery/tls/mta-sts/store/index.js';
import type { MessageIndexStore } from '../message-index/index.js';
import type { QueueStore } from '../queue/index.js';
import { openSqliteSendingCounters, type SendingCounters } from '../quotas/index.js';
import { openPgSendingCounters } from '../quotas/pg-sending-counters.js';
import type { SuppressionStore } from '../suppression/index.js';
import type { TrafficStore } from '../traffic/index.js';
import type { TlsRptStore } from '../delivery/tls/tls-rpt/tlsrpt-store.js';
import { openSqliteTlsRptStore } from '../delivery/tls/tls-rpt/sqlite-tlsrpt-store.js';
import { openPgTlsRptStore } from '../delivery/tls/tls-rpt/pg-tlsrpt-store.js';
import { openSqliteUserStore, type UserStore } from '../users/index.js';
import { openPgUserStore } from '../users/pg-user-store.js';
import type { WebhookStore } from '../webhooks/index.js';
import type { FlowStore } from '../campaigns/flows/index.js';
import type { SegmentStore } from '../campaigns/segments/index.js';
import type { TemplateStore } from '../campaigns/templates/index.js';
import type { ContactStore } from '../campaigns/contacts/contact-store.js';
import { openOnOwnPool, openPgStores } from './postgres-stores.js';
import { openSqliteStores } from './sqlite-stores.js';

/**
 * Every store Baton keeps, built from config by this one factory (DESIGN §9
 * Store): `main.ts` and the CLI open stores here and never a backend directly.
 * Each concern owns its schema and migrations, even where SQLite keeps them in
 * one file; the queue and its events outbox share the file's one writer so an
 * event commits with the change it reports. `queue.url` chooses PostgreSQL
 * (postgres-stores.ts, every store on one pool) over the SQLite file
 * (sqlite-stores.ts).
 */
export interface Stores {
  readonly queue: QueueStore;
  readonly events: EventStore;
  readonly users: UserStore;
  /** DKIM signing keys per sending domain (private keys sealed with `dkim.secret`). */
  readonly dkimKeys: DkimKeyStore;
  /** Addresses not to send to (bounces, complaints, unsubscribes, operators). */
  readonly suppressions: SuppressionStore;
  /** Per-user sending counters for quotas and containment (kept in memory, flushed in batches). */
  readonly sendingCounters: SendingCounters;
  /** Greylisting triplets and allowlisted client networks (the `greylist` check). */
  readonly greylist: GreylistStore;
  /** HTTP API keys (hashed secrets, scopes, send-as domains, settings). */
  readonly apiKeys: ApiKeyStore;
  /** The search projection of the events (the API's message search), fed by one MessageIndexProjector per file. */
  readonly messageIndex: MessageIndexStore;
  /** Webhook endpoints, their cursors in the events outbox and recent deliveries. */
  readonly webhooks: WebhookStore;
  /** The API's Idempotency-Key reservations and answers (api/idempotency), kept 24 h. */
  readonly idempotency: IdempotencyStore;
  /** Traffic per minute, rolled up from the events (the dashboard's charts, GET /api/v1/stats/traffic) by one TrafficProjector per file. */
  readonly traffic: TrafficStore;
  /** Dashboard admins, their failed logins and login sessions (api/admins). */
  readonly admins: AdminStore;
  /** Node registry and heartbeats, leader leases, cluster-wide rate counters (cluster/; one node on SQLite). */
  readonly cluster: ClusterStore;
  /** TLS-RPT session counts per day and domain, sent reports, last results (delivery/tls/tls-rpt; RFC 8460). */
  readonly tlsRpt: TlsRptStore;
  /** The MTA-STS policy cache (RFC 8461 §5.1): the last valid policy per recipient domain (delivery/tls/mta-sts/). */
  readonly mtaStsPolicies: StsPolicyStore;
  /** Egress sources' warm-up counts per UTC day and provider (delivery/egress/; shared by a cluster). */
  readonly warmup: WarmupCounters;
  /** Automation flows and their runs (campaigns/flows/); runs point at the contacts tables of the same database. */
  readonly flows: FlowStore;
  /** Campaigns, their materialized audiences and stats (campaigns/sending/; reads contacts and the queue's send log). */
  readonly campaigns: CampaignStore;
  /** Saved segments (contact filters) and their previews over the contacts tables (campaigns/segments/). */
  readonly segments: SegmentStore;
  /** Saved Liquid templates of campaigns and flows (campaigns/templates/). */
  readonly templates: TemplateStore;
  /** Contacts, lists, memberships, consents and contact activity (campaigns/contacts; status read from the suppressions). */
  readonly contacts: ContactStore;
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  readonly clock?: Clock;
  /** Where committed events are published in this process. */
  readonly bus?: EventBus;
  /** Fail instead of creating an empty database (the CLI's read commands). */
  readonly mustExist?: boolean;
}

export async function openStores(config: Pick<Config, 'queue' | 'cluster'>, opts: OpenStoresOptions = {}): Promise<Stores> {
  return config.queue.url ? openPgStores(config, opts) : openSqliteStores(config, opts);
}

/** Close stores newest first (the queue, which the others may need while closing, last). */
export async function closeAll(stores: { close(): Promise<void> }[]): Promise<void> {
  for (const store of stores.splice(0).reverse()) await store.close();
}

/**
 * Only the users store, for commands that touch nothing else (`baton user`):
 * no queue writer thread to start before a password prompt.
 */
export async function openUserStore(config: Pick<Config, 'queue' | 'cluster'>, opts: Pick<OpenStoresOptions, 'clock'> = {}): Promise<UserStore> {
  const clock = opts.clock ?? systemClock;
  if (!config.queue.url) return openSqliteUserStore({ path: config.queue.path, clock });
  return openOnOwnPool(config, 'baton-cli', (db) => openPgUserStore({ db, clock }));
}

/** Only the sending counters (`baton user show`): read what the running node last flushed. */
export async function openSendingCounters(config: Pick<Config, 'queue' | 'cluster'>): Promise<SendingCounters> {
  if (!config.queue.url) return openSqliteSendingCounters({ path: config.queue.path });
  return openOnOwnPool(config, 'baton-cli', (db) => openPgSendingCounters({ db }));
}

/** Only the cluster store (`baton cluster status`): no queue writer thread; the SQLite file must exist. */
export async function openClusterStore(config: Pick<Config, 'queue' | 'cluster'>, opts: Pick<OpenStoresOptions, 'clock'> = {}): Promise<ClusterStore> {
  if (config.queue.url) return openOnOwnPool(config, 'baton-cli', (db) => openPgClusterStore({ db }));
  if (!existsSync(config.queue.path)) throw Object.assign(new Error(`no queue database at ${config.queue.path} (has this node ever run?)`), { code: 'ENOENT' });
  return openSqliteClusterStore({ path: config.queue.path, ...(opts.clock ? { clock: opts.clock } : {}) });
}

/** Only the TLS-RPT store (`baton tls check`'s last result): no queue writer thread. */
export async function openTlsRptStore(config: Pick<Config, 'queue' | 'cluster'>): Promise<TlsRptStore> {
  if (!config.queue.url) return openSqliteTlsRptStore({ path: config.queue.path });
  return openOnOwnPool(config, 'baton-cli', (db) => openPgTlsRptStore({ db }));
}
