import { openSqliteApiKeyStore, type ApiKeyStore } from '../api/keys/index.js';
import type { Config } from '../config/index.js';
import { openSqliteIdempotencyStore, type IdempotencyStore } from '../api/idempotency/index.js';
import { systemClock, type Clock } from '../core/index.js';
import type { EventBus, EventStore } from '../events/index.js';
import { openSqliteGreylistStore, type GreylistStore } from '../greylist/index.js';
import { openSqliteMessageIndex, type MessageIndexStore } from '../message-index/index.js';
import { openSqliteDkimKeyStore, type DkimKeyStore } from '../mailauth/index.js';
import { openSqliteQueueStore, type QueueStore } from '../queue/index.js';
import { openSqliteSendingCounters, type SendingCounters } from '../quotas/index.js';
import { openSqliteSuppressionStore, type SuppressionStore } from '../suppression/index.js';
import { openSqliteTrafficStore, type TrafficStore } from '../traffic/index.js';
import { openSqliteUserStore, type UserStore } from '../users/index.js';
import { openSqliteWebhookStore, type WebhookStore } from '../webhooks/index.js';
import { openSqliteAdminStore, type AdminStore } from '../api/admins/index.js';

/**
 * Every store Baton keeps, built from config by this one factory (DESIGN §9
 * Store): `main.ts` and the CLI open stores here and never a backend directly.
 * Each concern owns its schema and migrations, even where SQLite keeps them in
 * one file; the queue and its events outbox share the file's one writer so an
 * event commits with the change it reports. A PostgreSQL backend is one more
 * branch here, chosen by config.
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
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  readonly clock?: Clock;
  /** Where committed events are published in this process. */
  readonly bus?: EventBus;
  /** Fail instead of creating an empty database (the CLI's read commands). */
  readonly mustExist?: boolean;
}

export async function openStores(config: Pick<Config, 'queue'>, opts: OpenStoresOptions = {}): Promise<Stores> {
  const clock = opts.clock ?? systemClock;
  const path = config.queue.path;
  // Opened in order; if one fails, the ones already open are closed, newest first.
  const opened: { close(): Promise<void> }[] = [];
  const open = async <T extends { close(): Promise<void> }>(make: () => T | Promise<T>): Promise<T> => {
    try {
      const store = await make();
      opened.push(store);
      return store;
    } catch (err) {
      await closeAll(opened);
      throw err;
    }
  };
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
    close: () => closeAll(opened),
  };
}

/** Close stores newest first (the queue, which the others may need while closing, last). */
async function closeAll(stores: { close(): Promise<void> }[]): Promise<void> {
  for (const store of stores.splice(0).reverse()) await store.close();
}

/**
 * Only the users store, for commands that touch nothing else (`baton user`):
 * no queue writer thread to start before a password prompt.
 */
export async function openUserStore(config: Pick<Config, 'queue'>, opts: Pick<OpenStoresOptions, 'clock'> = {}): Promise<UserStore> {
  return openSqliteUserStore({ path: config.queue.path, clock: opts.clock ?? systemClock });
}

/** Only the sending counters (`baton user show`): read what the running node last flushed. */
export function openSendingCounters(config: Pick<Config, 'queue'>): SendingCounters {
  return openSqliteSendingCounters({ path: config.queue.path });
}
