import type { Clock, Mailbox, Random } from '../core/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { ClaimedMessage, MessageSummary, QueueStore } from '../queue/index.js';
import { BounceClassifier } from './bounce/classify.js';
import { Dispatcher } from './dispatcher.js';
import type { DeliveryJob } from './job.js';
import { FencedThrottle } from './fenced-throttle.js';
import { OutcomeRecorder } from './recorder.js';
import { takeOverDeadOwners, type OwnerLiveness } from './take-over.js';
import type { Throttle } from './throttle/index.js';
import type { OutboundTransforms } from './transforms/index.js';
import type { TransportRouter } from './transports/index.js';
import { Waker } from './waker.js';

/**
 * The delivery engine (DESIGN §3 step 5): claims due recipients with a lease
 * (or adopts them from intake), groups them per domain into jobs, finds each
 * job's transport (DESIGN §9 Transport) and site, and hands them to the
 * dispatcher, which runs them as the throttle admits (DESIGN §9 Throttle).
 * The events of each outcome are written with it (DESIGN §9 Event); whoever
 * cares (the DSN finisher, logs) listens for them.
 */

export interface EngineDeps {
  readonly config: Config;
  readonly store: QueueStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** Identifies this node's leases (lease-owner.ts). */
  readonly owner: string;
  readonly router: TransportRouter;
  /** Header edits on the way out (DESIGN §9 Transform). */
  readonly outbound: OutboundTransforms;
  /** Connection limits, rates and back-off (DESIGN §9 Throttle). */
  readonly throttle: Throttle;
  /** Classifies failure replies for the events (bounce/classify.ts); absent: the shipped rules. */
  readonly classifier?: BounceClassifier;
  /**
   * The envelope sender to use on the wire instead of the stored one (VERP,
   * docs/deliverability.md "Return path"); undefined keeps the stored one.
   */
  readonly returnPath?: (message: MessageSummary) => Mailbox | undefined;
  /** One attempt took `ms` on a transport of this route kind (metrics). */
  readonly onAttempt?: (transport: string, ms: number) => void;
  /** A cluster's judge of lease owners and of this node's heartbeat (take-over.ts); absent: only dead local processes, at start. */
  readonly liveness?: OwnerLiveness;
  /** How often the claim loop looks for dead owners when `liveness` is given (`cluster.heartbeat`). */
  readonly takeOverEveryMs?: number;
}

/** Claimed recipients held in memory at most (bounded ready queues). */
const WINDOW = 2000;
const CLAIM_BATCH = 500;
const IDLE_POLL_MS = 1000;
/** Claims are at least this far apart, so new mail is claimed in batches. */
const CLAIM_GAP_MS = 5;

export class DeliveryEngine {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new Waker();
  private readonly dispatcher: Dispatcher;
  private queuedRecipients = 0;
  /** Row ids queued in memory or in flight: never two jobs for one recipient. */
  private readonly held = new Set<number>();
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly adopted: DeliveryJob[] = [];
  /** Adopted while fenced and not yet in the dispatcher: if the fence lifts before they get there, their leases are checked on the way. */
  private readonly adoptedFenced = new Set<DeliveryJob>();
  private adoptTimer: NodeJS.Timeout | undefined;
  private readonly recorder: OutcomeRecorder;
  private lastTakeOver = 0;
  private readonly fence: FencedThrottle | undefined;

  constructor(private readonly deps: EngineDeps) {
    this.recorder = new OutcomeRecorder({
      store: deps.store,
      clock: deps.clock,
      random: deps.random,
      retry: deps.config.queue.retry,
      delayWarningMs: deps.config.delivery.delayWarning,
      owner: deps.owner,
      logger: deps.logger,
      classifier: deps.classifier ?? new BounceClassifier(),
      // A cluster: outcomes wait out a database outage (held, so their leases are renewed once it is back).
      ...(deps.liveness ? { retryForMs: Math.floor(deps.config.delivery.leaseTime / 2) } : {}),
    });
    const { liveness, clock, logger } = deps;
    this.fence = liveness && new FencedThrottle(deps.throttle, { mayClaim: () => liveness.mayClaim(), lifted: () => void this.keepQueuedStillOurs(), clock, logger });
    this.dispatcher = new Dispatcher({
      store: deps.store,
      throttle: this.fence ?? deps.throttle,
      outbound: deps.outbound,
      recorder: this.recorder,
      clock: deps.clock,
      logger: deps.logger,
      ...(deps.onAttempt ? { onAttempt: deps.onAttempt } : {}),
      finished: (job) => {
        this.queuedRecipients -= job.recipients.length;
        this.release(job);
        this.wake();
      },
    });
  }

  start(): void {
    this.running = true;
    this.loop = this.takeOver().then(() => this.schedule());
    // Jobs can wait in memory behind a slow destination for longer than a
    // lease: keep every held lease alive, so no other claim (ours included)
    // takes the rows over and sends them twice.
    const leaseMs = this.deps.config.delivery.leaseTime;
    this.renewTimer = setInterval(() => void this.renewLeases(leaseMs), Math.max(1000, Math.floor(leaseMs / 3)));
    this.renewTimer.unref();
  }

  private async renewLeases(leaseMs: number): Promise<void> {
    if (this.held.size === 0) return;
    try {
      await this.deps.store.renewLease([...this.held], { owner: this.deps.owner, now: this.deps.clock.now(), leaseMs });
    } catch (err) {
      this.deps.logger.error({ err }, 'renewing leases failed');
    }
  }

  /** Release the leases of dead owners (take-over.ts): at start, then every `takeOverEveryMs` in a cluster. */
  private async takeOver(periodic = false): Promise<void> {
    const { store, owner, logger, liveness, takeOverEveryMs: every } = this.deps;
    if (periodic && (!liveness || every === undefined || this.deps.clock.now() - this.lastTakeOver < every)) return;
    this.lastTakeOver = this.deps.clock.now();
    await takeOverDeadOwners({ store, owner, logger, ...(liveness ? { liveness } : {}) });
  }

  /** Whether this node may claim and attempt (its heartbeat is not failing: fenced-throttle.ts). */
  private mayClaim(): boolean {
    return (this.fence?.check() ?? 'ok') !== 'fenced';
  }

  /**
   * After a heartbeat outage: the queued jobs whose leases are still ours are
   * renewed and kept; the rest are dropped (another node took them over). Not
   * handed back to the shared queue wholesale: the first node to claim after
   * the outage would take every node's backlog, and work it at its own share
   * of the site's connections while the others idle.
   */
  private async keepQueuedStillOurs(): Promise<void> {
    // Out of the dispatcher until we know: none may start on a lease another node holds.
    await this.keepStillOurs(this.dispatcher.takeQueued());
  }

  /** Renew the leases of these jobs (held, not in the dispatcher); queue the recipients still ours, drop the rest. */
  private async keepStillOurs(jobs: readonly DeliveryJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const { store, owner, clock, logger } = this.deps;
    const rows = jobs.flatMap((job) => job.recipients.map((r) => r.rowId));
    const ours = await store
      .renewLease(rows, { owner, now: clock.now(), leaseMs: this.leaseMs })
      .then((ids) => new Set(ids))
      .catch((err: unknown) => {
        logger.warn({ err }, 'cluster: checking the queued jobs\' leases after a heartbeat outage failed; they go back to the queue');
        return new Set<number>();
      });
    const dropped: number[] = [];
    const keep = (r: DeliveryJob['recipients'][number]): boolean => this.running && ours.has(r.rowId);
    for (const job of jobs) {
      const kept = job.recipients.filter(keep);
      const lost = job.recipients.filter((r) => !keep(r));
      this.queuedRecipients -= lost.length;
      this.release({ ...job, recipients: lost });
      dropped.push(...lost.map((r) => r.rowId));
      if (kept.length > 0) this.queue(lost.length === 0 ? job : { ...job, recipients: kept });
    }
    logger.info({ kept: rows.length - dropped.length, dropped: dropped.length }, 'cluster: queued jobs after the heartbeat outage');
    // Ours but not kept (the check failed, or we are stopping): released so they are due at once, else they expire.
    if (dropped.length > 0) await store.releaseLeases(dropped, owner).catch((err: unknown) => logger.warn({ err }, 'cluster: releasing leases after a heartbeat outage failed; they expire'));
  }

  /** Intake leases new messages to this owner for this long (intake's HandOff). */
  get owner(): string {
    return this.deps.owner;
  }

  get leaseMs(): number {
    return this.deps.config.delivery.leaseTime;
  }

  /**
   * Room for a message handed over by intake (intake's HandOff)? Also while
   * fenced: the message is leased to us in its own commit, waits in memory
   * (no attempt starts while fenced) and its lease is checked when the fence
   * lifts, like every queued job's. Left in the shared queue instead, the
   * mail accepted in the moments between the database's return and our next
   * good heartbeat would all go to whichever node claims first.
   */
  wants(): boolean {
    return this.running && this.queuedRecipients < WINDOW;
  }

  /**
   * A message enqueued already leased to us: deliver it without claiming or
   * reading it back. Adopted messages are started together after the same
   * minimum gap as claims, so a stream of single messages is still worked in
   * batches (their outcomes share commits) and does not compete, message by
   * message, with the next client's commit.
   */
  adopt(claim: ClaimedMessage, body: Buffer): void {
    const fenced = !this.mayClaim();
    for (const job of this.splitJobs(claim)) {
      this.queuedRecipients += job.recipients.length;
      const adopted = { ...job, body };
      this.adopted.push(adopted);
      if (fenced) this.adoptedFenced.add(adopted);
    }
    this.adoptTimer ??= setTimeout(() => {
      this.adoptTimer = undefined;
      for (const job of this.adopted.splice(0)) void this.place(job);
    }, CLAIM_GAP_MS);
  }

  /** New mail may be due: claim now instead of at the next poll. */
  wake(): void {
    this.waker.wake();
  }

  /** Stop claiming, let running attempts finish (bounded), release the rest. */
  async stop(graceMs = 10_000): Promise<void> {
    this.running = false;
    clearInterval(this.renewTimer);
    clearTimeout(this.adoptTimer);
    this.adoptTimer = undefined;
    for (const job of this.adopted.splice(0)) void this.place(job); // released: not running
    this.waker.stop();
    await this.loop;
    const pending: number[] = [];
    for (const job of this.dispatcher.stop()) {
      pending.push(...job.recipients.map((r) => r.rowId));
      this.release(job);
    }
    if (pending.length > 0) await this.deps.store.releaseLeases(pending, this.deps.owner);
    await Promise.race([this.dispatcher.running(), new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.recorder.stop();
  }

  private async schedule(): Promise<void> {
    while (this.running) {
      this.dispatcher.sweep();
      await this.takeOver(true);
      let claimed = 0;
      const room = this.mayClaim() ? WINDOW - this.queuedRecipients : 0;
      if (room > 0) {
        try {
          claimed = await this.claim(Math.min(room, CLAIM_BATCH));
        } catch (err) {
          this.deps.logger.error({ err }, 'claiming due work failed');
        }
      }
      if (claimed > 0 && claimed >= Math.min(room, CLAIM_BATCH) && this.queuedRecipients < WINDOW) continue;
      await this.waker.sleep(await this.idleDelay(room > 0), CLAIM_GAP_MS);
    }
  }

  private async idleDelay(hadRoom: boolean): Promise<number> {
    if (!hadRoom) return IDLE_POLL_MS; // woken when a job finishes
    const next = await this.deps.store.nextDueAt().catch(() => undefined);
    if (next === undefined) return IDLE_POLL_MS;
    return Math.max(10, Math.min(IDLE_POLL_MS, next - this.deps.clock.now()));
  }

  private async claim(limit: number): Promise<number> {
    const now = this.deps.clock.now();
    const claims = await this.deps.store.claimDue({ now, limit, leaseMs: this.deps.config.delivery.leaseTime, owner: this.deps.owner });
    let count = 0;
    for (const claim of claims) {
      for (const job of this.splitJobs(claim)) {
        this.queuedRecipients += job.recipients.length;
        count += job.recipients.length;
        void this.place(job);
      }
    }
    return count;
  }

  /** Queue a job under its site; a lookup there (MX, usually a cache hit) does not hold up the claim loop. */
  private async place(job: DeliveryJob): Promise<void> {
    const locate = job.transport.locate?.bind(job.transport);
    if (!locate) return this.queue(job);
    const located = await locate(job).catch((err: unknown) => {
      this.deps.logger.error({ err, queueId: job.message.id }, 'finding the site failed; the job keeps its first site');
      return job;
    });
    // Adopted while fenced: if the fence lifted meanwhile, it missed the check of the queued jobs' leases.
    const adoptedFenced = this.adoptedFenced.delete(job);
    if (!this.running) {
      // Stopped while looking up: hand the recipients back at once.
      this.queuedRecipients -= job.recipients.length;
      this.release(job);
      await this.deps.store.releaseLeases(job.recipients.map((r) => r.rowId), this.deps.owner).catch(() => {});
      return;
    }
    if (adoptedFenced && this.mayClaim()) return this.keepStillOurs([located]);
    this.queue(located);
  }

  /**
   * To the dispatcher, in transactions no larger than the destination's
   * shaping allows; one recipient each when an outbound transform makes each
   * recipient's copy different (List-Unsubscribe on bulk mail).
   */
  private queue(job: DeliveryJob): void {
    const per = this.deps.outbound.perRecipient(job.message) ? 1 : this.deps.throttle.recipientsPerTransaction(job);
    for (let i = 0; i < job.recipients.length; i += per) {
      this.dispatcher.add(i === 0 && per >= job.recipients.length ? job : { ...job, recipients: job.recipients.slice(i, i + per) });
    }
  }

  /**
   * One job per domain: a transaction carries recipients of one domain, hence
   * of one site (`queue` splits it to the destination's transaction size).
   */
  private splitJobs(claim: ClaimedMessage): DeliveryJob[] {
    const byDomain = new Map<string, ClaimedMessage['recipients'][number][]>();
    for (const row of claim.recipients) {
      if (this.held.has(row.rowId)) continue; // its job is still queued or running
      this.held.add(row.rowId);
      const rows = byDomain.get(row.address.domain);
      if (rows) rows.push(row);
      else byDomain.set(row.address.domain, [row]);
    }
    // The return path is per message: decided once, for the remote routes only (local delivery keeps the sender).
    const returnPath = this.deps.returnPath?.(claim.message);
    return [...byDomain].map(([domain, recipients]) => {
      const routed = this.deps.router.route(domain);
      const remote = returnPath && (routed.route.kind === 'mx' || routed.route.kind === 'smarthost');
      return { message: claim.message, recipients, domain, ...routed, ...(remote ? { returnPath } : {}) };
    });
  }

  private release(job: DeliveryJob): void {
    for (const r of job.recipients) this.held.delete(r.rowId);
  }
}
