import type { Config } from '../config/index.js';
import { systemClock, type Clock } from '../core/index.js';
import type { EventBus, EventStore } from '../events/index.js';
import { openSqliteGreylistStore, type GreylistStore } from '../greylist/index.js';
import { openSqliteDkimKeyStore, type DkimKeyStore } from '../mailauth/index.js';
import { openSqliteQueueStore, type QueueStore } from '../queue/index.js';
import { openSqliteSuppressionStore, type SuppressionStore } from '../suppression/index.js';
import { openSqliteUserStore, type UserStore } from '../users/index.js';

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
  /** Greylisting triplets and allowlisted client networks (the `greylist` check). */
  readonly greylist: GreylistStore;
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
  const queue = await openSqliteQueueStore({ path, clock, ...(opts.mustExist ? { mustExist: true } : {}), ...(opts.bus ? { bus: opts.bus } : {}) });
  let users: UserStore;
  let dkimKeys: DkimKeyStore;
  let suppressions: SuppressionStore;
  let greylist: GreylistStore;
  try {
    users = await openSqliteUserStore({ path, clock });
  } catch (err) {
    await queue.close();
    throw err;
  }
  try {
    dkimKeys = openSqliteDkimKeyStore({ path });
  } catch (err) {
    await users.close();
    await queue.close();
    throw err;
  }
  try {
    suppressions = openSqliteSuppressionStore({ path });
  } catch (err) {
    await dkimKeys.close();
    await users.close();
    await queue.close();
    throw err;
  }
  try {
    greylist = openSqliteGreylistStore({ path });
  } catch (err) {
    await suppressions.close();
    await dkimKeys.close();
    await users.close();
    await queue.close();
    throw err;
  }
  return {
    queue,
    events: queue,
    users,
    dkimKeys,
    suppressions,
    greylist,
    async close() {
      await greylist.close();
      await suppressions.close();
      await dkimKeys.close();
      await users.close();
      await queue.close();
    },
  };
}

/**
 * Only the users store, for commands that touch nothing else (`baton user`):
 * no queue writer thread to start before a password prompt.
 */
export async function openUserStore(config: Pick<Config, 'queue'>, opts: Pick<OpenStoresOptions, 'clock'> = {}): Promise<UserStore> {
  return openSqliteUserStore({ path: config.queue.path, clock: opts.clock ?? systemClock });
}
