import { DeliveryReplies, type Clock, type Random } from '../core/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { ClaimedMessage, QueueStore } from '../queue/index.js';
import type { DeliveryJob, RecipientVerdict } from './job.js';
import { isDeadLocalOwner } from './lease-owner.js';
import type { Outcome } from './outcome.js';
import { OutcomeRecorder } from './recorder.js';
import type { OutboundTransforms } from './transforms/index.js';
import type { TransportRouter } from './transports/index.js';
import { Waker } from './waker.js';

/**
 * The delivery engine (DESIGN §3 steps 5-9): claims due recipients with a
 * lease, groups them per site into jobs, and runs them under the per-site and
 * global connection limits. Each worker reuses pooled connections from job to
 * job. A site that failed at site level is left alone for
 * `delivery.siteBackoff`; its jobs are deferred without a connection. What a
 * job is sent with is the router's choice (DESIGN §9 Transport); the events of
 * each outcome are written with it (DESIGN §9 Event), and whoever cares (the
 * DSN finisher, logs) listens for them.
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
}

interface Site {
  readonly key: string;
  readonly jobs: DeliveryJob[];
  active: number;
  backoffUntil: number;
  lastFailure: Outcome | undefined;
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
  private readonly sites = new Map<string, Site>();
  /** Sites with queued jobs held back only by `delivery.maxConnections`. */
  private readonly waiting = new Set<Site>();
  private queuedRecipients = 0;
  private activeWorkers = 0;
  private readonly workersDone = new Set<Promise<void>>();
  /** Row ids queued in memory or in flight: never two jobs for one recipient. */
  private readonly held = new Set<number>();
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly adopted: DeliveryJob[] = [];
  private adoptTimer: NodeJS.Timeout | undefined;
  private readonly recorder: OutcomeRecorder;

  constructor(private readonly deps: EngineDeps) {
    this.recorder = new OutcomeRecorder({
      store: deps.store,
      clock: deps.clock,
      random: deps.random,
      retry: deps.config.queue.retry,
      delayWarningMs: deps.config.delivery.delayWarning,
      owner: deps.owner,
      logger: deps.logger,
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

  /**
   * Leases of processes on this host that are gone (a kill -9, a crash) are
   * released at once instead of waiting out `delivery.leaseTime`; owners on
   * other hosts are left to their lease expiry (lease-owner.ts).
   */
  private async takeOver(): Promise<void> {
    try {
      const dead = (await this.deps.store.leaseOwners()).filter((owner) => isDeadLocalOwner(owner, this.deps.owner));
      if (dead.length === 0) return;
      const rows = await this.deps.store.releaseOwners(dead);
      this.deps.logger.info({ owners: dead, rows }, 'took over the leases of dead processes');
    } catch (err) {
      this.deps.logger.error({ err }, 'taking over dead leases failed; they expire with their lease');
    }
  }

  /** Intake leases new messages to this owner for this long (intake's HandOff). */
  get owner(): string {
    return this.deps.owner;
  }

  get leaseMs(): number {
    return this.deps.config.delivery.leaseTime;
  }

  /** Room for a message handed over by intake (intake's HandOff)? */
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
    for (const job of this.splitJobs(claim)) {
      this.queuedRecipients += job.recipients.length;
      this.adopted.push({ ...job, body });
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
    for (const site of this.sites.values()) {
      for (const job of site.jobs.splice(0)) {
        pending.push(...job.recipients.map((r) => r.rowId));
        this.release(job);
      }
    }
    if (pending.length > 0) await this.deps.store.releaseLeases(pending, this.deps.owner);
    const all = Promise.allSettled([...this.workersDone]);
    await Promise.race([all, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  private async schedule(): Promise<void> {
    while (this.running) {
      this.sweepSites();
      let claimed = 0;
      const room = WINDOW - this.queuedRecipients;
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

  /** Forget sites with nothing queued, nothing running and no back-off in force. */
  private sweepSites(): void {
    const now = this.deps.clock.now();
    for (const [key, site] of this.sites) {
      if (site.jobs.length === 0 && site.active === 0 && site.backoffUntil <= now) this.sites.delete(key);
    }
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
    if (!locate) return this.enqueue(job);
    const located = await locate(job).catch((err: unknown) => {
      this.deps.logger.error({ err, queueId: job.message.id }, 'finding the site failed; the job keeps its first site');
      return job;
    });
    if (!this.running) {
      // Stopped while looking up: hand the recipients back at once.
      this.queuedRecipients -= job.recipients.length;
      this.release(job);
      await this.deps.store.releaseLeases(job.recipients.map((r) => r.rowId), this.deps.owner).catch(() => {});
      return;
    }
    this.enqueue(located);
  }

  /**
   * One job per domain, at most `recipientsPerTransaction` recipients each: a
   * transaction carries recipients of one domain, hence of one site.
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
    const per = this.deps.config.delivery.recipientsPerTransaction;
    return [...byDomain].flatMap(([domain, rows]) => {
      const routed = this.deps.router.route(domain);
      const jobs: DeliveryJob[] = [];
      for (let i = 0; i < rows.length; i += per) jobs.push({ message: claim.message, recipients: rows.slice(i, i + per), domain, ...routed });
      return jobs;
    });
  }

  private enqueue(job: DeliveryJob): void {
    let site = this.sites.get(job.siteKey);
    if (!site) {
      site = { key: job.siteKey, jobs: [], active: 0, backoffUntil: 0, lastFailure: undefined };
      this.sites.set(job.siteKey, site);
    }
    site.jobs.push(job);
    this.kick(site);
  }

  /** Start workers for a site within its and the global connection limit. */
  private kick(site: Site): void {
    const { maxConnectionsPerSite, maxConnections } = this.deps.config.delivery;
    while (site.jobs.length > site.active && site.active < maxConnectionsPerSite && this.activeWorkers < maxConnections) {
      site.active++;
      this.activeWorkers++;
      const done: Promise<void> = this.work(site).finally(() => {
        site.active--;
        this.activeWorkers--;
        this.workersDone.delete(done);
        this.kickWaiting();
      });
      this.workersDone.add(done);
    }
    // Work left that only the global limit holds back waits for a free slot.
    if (site.jobs.length > site.active && site.active < maxConnectionsPerSite) this.waiting.add(site);
    else this.waiting.delete(site);
  }

  /** A worker finished: give its global slot to sites waiting for one (not a scan of all). */
  private kickWaiting(): void {
    for (const site of this.waiting) {
      if (this.activeWorkers >= this.deps.config.delivery.maxConnections) return;
      this.kick(site);
    }
  }

  private async work(site: Site): Promise<void> {
    for (let job = site.jobs.shift(); job; job = site.jobs.shift()) {
      try {
        await this.run(site, job);
      } catch (err) {
        this.deps.logger.error({ err, queueId: job.message.id }, 'delivery job failed');
        await this.recordInternalError(job);
      } finally {
        this.queuedRecipients -= job.recipients.length;
        this.release(job);
        this.wake();
      }
    }
  }

  private release(job: DeliveryJob): void {
    for (const r of job.recipients) this.held.delete(r.rowId);
  }

  /**
   * Our own bug: the recipients are deferred with the normal back-off (never
   * bounced, never retried in a tight loop). If even that cannot be recorded,
   * the leases expire by themselves.
   */
  private async recordInternalError(job: DeliveryJob): Promise<void> {
    const outcome: Outcome = { verdict: 'deferred', scope: 'message', stage: 'connect', reply: DeliveryReplies.localProblem(), error: 'internal error during delivery' };
    try {
      await this.record(job, job.recipients.map((row) => ({ row, outcome })), 0);
    } catch (err) {
      this.deps.logger.error({ err, queueId: job.message.id }, 'recording the failure failed; the lease will expire');
    }
  }

  private async run(site: Site, job: DeliveryJob): Promise<void> {
    const now = this.deps.clock.now();
    if (site.backoffUntil > now && site.lastFailure) {
      const outcome = site.lastFailure;
      await this.record(job, job.recipients.map((row) => ({ row, outcome })), site.backoffUntil);
      return;
    }
    const body = job.body ?? (await this.deps.store.readBody(job.message.id));
    if (!body) return; // deleted while queued in memory
    const edited = this.deps.outbound.apply({ message: job.message, recipients: job.recipients, route: job.route }, body);
    const message = edited instanceof Promise ? await edited : edited;
    const verdicts = await job.transport.send(job, message);
    const siteFailure = verdicts.find((v) => v.outcome.verdict === 'deferred' && v.outcome.scope === 'site');
    if (siteFailure && this.deps.config.delivery.siteBackoff > 0) {
      site.backoffUntil = this.deps.clock.now() + this.deps.config.delivery.siteBackoff;
      site.lastFailure = siteFailure.outcome;
    } else if (verdicts.some((v) => v.outcome.verdict === 'delivered')) {
      site.backoffUntil = 0;
      site.lastFailure = undefined;
    }
    await this.record(job, verdicts, 0);
  }

  private record(job: DeliveryJob, verdicts: readonly RecipientVerdict[], notBefore: number): Promise<void> {
    return this.recorder.record(job, verdicts, notBefore);
  }
}
