import type { ContainmentConfig } from '../config/quotas-schema.js';
import { isQueueId, type Clock } from '../core/index.js';
import type { BatonEvent, EventBus, EventStore } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { ContainedState, UserStore } from '../users/index.js';
import { containmentTrigger } from './containment-model.js';
import type { SendingCounters } from './sending-counters.js';
import type { UserCounts } from './windows.js';

export interface ContainmentDeps {
  readonly counters: SendingCounters;
  readonly users: Pick<UserStore, 'getUser' | 'updateSettings'>;
  /** `eventsFor` finds the user of a bounced message (its `accepted` event); `append` records `contained`. */
  readonly events: Pick<EventStore, 'eventsFor' | 'append'>;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: ContainmentConfig;
}

/** What is known of a user's containment, and since when (for users not contained). */
interface Known {
  readonly contained?: ContainedState;
  readonly liftedAt?: number;
  readonly readAt: number;
}

/** A user not contained is read again after this long (another node, or a restart of the CLI's view). */
const NOT_CONTAINED_TTL_MS = 10_000;
/** Bounced messages whose user is remembered (a message bounces once per recipient). */
const OWNER_CACHE = 10_000;

/**
 * Counts authenticated users' mail and contains the ones that look
 * compromised (containment-model.ts): the counts come from committed events
 * on the bus (`accepted` with `origin.user`, `bounced` of their messages,
 * `suppression-added` complaints naming one of their queue ids), so nothing
 * is counted that was not queued. Containing is a users-store change, a
 * `contained` event and a warn log line; the `containment` check then queues
 * the user's new mail held.
 *
 * A contained user's state is read from the users store on every message, so
 * `baton queue release --user` (another process) takes effect at once.
 * The users store and the events outbox are separate concerns, so containing
 * is two commits: a crash between them loses the `contained` event, never the
 * containment.
 */
export class Containment {
  private readonly known = new Map<string, Known>();
  private readonly owners = new Map<string, string | null>();
  private readonly containing = new Set<string>();
  /** Senders with no settings row to record containment in (a dashboard admin: "api:admin:NAME"); never judged again. */
  private readonly uncontainable = new Set<string>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: ContainmentDeps) {}

  /** Start counting (and, if enabled, watching). Every accepted message of a user is counted, for the quotas too. */
  start(): void {
    const watch = this.deps.config.enabled;
    this.unsubscribe = this.deps.bus.subscribe(watch ? ['accepted', 'bounced', 'suppression-added'] : ['accepted'], (e) => this.onEvent(e));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /**
   * The user's containment, or undefined when it is not contained.
   * Synchronous while a "not contained" answer is fresh (the hot path).
   */
  containedState(user: string): ContainedState | undefined | Promise<ContainedState | undefined> {
    const k = this.known.get(user);
    if (k && !k.contained && this.deps.clock.now() - k.readAt < NOT_CONTAINED_TTL_MS) return undefined;
    return this.read(user).then((r) => r.contained);
  }

  private async read(user: string): Promise<Known> {
    const info = await this.deps.users.getUser(user);
    const k: Known = {
      readAt: this.deps.clock.now(),
      ...(info?.settings.contained ? { contained: info.settings.contained } : {}),
      ...(info?.settings.containmentLiftedAt !== undefined ? { liftedAt: info.settings.containmentLiftedAt } : {}),
    };
    this.known.set(user, k);
    return k;
  }

  private onEvent(e: BatonEvent): void {
    switch (e.type) {
      case 'accepted': {
        const user = e.origin.user;
        if (user === undefined) return;
        const counts = this.deps.counters.add(user, { messages: 1, recipients: e.recipients.length }, e.at);
        if (this.deps.config.enabled) this.judge(user, counts);
        return;
      }
      case 'bounced':
        return this.attribute(e.queueId, { bounces: 1 });
      case 'suppression-added':
        if (e.reason === 'complaint' && e.source !== undefined && isQueueId(e.source)) this.attribute(e.source, { complaints: 1 });
        return;
      default:
        return;
    }
  }

  /** Count a bounce or complaint against the user who sent the message, if a user did. */
  private attribute(queueId: string, delta: { bounces?: number; complaints?: number }): void {
    void this.ownerOf(queueId)
      .then((user) => {
        if (user === null) return;
        this.judge(user, this.deps.counters.add(user, delta, this.deps.clock.now()));
      })
      .catch((err: unknown) => this.deps.logger.error({ err, queueId }, 'containment: finding the sender of a bounce or complaint failed'));
  }

  /** The authenticated user a message came from (its `accepted` event), null for other mail. */
  private async ownerOf(queueId: string): Promise<string | null> {
    const cached = this.owners.get(queueId);
    if (cached !== undefined) return cached;
    const accepted = (await this.deps.events.eventsFor(queueId)).find((s) => s.event.type === 'accepted')?.event;
    const user = accepted?.type === 'accepted' ? (accepted.origin.user ?? null) : null;
    if (this.owners.size >= OWNER_CACHE) this.owners.delete(this.owners.keys().next().value as string);
    this.owners.set(queueId, user);
    return user;
  }

  private judge(user: string, counts: UserCounts): void {
    const k = this.known.get(user);
    if (k?.contained || this.containing.has(user) || this.uncontainable.has(user)) return;
    // Cheap first look with what is known; the users store is read only when a trigger fires.
    if (!containmentTrigger(counts, this.deps.config, k?.liftedAt)) return;
    this.containing.add(user);
    void this.contain(user, counts)
      .catch((err: unknown) => this.deps.logger.error({ err, user }, 'containment: containing a user failed'))
      .finally(() => this.containing.delete(user));
  }

  private async contain(user: string, counts: UserCounts): Promise<void> {
    const now = this.deps.clock.now();
    const fresh = await this.read(user);
    if (fresh.contained) return;
    const trigger = containmentTrigger(counts, this.deps.config, fresh.liftedAt);
    if (!trigger) return;
    const state: ContainedState = { at: now, ...trigger };
    // Containment lives in the sender's settings; a sender without any (a dashboard admin's mail,
    // counted as "api:admin:NAME") cannot be held, and could release itself anyway: say so once.
    if (!(await this.deps.users.updateSettings(user, { contained: state }))) {
      if (this.uncontainable.size < OWNER_CACHE) this.uncontainable.add(user);
      this.deps.logger.warn({ user, trigger: trigger.trigger, reason: trigger.reason }, `containment: ${user} would be contained, but has no user or API key to record it in; its mail is not held`);
      return;
    }
    this.known.set(user, { ...fresh, contained: state, readAt: now });
    await this.deps.events.append([{ type: 'contained', at: now, user, trigger: trigger.trigger, reason: trigger.reason }]);
    this.deps.logger.warn({ user, trigger: trigger.trigger, reason: trigger.reason }, `user contained: new mail from ${user} is queued held until "baton queue release --user ${user}"`);
  }
}
